"""Answer texts built from the catalogue, in the user's language, short enough for a phone screen.

Every sentence is a whole translatable message with named placeholders; data texts (names, summaries,
documents) go through the same catalogs. Dates, times and weekday names are formatted by Babel.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Sequence

from actions.catalogue import Catalogue, Document, Office, Record, Service, fresh_days
from actions.i18n import Texts
from actions.opening_hours import Day, Interval, Schedule, Status


def service_title(t: Texts, service: Service) -> str:
    """The service name in the user's language with the German term people meet at the counter."""
    name = t.data(service.name)
    if service.german_term.lower() in name.lower():
        return name
    # Translators: a service name followed by the official German term, which stays German
    return t._("{name} ({german_term})", name=name, german_term=service.german_term)


def office_name(t: Texts, office: Office) -> str:
    name = t.data(office.name)
    if t.code == "de" or name == office.name:
        return name
    # Translators: an office name followed by its German name as written on the door
    return t._("{name} ({german_name})", name=name, german_name=office.name)


def document_name(t: Texts, document: Document) -> str:
    """A document in the user's language with the German word on the form ("passport (Reisepass)")."""
    name = t.data(document.name)
    term = document.german_term
    if t.code == "de" or not term:
        return name
    parts = [part.strip().casefold() for part in re.split(r",| oder ", term) if part.strip()]
    if all(part in name.casefold() for part in parts):  # the translation already names them
        return name
    for part in parts:  # a translator's partial "(Personalausweis)" gives way to the full German term
        name = re.sub(rf"\s*\({re.escape(part)}\)", "", name, flags=re.IGNORECASE)
    # Translators: a document followed by its German name as written on forms
    return t._("{name} ({german_term})", name=name, german_term=term)


def address_line(t: Texts, office: Office) -> str | None:
    if office.address is None:
        return None
    a = office.address
    street = f"{a.street}, {a.postcode} {a.town}"
    if a.building:
        return t._("Adresse: {building}, {street}", building=a.building, street=street)
    return t._("Adresse: {street}", street=street)


def contact_line(t: Texts, office: Office) -> str | None:
    if office.phone and office.email:
        return t._("Telefon: {phone} · E-Mail: {email}", phone=t.ltr(office.phone), email=t.ltr(office.email))
    if office.phone:
        return t._("Telefon: {phone}", phone=t.ltr(office.phone))
    if office.email:
        return t._("E-Mail: {email}", email=t.ltr(office.email))
    return None


