"""Conversations with the trained model over the REST channel, checked through the tracker API."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.servers import Assistant

CONTACT_PHONE = "02521 29-0"


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def slots(assistant: Assistant, sender: str) -> dict[str, object]:
    return dict(assistant.tracker(sender)["slots"])


def latest_intent(assistant: Assistant, sender: str) -> str:
    return str(assistant.tracker(sender)["latest_message"]["intent"]["name"])


def text_of(answers: list[dict[str, object]]) -> str:
    """The answers' text without the invisible bidi isolates around phone numbers in ar/fa."""
    text = "\n".join(str(a.get("text", "")) for a in answers)
    return text.replace("\u2066", "").replace("\u2069", "")


@pytest.mark.parametrize(
    ("language", "message", "service", "phone"),
    [
        ("de", "ich bin neu hier und muss meine wohnung anmelden, wo geht das?", "registration", "02521 29-3333"),
        ("en", "my son is 6 where do i register him for school", "school_enrolment", "02521 29-0"),
        ("ar", "بدي اطلب Wohngeld لأن الايجار غالي كتير", "housing_benefit", "02521 29-5036"),
        ("uk", "де можна подати заяву на Kindergeld для дитини?", "child_benefit", "0800 4 5555 30"),
        ("ru", "где сделать Anmeldung?", "registration", "02521 29-3333"),
        ("tr", "oturma iznimi uzatmam lazım, ne yapmalıyım", "residence_permit", "02581 53-0"),
        ("fa", "میخوام تو کلاس زبان آلمانی ثبت نام کنم", "integration_course", None),
        ("ku", "ez dixwazim ji bo zarokê xwe cihekî kitayê bibînim", "childcare", "02521 29-5000"),
        ("fr", "j'ai perdu mon portefeuille en ville, ou sont les objets trouves ?", "lost_property", "02521 29-3333"),
        ("pl", "potrzebuje zaswiadczenia o niekaralnosci do pracy", "certificate_of_conduct", "02521 29-3333"),
    ],
)
def test_service_question_as_first_message(
    assistant: Assistant, language: str, message: str, service: str, phone: str | None
) -> None:
    sender = new_sender()
    answer = text_of(assistant.send(sender, message))
    state = slots(assistant, sender)
    assert state["service"] == service
    assert state["language"] == language
    assert latest_intent(assistant, sender) == f"service_{service}"
    if phone:
        assert phone in answer
    assert answer.strip().endswith(f"{CONTACT_PHONE}.")


def test_opening_hours_question_names_the_office_and_the_day(assistant: Assistant) -> None:
    sender = new_sender()
    answer = text_of(assistant.send(sender, "is the library open tomorrow?"))
    assert latest_intent(assistant, sender) == "opening_hours"
    assert slots(assistant, sender)["office"] == "library"
    assert "Tomorrow (Thursday, 26 November): open 15:00–18:00." in answer


def test_arabic_answer_is_in_arabic_and_stays_arabic_on_ok(assistant: Assistant) -> None:
    sender = new_sender()
    first = text_of(assistant.send(sender, "وين لازم روح لحتى اعمل Anmeldung؟"))
    assert sum("\u0600" <= ch <= "\u06ff" for ch in first) > 40
    assert slots(assistant, sender)["language"] == "ar"
    assistant.send(sender, "ok")
    assert slots(assistant, sender)["language"] == "ar"
    assistant.send(sender, "Kita")
    assert slots(assistant, sender)["language"] == "ar"


def test_switching_language_by_writing_in_another(assistant: Assistant) -> None:
    sender = new_sender()
    assistant.send(sender, "Hallo, wo bekomme ich einen Kita-Platz?")
    assert slots(assistant, sender)["language"] == "de"
    assistant.send(sender, "sorry, can you tell me where to apply for child benefit?")
    assert slots(assistant, sender)["language"] == "en"


