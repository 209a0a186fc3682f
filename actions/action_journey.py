"""First-steps plans in the conversation: recognise the situation, ask what the plan depends on, tick steps off.

The slot ``journey`` holds the plan id (part of the contract); ``children``, ``non_eu`` and
``asylum_seeker`` remember the answers to the plan's questions, ``plan_question`` the question
asked last, ``plan_done`` the steps the user ticked off. All of it lives in the tracker, so
``/delete`` erases it with the conversation.
"""

from __future__ import annotations

import json

from actions.base import Reply, StadtlotseAction, Turn
from actions.journeys import (
    CONDITION_INTENT,
    JOURNEY_INTENT_PREFIX,
    QUESTIONS,
    SHOW_INTENT,
    TICK_INTENT,
    YES_NO_INTENTS,
    plan_answer,
)

CONDITIONS = tuple(QUESTIONS)
TICK_PAYLOAD = "/" + TICK_INTENT


def payload(intent: str, **entities: str) -> str:
    """A button payload that Rasa reads as this intent with these entities, without the NLU."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


class ActionAnswerJourney(StadtlotseAction):
    """A described situation gets its plan; answers and ticks update the plan of the conversation."""

    def name(self) -> str:
        return "action_answer_journey"

    def answer(self, turn: Turn) -> Reply:
        slot = turn.tracker.get_slot
        journey_id = slot("journey")
        known = {c: bool(slot(c)) for c in CONDITIONS if slot(c) is not None}
        done = [str(s) for s in slot("plan_done") or []]
        intent = turn.intent
        if intent.startswith(JOURNEY_INTENT_PREFIX):
            new = intent.removeprefix(JOURNEY_INTENT_PREFIX)
            if new != journey_id:
                done = []
            journey_id = new
        elif intent == CONDITION_INTENT or intent in YES_NO_INTENTS:
            condition, value = self._condition_answer(turn)
            if condition is None or value is None:
                return self._nothing_asked(turn)
            known[condition] = value
        elif intent == TICK_INTENT:
            step = turn.entities.get("step")
            if step:
                done = [s for s in done if s != step] if step in done else [*done, step]
        journey = turn.catalogue.journeys.get(journey_id or "")
        if journey is None:
            return self._no_plan(turn)
        plan = plan_answer(turn.t, turn.catalogue, turn.schedule, journey, turn.now, known, done)
        done = [s for s in done if s in plan.services]
        left = len(plan.services) - len(done)
        lines = [plan.text]
        if intent in (TICK_INTENT, SHOW_INTENT):
            # Translators: how much of the first-steps plan is still to do
            lines.insert(0, turn.t.ngettext("Noch {n} Schritt zu tun.", "Noch {n} Schritte zu tun.", left)
                         if left else turn.t._("Alles erledigt. Gut gemacht!"))  # fmt: skip
        return Reply(
            "\n".join(lines),
            buttons=self._buttons(turn, plan.services, done, plan.question),
            journey=journey.id,
            slots={**{c: known.get(c) for c in CONDITIONS}, "plan_question": plan.question, "plan_done": done},
        )

    @staticmethod
    def _condition_answer(turn: Turn) -> tuple[str | None, bool | None]:
        if turn.intent in YES_NO_INTENTS:
            asked = turn.tracker.get_slot("plan_question")
            return (asked if asked in CONDITIONS else None), YES_NO_INTENTS[turn.intent]
        condition = turn.entities.get("condition")
        value = {"yes": True, "no": False}.get(turn.entities.get("answer", ""))
        return (condition if condition in CONDITIONS else None), value

    @staticmethod
    def _buttons(turn: Turn, services: list[str], done: list[str], question: str | None) -> list[dict[str, str]]:
        buttons = []
        if question is not None:
            buttons += [
                {"title": turn.t._("Ja"), "payload": payload(CONDITION_INTENT, condition=question, answer="yes")},
                {"title": turn.t._("Nein"), "payload": payload(CONDITION_INTENT, condition=question, answer="no")},
            ]
        for number, service_id in enumerate(services, start=1):
            mark = "☑" if service_id in done else "☐"
            name = turn.t.data(turn.catalogue.services[service_id].name)
            buttons.append({"title": f"{mark} {number}. {name}", "payload": payload(TICK_INTENT, step=service_id)})
        return buttons

    @staticmethod
    def _no_plan(turn: Turn) -> Reply:
        return Reply(
            turn.t._(
                "Sie haben noch keinen Plan. Beschreiben Sie mir Ihre Lage, zum Beispiel: "
                "„Wir sind letzte Woche aus der Ukraine gekommen und haben zwei Kinder. Was müssen wir tun?“"
            ),
            with_contact=False,
        )

    @staticmethod
    def _nothing_asked(turn: Turn) -> Reply:
        # a "yes" or "no" without a question before it: say what the assistant can do
        return Reply(turn.t._("Gut. Was möchten Sie wissen? Schreiben Sie einfach Ihre Frage."), with_contact=False)

