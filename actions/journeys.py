"""First-steps plans: from a described situation to a numbered list of what to do, where, by when.

The plans are staff data (``data/catalogue/journeys.yml``). A step that depends on something the
assistant does not know yet ("Do you have children?") is left out, and the plan asks about it once;
once the answer is known the plan shows the steps that apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from actions.answers import document_name, office_name, service_title, status_line
from actions.catalogue import Catalogue, Journey, JourneyStep
from actions.i18n import N_, Texts
from actions.opening_hours import Schedule

JOURNEY_INTENT_PREFIX = "journey_"
# Button payloads (Telegram, widget) and typed answers to the plan's question
CONDITION_INTENT = "plan_condition"  # /plan_condition{"condition":"children","answer":"yes"}
TICK_INTENT = "plan_tick"  # /plan_tick{"step":"registration"}
SHOW_INTENT = "plan_show"  # /plan_show (Telegram's /plan)
YES_NO_INTENTS = {"affirm": True, "deny": False}
# intents that only buttons send: they have no training examples
BUTTON_INTENTS = frozenset({CONDITION_INTENT, TICK_INTENT, SHOW_INTENT})

QUESTIONS = {
    "children": N_("Haben Sie Kinder, die mit Ihnen hier leben?"),
    "non_eu": N_("Haben Sie die Staatsangehörigkeit eines Landes außerhalb der EU?"),
    "asylum_seeker": N_("Sind Sie noch im Asylverfahren (mit Aufenthaltsgestattung)?"),
}
Known = dict[str, bool]


@dataclass
class Plan:
    """A rendered plan: its text, the services in it, and the condition to ask about next (if any)."""

    text: str
    services: list[str] = field(default_factory=list)
    question: str | None = None


def applies(step: JourneyStep, known: Known) -> bool | None:
    """True if the step is for this person, False if not, None while a condition is unknown."""
    for condition in step.when:
        if condition not in known:
            return None
        if not known[condition]:
            return False
    for condition in step.unless:
        if condition not in known:
            return None
        if known[condition]:
            return False
    return True


def plan_answer(
    t: Texts,
    catalogue: Catalogue,
    schedule: Schedule,
    journey: Journey,
    now: dt.datetime,
    known: Known,
    done: Collection[str] = (),
) -> Plan:
    """The numbered plan for what is known so far, and the next question.

    Steps in ``done`` (ticked off by the user) are listed in one line, marked as done.
    """
    lines = [t.data(journey.name), t.data(journey.summary)]
    services = []
    for step in journey.steps:
        if applies(step, known) is not True:
            continue
        services.append(step.service)
        service = catalogue.services[step.service]
        office = catalogue.office_for(service)
        if step.service in done:
            # Translators: a step of a plan the user has ticked off: "✓ 1. Registering your address (Anmeldung)"
            lines.append(t._("✓ {number}. {service} (erledigt)", number=len(services),
                             service=service_title(t, service)))  # fmt: skip
            continue
        # Translators: a numbered step of a plan: "1. Registering your address (Anmeldung) – Citizens' Office"
        lines.append(t._("{number}. {service} – {office}", number=len(services), service=service_title(t, service),
                         office=office_name(t, office)))  # fmt: skip
        if office.opening_hours is not None:  # unknown hours would repeat "please call first" on every step
            lines.append("   " + status_line(t, office, schedule.status(office, now)))
        documents = [document_name(t, catalogue.documents[d]) for d in service.documents]
        if documents:
            lines.append("   " + t._("Mitbringen: {documents}", documents="; ".join(documents)))
        if step.deadline:
            lines.append("   " + t._("Bis wann: {deadline}", deadline=t.data(step.deadline)))
    question = next((c for c in journey.conditions() if c not in known), None)
    if question is not None:
        lines.append(t._(QUESTIONS[question]))
    return Plan("\n".join(lines), services, question)
