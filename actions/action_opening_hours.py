"""Answer "is the Ausländerbehörde open tomorrow?": status now, the day asked about, the weekly hours."""

from __future__ import annotations

from actions.action_service import SERVICE_INTENT_PREFIX
from actions.answers import opening_hours_answer
from actions.base import Reply, StadtlotseAction, Turn
from actions.matching import find_office
from actions.when import requested_day

# offices offered as buttons when the question names none
MAIN_OFFICES = ("citizens_office", "foreigners_office", "jobcenter", "town_hall", "library")
# The likeliest service intent names the office when it is clearly ahead of the other services
# ("wann hat der Fundbüro auf", "السوسيال امت بيفتح"): at least this likely and this many times the next.
SERVICE_HINT_MIN = 0.03
SERVICE_HINT_LEAD = 2.0


def office_from_ranking(turn: Turn) -> str | None:
    """The office of the service the classifier associates with the message, when one stands out."""
    services = [
        (name.removeprefix(SERVICE_INTENT_PREFIX), float(item.get("confidence") or 0))
        for item in turn.intent_ranking
        if (name := str(item.get("name") or "")).startswith(SERVICE_INTENT_PREFIX)
    ]
    if not services:
        return None
    best, confidence = services[0]
    runner_up = services[1][1] if len(services) > 1 else 0.0
    service = turn.catalogue.services.get(best)
    if service is None or confidence < SERVICE_HINT_MIN or confidence < SERVICE_HINT_LEAD * runner_up:
        return None
    return service.office


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
        text = opening_hours_answer(turn.t, turn.schedule, office, turn.now, day)
        return Reply(text, office=office.id)
