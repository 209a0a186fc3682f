"""Questions the city cannot answer here: say so kindly and show what the assistant can do."""

from __future__ import annotations

from actions.action_conversation import topic_buttons
from actions.base import Reply, StadtlotseAction, Turn


class ActionOutOfScope(StadtlotseAction):
    """Out of scope: no guessing, a pointer to what works."""

    def name(self) -> str:
        return "action_out_of_scope"

    def answer(self, turn: Turn) -> Reply:
        text = turn.t._(
            "Dazu kann ich leider nichts sagen. Ich helfe bei Fragen zu Ämtern und Angeboten der Stadt {city}.",
            city=turn.catalogue.city.name,
        )
        return Reply(text, buttons=topic_buttons(turn), unanswered="out_of_scope")
