"""When the NLU is unsure: offer the two or three most likely services as buttons instead of guessing."""

from __future__ import annotations

from actions.action_conversation import topic_buttons
from actions.action_service import SERVICE_INTENT_PREFIX
from actions.base import Reply, StadtlotseAction, Turn, service_button

MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.05


class ActionClarify(StadtlotseAction):
    """Runs on ``nlu_fallback`` (FallbackClassifier: low confidence or two intents too close)."""

    def name(self) -> str:
        return "action_clarify"

    def answer(self, turn: Turn) -> Reply:
        candidates = []
        for item in turn.intent_ranking:
            name = str(item.get("name") or "")
            service_id = name.removeprefix(SERVICE_INTENT_PREFIX)
            if (
                name.startswith(SERVICE_INTENT_PREFIX)
                and service_id in turn.catalogue.services
                and float(item.get("confidence") or 0) >= MIN_CONFIDENCE
            ):
                candidates.append(service_id)
            if len(candidates) == MAX_SUGGESTIONS:
                break
        if candidates:
            text = turn.t._(
                "Ich bin nicht sicher, was Sie meinen. Meinen Sie eines davon? "
                "Oder schreiben Sie Ihre Frage mit anderen Worten."
            )
            return Reply(text, buttons=[service_button(turn, s) for s in candidates])
        text = turn.t._(
            "Das habe ich leider nicht verstanden. "
            "Schreiben Sie Ihre Frage bitte mit anderen Worten oder wählen Sie ein Thema."
        )
        return Reply(text, buttons=topic_buttons(turn))
