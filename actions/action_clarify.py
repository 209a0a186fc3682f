"""When the NLU is unsure: offer the likeliest services, plans or FAQ entries as buttons instead of guessing."""

from __future__ import annotations

from actions.action_conversation import topic_buttons
from actions.action_journey import JOURNEY_INTENT_PREFIX, payload
from actions.action_service import SERVICE_INTENT_PREFIX
from actions.base import Reply, StadtlotseAction, Turn, service_button
from actions.faq import RETRIEVAL_INTENT, current_entries

MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.12  # below this even the likeliest service is noise (gibberish): offer the topics


class ActionClarify(StadtlotseAction):
    """Runs on ``nlu_fallback`` (FallbackClassifier: low confidence or two intents too close)."""

    def name(self) -> str:
        return "action_clarify"

    def answer(self, turn: Turn) -> Reply:
        offers = [
            (button, float(item.get("confidence") or 0))
            for item in turn.intent_ranking
            if (button := self._button(turn, str(item.get("name") or ""))) is not None
        ]
        # the likeliest answers, when the likeliest of all is a real candidate (not on gibberish)
        candidates = [b for b, _ in offers[:MAX_SUGGESTIONS]] if offers and offers[0][1] >= MIN_CONFIDENCE else []
        if len(candidates) >= 2:
            text = turn.t._(
                "Ich bin nicht sicher, was Sie meinen. Meinen Sie eines davon? "
                "Oder schreiben Sie Ihre Frage mit anderen Worten."
            )
            return Reply(text, buttons=candidates, unanswered="fallback")
        text = turn.t._(
            "Das habe ich leider nicht verstanden. "
            "Schreiben Sie Ihre Frage bitte mit anderen Worten oder wählen Sie ein Thema."
        )
        return Reply(text, buttons=topic_buttons(turn), unanswered="fallback")

    @staticmethod
    def _button(turn: Turn, intent: str) -> dict[str, str] | None:
        """A button for a service or a first-steps plan intent that the catalogue knows, else None."""
        if intent.startswith(SERVICE_INTENT_PREFIX):
            service_id = intent.removeprefix(SERVICE_INTENT_PREFIX)
            return service_button(turn, service_id) if service_id in turn.catalogue.services else None
        if intent.startswith(RETRIEVAL_INTENT + "/"):
            entry = current_entries(turn.catalogue).get(intent.partition("/")[2])
            if entry is None:
                return None
            return {"title": turn.t.data(entry.question), "payload": payload(RETRIEVAL_INTENT, faq=entry.id)}
        if intent.startswith(JOURNEY_INTENT_PREFIX):
            journey = turn.catalogue.journeys.get(intent.removeprefix(JOURNEY_INTENT_PREFIX))
            return {"title": turn.t.data(journey.name), "payload": f"/{intent}"} if journey is not None else None
        return None

