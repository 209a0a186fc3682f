"""FAQ entries and emergencies with the trained model, over the REST channel and the tracker."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.servers import Assistant
from tests.integration.test_conversations import latest_intent, new_sender, slots, text_of

QUESTIONS = yaml.safe_load((Path(__file__).parent.parent / "fixtures" / "faq_questions.yml").read_text("utf-8"))
SERVICES = QUESTIONS.pop("_services")
RTL = {"ar", "fa"}
MIN_LANGUAGES = 4


@pytest.mark.parametrize("entry", sorted(QUESTIONS))
def test_every_entry_is_found_in_four_languages_one_of_them_rtl(assistant: Assistant, entry: str) -> None:
    """A question per language (six, two right to left): the entry must be found in at least four of them,
    one right to left, with every placeholder filled and the answer in the question's language."""
    found, misses = set(), {}
    for language, question in QUESTIONS[entry].items():
        sender = new_sender()
        answer = text_of(assistant.send(sender, question))
        state = slots(assistant, sender)
        if (state["faq"], state["service"], state["language"]) == (entry, None, language):
            assert "{" not in answer  # every placeholder filled
            found.add(language)
        else:
            misses[language] = (state["faq"], latest_intent(assistant, sender))
    assert len(found) >= MIN_LANGUAGES and found & RTL, f"{entry}: found in {sorted(found)}; misses {misses}"


@pytest.mark.parametrize("item", SERVICES, ids=[s["service"] for s in SERVICES])
def test_service_questions_do_not_land_on_faq_entries(assistant: Assistant, item: dict[str, str]) -> None:
    sender = new_sender()
    assistant.send(sender, item["text"])
    state = slots(assistant, sender)
    assert state["faq"] is None and state["service"] == item["service"]


def test_the_faq_slot_is_cleared_by_the_next_answer(assistant: Assistant) -> None:
    sender = new_sender()
    assistant.send(sender, QUESTIONS["chat_privacy"]["de"])
    assert slots(assistant, sender)["faq"] == "chat_privacy"
    assistant.send(sender, "wann hat die bücherei auf")
    assert slots(assistant, sender)["faq"] is None


EMERGENCIES = [
    ("de", "Hilfe, bei uns im Treppenhaus brennt es und überall ist Rauch", "danger"),
    ("en", "my husband collapsed and he is not breathing what do i do", "danger"),
    ("ar", "جوزي عم يضربني وهددني بالسكين، أنا خايفة", "violence"),
    ("fa", "یه مرد با چاقو دنبالم کرده الان", "violence"),
    ("uk", "я більше не хочу жити, думаю покінчити з собою", "self_harm"),
    ("tr", "komşunun çocuğu havuzda boğuluyor yardım edin", "danger"),
]


@pytest.mark.parametrize(("language", "message", "kind"), EMERGENCIES, ids=[e[0] for e in EMERGENCIES])
def test_emergency_gets_112_and_110_first(assistant: Assistant, language: str, message: str, kind: str) -> None:
    sender = new_sender()
    answers = assistant.send(sender, message)
    tracker = assistant.tracker(sender)
    assert tracker["latest_message"]["intent"]["name"] == "emergency"
    assert tracker["latest_message"]["emergency"] == kind
    first_line = text_of(answers).splitlines()[0]
    assert "112" in first_line and "110" in first_line
    assert slots(assistant, sender)["language"] == language


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Wo bekomme ich einen Notreisepass, meiner ist abgelaufen?"),
        ("en", "where can i do a first aid course for my driving licence"),
        ("ar", "بدي شهادة حسن سيرة وسلوك من الشرطة للشغل"),
        ("fa", "برای کلاس کمک‌های اولیه کجا ثبت‌نام کنم؟"),
        ("uk", "хочу записатися добровольцем у пожежну команду"),
        ("tr", "kaza sigortası için hangi belgeler lazım"),
    ],
)
def test_ordinary_questions_with_emergency_words_do_not_alarm(assistant: Assistant, language: str,
                                                               message: str) -> None:  # fmt: skip
    sender = new_sender()
    answer = text_of(assistant.send(sender, message))
    assert latest_intent(assistant, sender) != "emergency"
    assert "112" not in answer.splitlines()[0]