def test_language_menu_and_button(assistant: Assistant) -> None:
    sender = new_sender()
    answers = assistant.send(sender, "Sprache ändern")
    buttons = [b for a in answers for b in a.get("buttons") or []]
    assert len(buttons) == 12
    turkish = next(b for b in buttons if b["title"] == "Türkçe")
    assistant.send(sender, turkish["payload"])
    assert slots(assistant, sender)["language"] == "tr"


def test_unsure_gets_buttons_and_a_click_answers(assistant: Assistant) -> None:
    sender = new_sender()
    answers = assistant.send(sender, "xqzv blorp frumble")
    assert latest_intent(assistant, sender) == "nlu_fallback"
    buttons = [b for a in answers for b in a.get("buttons") or []]
    assert 2 <= len(buttons) <= 6
    service_button = next(b for b in buttons if b["payload"].startswith("/service_"))
    assistant.send(sender, service_button["payload"])
    assert slots(assistant, sender)["service"] == service_button["payload"].removeprefix("/service_")


@pytest.mark.parametrize(
    ("language", "message"),
    [("de", "wie wird das wetter morgen"), ("en", "tell me a joke about cats"), ("tr", "galatasaray maçı kaç bitti")],
)
def test_out_of_scope(assistant: Assistant, language: str, message: str) -> None:
    sender = new_sender()
    answer = text_of(assistant.send(sender, message))
    assert latest_intent(assistant, sender) == "out_of_scope"
    assert slots(assistant, sender)["service"] is None
    assert CONTACT_PHONE in answer


@pytest.mark.parametrize(
    ("language", "message"),
    [("de", "ich möchte bitte mit einem echten menschen sprechen"), ("uk", "хочу поговорити з працівником")],
)
def test_human_handoff(assistant: Assistant, language: str, message: str) -> None:
    sender = new_sender()
    answer = text_of(assistant.send(sender, message))
    assert latest_intent(assistant, sender) == "human_handoff"
    assert CONTACT_PHONE in answer and "02521 29-5000" in answer
    assert slots(assistant, sender)["language"] == language


def test_bot_challenge_and_greeting(assistant: Assistant) -> None:
    sender = new_sender()
    greeting = text_of(assistant.send(sender, "Hallo"))
    assert "automatischer Assistent" in greeting
    assistant.send(sender, "bist du ein roboter?")
    assert latest_intent(assistant, sender) == "bot_challenge"


def test_empty_and_binary_looking_messages_get_an_answer(assistant: Assistant) -> None:
    for text in ["   ", "\x00\x01\x02", "🙂🙂🙂", "?"]:
        answers = assistant.send(new_sender(), text)
        assert answers and CONTACT_PHONE in text_of(answers)


def test_channel_language_hint_decides_an_ambiguous_first_message(assistant: Assistant) -> None:
    sender = new_sender()
    assistant.send(sender, "Jobcenter", metadata={"language": "uk"})
    assert slots(assistant, sender)["language"] == "uk"


@pytest.mark.parametrize(
    "message", ["¿dónde puedo registrar mi domicilio en la ciudad de Beckum?", "我想在贝克姆登记我的住址，应该去哪里？"]
)
def test_a_language_we_do_not_speak_gets_the_list_of_ours(assistant: Assistant, message: str) -> None:
    answer = text_of(assistant.send(new_sender(), message))
    assert "Diese Sprache spreche ich leider noch nicht" in answer
    assert "I do not speak this language yet" in answer
    assert "Українська" in answer and "فارسی" in answer


@pytest.mark.parametrize(("message", "language"), [("où est la mairie ?", "fr"), ("gdzie jest ratusz?", "pl")])
def test_short_questions_in_our_languages_are_not_taken_for_foreign(
    assistant: Assistant, message: str, language: str
) -> None:
    sender = new_sender()
    answer = text_of(assistant.send(sender, message))
    assert "Diese Sprache spreche ich leider noch nicht" not in answer
    assert slots(assistant, sender)["language"] == language
