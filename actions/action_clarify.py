"""When the NLU is unsure: offer the two or three most likely services as buttons instead of guessing."""

from __future__ import annotations

from actions.action_conversation import topic_buttons
from actions.action_service import SERVICE_INTENT_PREFIX
from actions.base import Reply, StadtlotseAction, Turn, service_button

MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.12  # below this even the likeliest service is noise (gibberish): offer the topics


class ActionClarify(StadtlotseAction):
    """Runs on ``nlu_fallback`` (FallbackClassifier: low confidence or two intents too close)."""

    def name(self) -> str:
        return "action_clarify"

    def answer(self, turn: Turn) -> Reply:
        ranked = [
            (name.removeprefix(SERVICE_INTENT_PREFIX), float(item.get("confidence") or 0))
            for item in turn.intent_ranking
            if (name := str(item.get("name") or "")).startswith(SERVICE_INTENT_PREFIX)
            and name.removeprefix(SERVICE_INTENT_PREFIX) in turn.catalogue.services
        ]
        # the likeliest services, when the likeliest of all is a real candidate (not on gibberish)
        candidates = [s for s, _ in ranked[:MAX_SUGGESTIONS]] if ranked and ranked[0][1] >= MIN_CONFIDENCE else []
        if len(candidates) >= 2:
            text = turn.t._(
                "Ich bin nicht sicher, was Sie meinen. Meinen Sie eines davon? "
                "Oder schreiben Sie Ihre Frage mit anderen Worten."
            )
            return Reply(text, buttons=[service_button(turn, s) for s in candidates], unanswered="fallback")
        text = turn.t._(
            "Das habe ich leider nicht verstanden. "
            "Schreiben Sie Ihre Frage bitte mit anderen Worten oder wählen Sie ein Thema."
        )
        return Reply(text, buttons=topic_buttons(turn), unanswered="fallback")
