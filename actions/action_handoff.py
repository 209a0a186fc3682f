"""The way to a person: who to call or write to, and when someone answers."""

from __future__ import annotations

from actions.answers import contact_line, office_name, status_line
from actions.base import Reply, StadtlotseAction, Turn

# who helps newcomers in general, besides the city's central contact
NEWCOMER_OFFICE = "integration_management"


class ActionHumanHandoff(StadtlotseAction):
    """A chatbot cannot hand over a chat here, so it gives the contacts of the people who help."""

    def name(self) -> str:
        return "action_human_handoff"

    def answer(self, turn: Turn) -> Reply:
        t, catalogue = turn.t, turn.catalogue
        contact = catalogue.contact
        lines = [t._("Hier erreichen Sie einen Menschen:"), office_name(t, contact)]
        line = contact_line(t, contact)
        if line:
            lines.append(line)
        lines.append(status_line(t, contact, turn.schedule.status(contact, turn.now)))
        newcomer = catalogue.offices.get(NEWCOMER_OFFICE)
        if newcomer is not None and newcomer.id != contact.id:
            lines += [t._("Für Fragen rund ums Ankommen in {city}:", city=catalogue.city.name)]
            lines.append(office_name(t, newcomer))
            line = contact_line(t, newcomer)
            if line:
                lines.append(line)
        related = turn.tracker.get_slot("office")
        office = catalogue.offices.get(related or "")
        if office is not None and office.id not in (contact.id, NEWCOMER_OFFICE):
            lines += [t._("Für Ihre letzte Frage zuständig:"), office_name(t, office)]
            line = contact_line(t, office)
            if line:
                lines.append(line)
        return Reply("\n".join(lines), office=contact.id, with_contact=False)
