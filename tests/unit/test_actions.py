"""Each action run with a CollectingDispatcher on trackers built from JSON fixtures (no server, no model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import languages
from actions.action_clarify import ActionClarify
from actions.action_conversation import ActionBotChallenge, ActionGoodbye, ActionGreet, ActionHelp, ActionThank
from actions.action_handoff import ActionHumanHandoff
from actions.action_language import ActionChooseLanguage
from actions.action_opening_hours import ActionOpeningHours
from actions.action_out_of_scope import ActionOutOfScope
from actions.action_service import ActionAnswerService
from actions.base import NOW_VARIABLE, StadtlotseAction
from actions.catalogue import load_catalogue

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trackers"
CATALOGUE = load_catalogue()
CONTACT_PHONE = CATALOGUE.contact.phone


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "2026-11-25T10:00")  # a Wednesday


def fixture(name: str) -> Tracker:
    return tracker_from(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


def tracker_from(state: dict[str, Any]) -> Tracker:
    return Tracker(
        sender_id=state["sender_id"],
        slots=state.get("slots", {}),
        latest_message=state["latest_message"],
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def message(text: str, intent: str, language: str, slots: dict[str, Any] | None = None, **extra: Any) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "intent_ranking": [{"name": intent, "confidence": 0.95}],
        "entities": [],
        "language_ranking": [{"name": language, "confidence": 0.99}],
        "metadata": {},
        **extra,
    }
    return tracker_from({"sender_id": "t", "slots": slots or {"language": language}, "latest_message": latest})


def run(action: StadtlotseAction, tracker: Tracker) -> tuple[dict[str, Any], dict[str, Any]]:
    """The one message the action sent and its slot events as a dict."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    assert len(dispatcher.messages) == 1
    # the contract slots after this turn: what the tracker had, changed by the action's slot events
    slots = {name: tracker.get_slot(name) for name in ("language", "service", "office")}
    slots.update({e["name"]: e["value"] for e in events if e["event"] == "slot"})
    return dispatcher.messages[0], slots


def test_only_changed_slots_are_set() -> None:
    tracker = message("Wo melde ich mich an?", "service_registration", "de",
                      slots={"language": "de", "service": "registration", "office": None})  # fmt: skip
    events = ActionAnswerService().run(CollectingDispatcher(), tracker, {})
    assert [(e["name"], e["value"]) for e in events if e["event"] == "slot"] == [("office", "citizens_office")]


def test_service_answer_in_russian_for_the_first_message() -> None:
    sent, slots = run(ActionAnswerService(), fixture("service_registration_ru"))
    assert slots == {"language": "ru", "service": "registration", "office": "citizens_office"}
    text = sent["text"]
    assert "Anmeldung" in text  # the German term stays visible
    assert "02521 29-3333" in text  # the Bürgerbüro's phone
    assert "Weststraße 46" in text
    assert "Wohnungsgeberbestätigung" in text
    assert text.strip().endswith(f"{CONTACT_PHONE}.")  # every answer ends with the way to a person
    assert "Anmeldung der Wohnung" not in text and any("\u0400" <= ch <= "\u04ff" for ch in text)


@pytest.mark.parametrize("code", languages.CODES)
def test_service_answer_in_every_language(code: str) -> None:
    sent, slots = run(ActionAnswerService(), message("…", "service_housing_benefit", code))
    assert slots["language"] == code and slots["service"] == "housing_benefit"
    assert "02521 29-5036" in sent["text"]
    assert "Wohngeld" in sent["text"]


def test_opening_hours_for_tomorrow_in_english() -> None:
    sent, slots = run(ActionOpeningHours(), fixture("opening_hours_en"))
    assert slots == {"language": "en", "service": None, "office": "library"}
    text = sent["text"]
    assert "Open now, until 18:00." in text  # Wednesday 10:00, the library is open 09:00–18:00
    assert "Tomorrow (Thursday, 26 November): open 15:00–18:00." in text
    assert "02521 4252" in text


def test_opening_hours_on_christmas_eve_names_the_closure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "2026-12-24T10:00")
    sent, _ = run(ActionOpeningHours(), message("hat die bücherei heute auf", "opening_hours", "de"))
    assert "Heute geschlossen (Schließtag: Heiligabend)" in sent["text"]
    assert "Nächste Öffnung: Montag, 28. Dezember um 15:00 Uhr." in sent["text"]


def test_opening_hours_from_a_button_payload() -> None:
    tracker = message(
        '/opening_hours{"office":"jobcenter"}', "opening_hours", "de",
        entities=[{"entity": "office", "value": "jobcenter"}], language_ranking=[],
    )  # fmt: skip
    _, slots = run(ActionOpeningHours(), tracker)
    assert slots["office"] == "jobcenter" and slots["language"] == "de"


def test_opening_hours_without_an_office_asks_with_buttons() -> None:
    sent, slots = run(ActionOpeningHours(), message("wann habt ihr offen?", "opening_hours", "de"))
    assert slots["office"] is None
    assert {b["payload"] for b in sent["buttons"]} >= {'/opening_hours{"office":"citizens_office"}'}


def test_opening_hours_takes_the_office_of_a_clearly_likeliest_service() -> None:
    ranking = [
        {"name": "opening_hours", "confidence": 0.86},
        {"name": "service_civil_registry", "confidence": 0.09},
        {"name": "service_naturalisation", "confidence": 0.02},
    ]
    tracker = message("wann kann man heiraten, auch samstags?", "opening_hours", "de", intent_ranking=ranking)
    _, slots = run(ActionOpeningHours(), tracker)
    assert slots["office"] == "registry_office"


