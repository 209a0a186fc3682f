"""Answer a staff-written FAQ entry (``data/faq/``): the translated answer, its facts from the catalogue."""

from __future__ import annotations

from actions.answers import freshness_line, office_name, reach_lines, status_line
from actions.base import Reply, StadtlotseAction, Turn, service_button
from actions.faq import RETRIEVAL_INTENT, FaqEntry, current_entries, fill

FAQ_ENTITY = "faq"  # from buttons: /faq{"faq":"appointment"}
MAX_OFFICES = 2


def chosen_entry(turn: Turn) -> str | None:
    """The FAQ entry of this message: a button's entity, else what the NLU selected."""
    if turn.entities.get(FAQ_ENTITY):
        return turn.entities[FAQ_ENTITY]
    selector = (turn.tracker.latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    key = str((selector.get("response") or {}).get("intent_response_key") or "")
    return key.partition("/")[2] or None


class ActionAnswerFaq(StadtlotseAction):
    """The answer of one FAQ entry, with the related offices' opening status and contacts."""

    def name(self) -> str:
        return "action_answer_faq"

    def answer(self, turn: Turn) -> Reply:
        entry = current_entries(turn.catalogue).get(chosen_entry(turn) or "")
        if entry is None:  # an entry removed since training, or FAQ data that cannot be loaded
            return Reply(turn.t._("Dazu habe ich gerade keine Informationen."), unanswered="faq_missing")
        return Reply(self.text(turn, entry), buttons=[service_button(turn, s) for s in entry.services],
                     faq=entry.id)  # fmt: skip

    @staticmethod
    def text(turn: Turn, entry: FaqEntry) -> str:
        t = turn.t
        lines = [fill(t, t.data(entry.answer), turn.catalogue, turn.schedule, turn.now)]
        for office_id in entry.offices[:MAX_OFFICES]:
            office = turn.catalogue.offices[office_id]
            lines.append(t._("Wo: {office}", office=office_name(t, office)))
            lines.append(status_line(t, office, turn.schedule.status(office, turn.now)))
            lines += reach_lines(t, office)
        lines += entry.links
        lines.append(freshness_line(t, turn.schedule.local(turn.now).date(), entry.freshness))
        return "\n".join(lines)
