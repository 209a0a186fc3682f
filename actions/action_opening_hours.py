"""Answer "is the Ausländerbehörde open tomorrow?": status now, the day asked about, the weekly hours."""

from __future__ import annotations

from actions.action_service import SERVICE_INTENT_PREFIX
from actions.answers import opening_hours_answer
from actions.base import Reply, StadtlotseAction, Turn
from actions.matching import find_office
from actions.when import requested_day

# offices offered as buttons when the question names none
MAIN_OFFICES = ("citizens_office", "foreigners_office", "jobcenter", "town_hall", "library")
# a service intent this likely in second place tells which office is meant
SERVICE_HINT_CONFIDENCE = 0.15


def office_from_ranking(turn: Turn) -> str | None:
    """The office of the most likely service intent after ``opening_hours`` ("when can I get Kindergeld")."""
    for item in turn.intent_ranking[1:3]:
        name = str(item.get("name") or "")
        if name.startswith(SERVICE_INTENT_PREFIX) and float(item.get("confidence") or 0) >= SERVICE_HINT_CONFIDENCE:
            service = turn.catalogue.services.get(name.removeprefix(SERVICE_INTENT_PREFIX))
            if service is not None:
                return service.office
    return None


class ActionOpeningHours(StadtlotseAction):
    """Which office: named in the message, from a button, from the likely service, or from the last answer."""

    def name(self) -> str:
        return "action_opening_hours"

    def answer(self, turn: Turn) -> Reply:
        office_id = (
            turn.entities.get("office")
            or find_office(turn.catalogue, turn.text)
            or office_from_ranking(turn)
            or turn.tracker.get_slot("office")
        )
        office = turn.catalogue.offices.get(office_id or "")
        if office is None:
            buttons = [
                {"title": turn.t.data(turn.catalogue.offices[o].name), "payload": f'/opening_hours{{"office":"{o}"}}'}
                for o in MAIN_OFFICES
                if o in turn.catalogue.offices
            ]
            return Reply(turn.t._("Welches Amt meinen Sie?"), buttons=buttons)
        day = requested_day(turn.text, turn.schedule.local(turn.now).date())
        text = opening_hours_answer(turn.t, turn.catalogue, turn.schedule, office, turn.now, day)
        return Reply(text, office=office.id)
