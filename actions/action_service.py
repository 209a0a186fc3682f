"""Answer a question about one service of the catalogue."""

from __future__ import annotations

from actions.answers import service_answer
from actions.base import Reply, StadtlotseAction, Turn

SERVICE_INTENT_PREFIX = "service_"


class ActionAnswerService(StadtlotseAction):
    """The intent names the service (``service_registration``); the answer comes from the catalogue."""

    def name(self) -> str:
        return "action_answer_service"

    def answer(self, turn: Turn) -> Reply:
        service_id = turn.intent.removeprefix(SERVICE_INTENT_PREFIX)
        service = turn.catalogue.services.get(service_id)
        if service is None:
            # an intent whose service was removed from the catalogue after training
            return Reply(turn.t._("Dazu habe ich gerade keine Informationen."))
        text = service_answer(turn.t, turn.catalogue, turn.schedule, service, turn.now)
        return Reply(text, service=service.id, office=service.office)