def weekday_set(t: Texts, days: Sequence[int]) -> str:
    """Weekdays as a short phrase: runs become ranges ('Monday–Friday'), the rest a list."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            # Translators: a range of weekdays, e.g. "Monday–Friday"
            parts.append(t._("{first}–{last}", first=t.weekday(run[0]), last=t.weekday(run[-1])))
        else:
            parts += [t.weekday(day) for day in run]
    return t.join(parts)


def week_pattern(t: Texts, schedule: Schedule, expression: str, today: dt.date) -> str:
    """The weekly hours, days with equal hours together: 'Monday–Friday 08:00–12:00; Saturday 09:30–12:30'."""
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for weekday, intervals in schedule.week(expression, today):
        groups.setdefault(intervals, []).append(weekday)
    parts = []
    for intervals, days in groups.items():
        # Translators: weekdays and their opening times, e.g. "Monday–Friday 08:00–12:00"
        parts.append(t._("{days} {hours}", days=weekday_set(t, days), hours=t.spans(intervals)))
    return "; ".join(parts)


def day_reason(t: Texts, day: Day) -> str:
    """Why an office is closed on a day that would normally be open."""
    reason = t.data(day.reason or "")
    if day.kind == "holiday":
        return t._("Feiertag: {name}", name=reason)
    if day.kind == "closure":
        return t._("Schließtag: {name}", name=reason)
    return ""


def status_line(t: Texts, office: Office, status: Status) -> str:
    """Open now (until when) or closed (and when it opens next)."""
    if not status.known:
        return t._("Die Öffnungszeiten sind noch nicht bestätigt. Bitte rufen Sie vorher an.")
    if status.open_now and status.closes_at is not None:
        # Translators: {time} is a formatted time such as 12:00; leave out "Uhr" if your language has no such word
        return t._("Jetzt geöffnet, bis {time} Uhr.", time=t.time(status.closes_at))
    today = status.today
    closed_because = ""
    if today is not None and today.kind in ("holiday", "closure"):
        closed_because = day_reason(t, today)
    if status.next_opening is None:
        return t._("Jetzt geschlossen. In den nächsten Wochen ist keine Öffnungszeit bekannt.")
    opening = status.next_opening
    now_date = status.today.date if status.today else opening.date()
    # Translators: the next three texts fill {when} in "Nächste Öffnung: {when}."
    if opening.date() == now_date:
        when = t._("heute um {time} Uhr", time=t.time(opening))
    elif opening.date() == now_date + dt.timedelta(days=1):
        when = t._("morgen, {date}, um {time} Uhr", date=t.date(opening.date()), time=t.time(opening))
    else:
        when = t._("{date} um {time} Uhr", date=t.date(opening.date()), time=t.time(opening))
    if closed_because:
        return t._(
            "Heute geschlossen ({reason}). Nächste Öffnung: {when}.", reason=closed_because, when=when
        )
    return t._("Jetzt geschlossen. Nächste Öffnung: {when}.", when=when)


def day_line(t: Texts, day: Day, today: dt.date) -> str:
    """What the office does on a day the user asked about."""
    if day.date == today:
        label = t._("Heute ({date})", date=t.date(day.date))
    elif day.date == today + dt.timedelta(days=1):
        label = t._("Morgen ({date})", date=t.date(day.date))
    else:
        label = t.date(day.date)
    if day.kind == "open":
        return t._("{day}: geöffnet {hours}.", day=label, hours=t.spans(day.intervals))
    if day.kind in ("holiday", "closure"):
        return t._("{day}: geschlossen ({reason}).", day=label, reason=day_reason(t, day))
    if day.kind == "unknown":
        return t._("{day}: Das wissen wir nicht sicher. Bitte rufen Sie vorher an.", day=label)
    return t._("{day}: geschlossen.", day=label)


def appointment_line(t: Texts, service: Service) -> str:
    booking = service.booking_url
    if service.appointment == "required":
        if booking:
            return t._("Termin: nötig. Buchen Sie ihn hier: {url}", url=booking)
        return t._("Termin: nötig. Vereinbaren Sie ihn bitte telefonisch.")
    if service.appointment == "recommended":
        if booking:
            return t._("Termin: besser vorher vereinbaren: {url}", url=booking)
        return t._("Termin: besser vorher telefonisch vereinbaren.")
    if service.appointment == "not_needed":
        if booking:
            return t._("Termin: nicht nötig. Online: {url}", url=booking)
        return t._("Termin: nicht nötig.")
    return t._("Termin: Fragen Sie bitte vorher telefonisch, ob Sie einen Termin brauchen.")


# facts an answer states itself as unsure (opening hours), or that are not shown (map pin, aliases)
SELF_EXPLAINED = {"opening_hours", "location", "aliases", "sources"}


def freshness_line(t: Texts, today: dt.date, *records: Record) -> str:
    """When the facts were last checked; unsure or old facts come with "please ask by phone first"."""
    dates = [r.checked for r in records if r.checked is not None]
    if not dates:
        return t._("Diese Angaben sind nicht geprüft. Bitte fragen Sie vorher telefonisch nach.")
    checked = min(dates)
    unsure = any(field.split(".")[0] not in SELF_EXPLAINED for r in records for field in r.unverified)
    if unsure or (today - checked).days > fresh_days():
        return t._(
            "Geprüft am {date}. Einige Angaben sind nicht sicher: Bitte fragen Sie vorher telefonisch nach.",
            date=t.long_date(checked),
        )
    return t._("Geprüft am {date}.", date=t.long_date(checked))


def reach_lines(t: Texts, office: Office) -> list[str]:
    """Address, phone and e-mail."""
    lines = (address_line(t, office), contact_line(t, office))
    return [line for line in lines if line]


def phone_hours_lines(t: Texts, schedule: Schedule, office: Office, today: dt.date) -> list[str]:
    if not office.phone_hours:
        return []
    return [t._("Telefonisch erreichbar: {hours}", hours=week_pattern(t, schedule, office.phone_hours, today))]


def office_block(t: Texts, schedule: Schedule, office: Office, now: dt.datetime) -> list[str]:
    """Where, open now / next opening, phone hours, contact — the lines every office answer shares."""
    return [
        t._("Wo: {office}", office=office_name(t, office)),
        status_line(t, office, schedule.status(office, now)),
        *phone_hours_lines(t, schedule, office, schedule.local(now).date()),
        *reach_lines(t, office),
    ]


def responsibility_line(t: Texts, catalogue: Catalogue, office: Office) -> str | None:
    """First sentence when the city is not responsible: who is, and where to go instead."""
    if office.operator == "city" or not office.authority:
        return None
    a = office.address
    if a is None:
        return t._(
            "Das macht nicht die Stadt {city}, sondern {authority}: {office}.",
            city=catalogue.city.name, authority=office.authority, office=office_name(t, office),
        )  # fmt: skip
    return t._(
        "Das macht nicht die Stadt {city}, sondern {authority}: {office}, {street}, {postcode} {town}.",
        city=catalogue.city.name, authority=office.authority, office=office_name(t, office),
        street=a.street, postcode=a.postcode, town=a.town,
    )  # fmt: skip


def service_answer(
    t: Texts, catalogue: Catalogue, schedule: Schedule, service: Service, now: dt.datetime
) -> str:
    """The whole answer about one service."""
    office = catalogue.office_for(service)
    responsible = responsibility_line(t, catalogue, office)
    lines = [*([responsible] if responsible else []), service_title(t, service), t.data(service.summary)]
    lines += office_block(t, schedule, office, now)
    documents = [document_name(t, catalogue.documents[d]) for d in service.documents]
    if documents:
        # one document a line: names of documents contain commas themselves
        bullets = "".join(f"\n• {document}" for document in documents)
        lines.append(t._("Bitte mitbringen: {documents}", documents=bullets).replace(" \n", "\n"))
    lines.append(appointment_line(t, service))
    if service.web:
        lines.append(t._("Mehr Informationen: {url}", url=service.web))
    lines.append(freshness_line(t, schedule.local(now).date(), service, office))
    return "\n".join(lines)


def opening_hours_answer(
    t: Texts, schedule: Schedule, office: Office, now: dt.datetime, day: dt.date | None
) -> str:
    """When ``office`` is open: now, on the day asked about, and the weekly hours."""
    today = schedule.local(now).date()
    lines = [office_name(t, office), status_line(t, office, schedule.status(office, now))]
    if office.opening_hours is not None:
        if day is not None:
            lines.append(day_line(t, schedule.day(office, day), today))
        lines.append(t._("Öffnungszeiten: {hours}", hours=week_pattern(t, schedule, office.opening_hours, today)))
        if office.public_holidays == "closed":
            lines.append(t._("An Feiertagen geschlossen."))
    lines += phone_hours_lines(t, schedule, office, today)
    lines += reach_lines(t, office)
    lines.append(freshness_line(t, today, office))
    return "\n".join(lines)


def human_contact(t: Texts, catalogue: Catalogue) -> str:
    """The line that ends every answer: how to reach a person."""
    contact = catalogue.contact
    # Translators: ends every answer, so that nobody is left without a way to reach a person
    return t._(
        "Mit einem Menschen sprechen: {office}, Telefon {phone}.",
        office=t.data(contact.name),
        phone=t.ltr(contact.phone or ""),
    )