def test_opening_hours_ignores_services_that_do_not_stand_out() -> None:
    ranking = [
        {"name": "opening_hours", "confidence": 0.9},
        {"name": "service_civil_registry", "confidence": 0.04},
        {"name": "service_naturalisation", "confidence": 0.03},
    ]
    tracker = message("wann habt ihr offen?", "opening_hours", "de", intent_ranking=ranking)
    sent, slots = run(ActionOpeningHours(), tracker)
    assert slots["office"] is None and sent["buttons"]


def test_opening_hours_falls_back_to_the_office_of_the_last_answer() -> None:
    tracker = message("and when are they open?", "opening_hours", "en", slots={"language": "en", "office": "library"})
    _, slots = run(ActionOpeningHours(), tracker)
    assert slots["office"] == "library"


def test_unsure_offers_the_likely_services_as_buttons() -> None:
    sent, slots = run(ActionClarify(), fixture("unsure_de"))
    assert [b["payload"] for b in sent["buttons"]] == [
        "/service_child_benefit", "/service_childcare", "/service_civil_registry",
    ]  # fmt: skip
    assert slots["service"] is None and CONTACT_PHONE in sent["text"]


def test_language_button_switches_at_once_and_resets_the_topic() -> None:
    sent, slots = run(ActionChooseLanguage(), fixture("choose_language_button_ar"))
    assert slots == {"language": "ar", "service": None, "office": None}
    assert any("\u0600" <= ch <= "\u06ff" for ch in sent["text"])


def test_language_menu_lists_all_languages() -> None:
    sent, _ = run(ActionChooseLanguage(), message("change language", "choose_language", "en"))
    assert [b["title"] for b in sent["buttons"]] == [lang.native_name for lang in languages.LANGUAGES.values()]


def test_named_language_switches() -> None:
    tracker = message("po polsku prosze", "choose_language", "de", slots={"language": "de"})
    _, slots = run(ActionChooseLanguage(), tracker)
    assert slots["language"] == "pl"


@pytest.mark.parametrize(
    "action", [ActionGreet(), ActionHelp(), ActionThank(), ActionGoodbye(), ActionBotChallenge(), ActionOutOfScope()]
)
def test_conversation_answers_end_with_a_way_to_a_person(action: StadtlotseAction) -> None:
    sent, slots = run(action, message("…", "greet", "tr"))
    assert slots == {"language": "tr", "service": None, "office": None}
    assert sent["text"].strip().endswith(f"{CONTACT_PHONE}.")


def test_greeting_says_it_is_automated_and_offers_topics() -> None:
    sent, _ = run(ActionGreet(), message("hallo", "greet", "de"))
    assert "automatischer Assistent" in sent["text"]
    assert "/service_registration" in [b["payload"] for b in sent["buttons"]]
    assert "/choose_language" in [b["payload"] for b in sent["buttons"]]


def test_handoff_gives_central_and_newcomer_contacts() -> None:
    sent, slots = run(ActionHumanHandoff(), message("i want to talk to a person", "human_handoff", "en"))
    assert CONTACT_PHONE in sent["text"] and "02521 29-5000" in sent["text"]
    assert slots["office"] == "town_hall"


def test_too_long_message_gets_a_polite_request() -> None:
    sent, _ = run(ActionAnswerService(), message("a" * 5000, "service_registration", "de"))
    assert "sehr lang" in sent["text"]


def test_unsupported_language_lists_ours() -> None:
    text = "¿dónde puedo registrar mi domicilio en la ciudad?"
    tracker = message(text, "nlu_fallback", "fr", unsupported_language="es")
    sent, _ = run(ActionClarify(), tracker)
    assert "Diese Sprache spreche ich leider noch nicht" in sent["text"]
    assert "I do not speak this language yet" in sent["text"]
    assert "العربية" in sent["text"]


def test_a_broken_catalogue_change_keeps_answers_coming(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil

    from actions import catalogue as catalogue_module

    data = tmp_path / "catalogue"
    shutil.copytree(catalogue_module.DEFAULT_DIRECTORY, data)
    store = catalogue_module.CatalogueStore(data, check_interval=0)
    monkeypatch.setattr(catalogue_module, "_store", store)
    offices = data / "offices.yml"
    offices.write_text(offices.read_text(encoding="utf-8").replace("02521 4252", "02521 4999"), encoding="utf-8")
    sent, _ = run(ActionAnswerService(), message("bücherei", "service_library", "de"))
    assert "02521 4999" in sent["text"]
    offices.write_text("offices: [broken", encoding="utf-8")
    sent, _ = run(ActionAnswerService(), message("bücherei", "service_library", "de"))
    assert "02521 4999" in sent["text"]


def test_logs_never_contain_the_message_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    secret = "meine telefonnummer ist 0171 2345678, wo melde ich mich an"
    run(ActionAnswerService(), message(secret, "service_registration", "de"))
    run(ActionClarify(), message(secret, "nlu_fallback", "de"))
    assert caplog.records, "the actions log what they answered"
    assert secret not in caplog.text and "0171" not in caplog.text


def test_show_in_german_answers_once_in_german_and_keeps_the_conversation_language() -> None:
    tracker = message("بدي اطلب Wohngeld", "service_housing_benefit", "ar", slots={"language": "ar"},
                      metadata={"language": "ar", "render_language": "de"})  # fmt: skip
    sent, slots = run(ActionAnswerService(), tracker)
    assert sent["text"].startswith("Wohngeld") and "Bitte mitbringen:" in sent["text"]
    assert slots["language"] == "ar" and slots["service"] == "housing_benefit"
