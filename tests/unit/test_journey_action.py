"""The first-steps plan in a conversation: slots of the contract, the follow-up question, ticking steps off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.action_clarify import ActionClarify
from actions.action_journey import ActionAnswerJourney
from actions.action_service import ActionAnswerService
from actions.base import NOW_VARIABLE
from tests.unit.test_actions import message

PLAN_SLOTS = ("language", "service", "office", "journey", "children", "non_eu", "asylum_seeker",
              "plan_question", "plan_done")  # fmt: skip


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "2026-11-25T10:00")  # a Wednesday


def turn(action: Any, text: str, intent: str, slots: dict[str, Any], entities: dict[str, str] | None = None,
         language: str = "en") -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """One turn: the message sent and every slot afterwards (the tracker's, changed by the events)."""
    extra = {"entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}
    tracker = message(text, intent, language, slots={"language": language, **slots}, **extra)
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    assert len(dispatcher.messages) == 1
    after = {name: tracker.get_slot(name) for name in PLAN_SLOTS}
    after.update({e["name"]: e["value"] for e in events if e["event"] == "slot"})
    return dispatcher.messages[0], after


def payloads(sent: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in sent.get("buttons") or []]


def test_a_described_situation_gets_a_plan_and_one_question() -> None:
    sent, slots = turn(ActionAnswerJourney(), "we came from Kharkiv last week, what now?", "journey_refugee_arrival",
                       {"service": "registration", "office": "citizens_office"})  # fmt: skip
    assert slots["journey"] == "refugee_arrival"
    assert slots["service"] is None and slots["office"] is None  # the contract: no service on a plan answer
    text = sent["text"]
    assert "1. Registering your address (Anmeldung) – Citizens' Office (Bürgerbüro)" in text
    assert "By when: within 2 weeks after moving in (§ 17 Bundesmeldegesetz)" in text
    assert "Are you still in the asylum procedure" in text  # the first condition the steps depend on
    assert slots["plan_question"] == "asylum_seeker"
    assert '/plan_condition{"condition":"asylum_seeker","answer":"yes"}' in payloads(sent)
    assert '/plan_tick{"step":"registration"}' in payloads(sent)


def test_the_answer_is_remembered_and_the_next_question_follows() -> None:
    state = {"journey": "refugee_arrival", "plan_question": "asylum_seeker"}
    sent, slots = turn(ActionAnswerJourney(), '/plan_condition{"condition":"asylum_seeker","answer":"no"}',
                       "plan_condition", state, {"condition": "asylum_seeker", "answer": "no"})  # fmt: skip
    assert slots["asylum_seeker"] is False and slots["journey"] == "refugee_arrival"
    assert "(Bürgergeld)" in sent["text"]  # not in the asylum procedure: citizen's income, not asylum benefits
    assert slots["plan_question"] == "children"
    # a typed "yes" answers the question asked last
    sent, slots = turn(ActionAnswerJourney(), "yes", "affirm", {**state, **slots})
    assert slots["children"] is True and slots["plan_question"] is None
    assert "(Kindergeld)" in sent["text"] and "(Schulanmeldung)" in sent["text"]
    assert not any(p.startswith("/plan_condition") for p in payloads(sent))  # nothing left to ask


def test_a_known_answer_is_not_asked_again_in_another_plan() -> None:
    sent, slots = turn(ActionAnswerJourney(), "we moved here from Spain", "journey_new_in_beckum",
                       {"children": False, "non_eu": False})  # fmt: skip
    assert slots["plan_question"] is None
    assert "Kindergeld" not in sent["text"] and "Integrationskurs" not in sent["text"]
    assert "Anmeldung" in sent["text"]


def test_ticking_a_step_off_and_on_again() -> None:
    state = {"journey": "new_in_beckum", "children": False, "non_eu": True}
    sent, slots = turn(ActionAnswerJourney(), '/plan_tick{"step":"registration"}', "plan_tick", state,
                       {"step": "registration"})  # fmt: skip
    assert slots["plan_done"] == ["registration"]
    assert "✓ 1. Registering your address (Anmeldung) (done)" in sent["text"]
    assert sent["text"].startswith("4 steps left.")  # registration, residence permit, integration course, management
    assert any(b["title"].startswith("☑ 1.") for b in sent["buttons"])
    _, slots = turn(ActionAnswerJourney(), '/plan_tick{"step":"registration"}', "plan_tick",
                    {**state, **slots}, {"step": "registration"})  # fmt: skip
    assert slots["plan_done"] == []


def test_plan_show_without_a_plan_explains_how_to_get_one() -> None:
    sent, slots = turn(ActionAnswerJourney(), "/plan_show", "plan_show", {}, language="ar")
    assert "أوكرانيا" in sent["text"] and slots["journey"] is None


def test_yes_without_a_question_does_not_invent_an_answer() -> None:
    sent, slots = turn(ActionAnswerJourney(), "yes", "affirm", {"journey": "baby_born"})
    assert slots["children"] is None
    assert "What would you like to know?" in sent["text"]


def test_a_new_plan_starts_with_no_steps_ticked() -> None:
    _, slots = turn(ActionAnswerJourney(), "we are leaving germany", "journey_leaving_beckum",
                    {"journey": "new_in_beckum", "plan_done": ["registration"]})  # fmt: skip
    assert slots["plan_done"] == [] and slots["journey"] == "leaving_beckum"


def test_a_service_answer_clears_the_journey() -> None:
    _, slots = turn(ActionAnswerService(), "where do I register?", "service_registration",
                    {"journey": "new_in_beckum"})  # fmt: skip
    assert slots["journey"] is None and slots["service"] == "registration"


def test_clarify_offers_a_plan_among_the_candidates() -> None:
    ranking = [{"name": "journey_baby_born", "confidence": 0.31}, {"name": "service_civil_registry", "confidence": 0.3}]
    tracker = message("baby", "nlu_fallback", "en", intent_ranking=ranking)
    dispatcher = CollectingDispatcher()
    ActionClarify().run(dispatcher, tracker, {})
    assert payloads(dispatcher.messages[0])[:2] == ["/journey_baby_born", "/service_civil_registry"]


@pytest.mark.parametrize("code", ["de", "ar", "uk", "tr"])
def test_plan_buttons_are_in_the_users_language(code: str) -> None:
    sent, _ = turn(ActionAnswerJourney(), "…", "journey_refugee_arrival", {}, language=code)
    titles = [b["title"] for b in sent["buttons"]]
    yes = {"de": "Ja", "ar": "نعم", "uk": "Так", "tr": "Evet"}[code]
    assert titles[0] == yes
    entities = json.loads(payloads(sent)[0].removeprefix("/plan_condition"))
    assert entities == {"condition": "asylum_seeker", "answer": "yes"}
