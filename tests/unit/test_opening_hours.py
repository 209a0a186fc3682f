"""Open now, next opening, NRW holidays, closure days, midnight and daylight-saving edges, fixed clocks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions.answers import week_pattern
from actions.catalogue import Catalogue, load_catalogue
from actions.i18n import texts
from actions.opening_hours import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def schedule(catalogue: Catalogue) -> Schedule:
    return Schedule(catalogue)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def test_open_now_with_closing_time(schedule: Schedule, catalogue: Catalogue) -> None:
    status = schedule.status(catalogue.offices["library"], at(2026, 11, 24, 10, 0))  # Tuesday
    assert status.open_now and status.closes_at == at(2026, 11, 24, 12, 0)


def test_lunch_break_opens_again_the_same_day(schedule: Schedule, catalogue: Catalogue) -> None:
    status = schedule.status(catalogue.offices["library"], at(2026, 11, 24, 12, 30))
    assert not status.open_now and status.next_opening == at(2026, 11, 24, 15, 0)
    assert status.next_opening_end == at(2026, 11, 24, 18, 0)


def test_closing_minute_is_closed(schedule: Schedule, catalogue: Catalogue) -> None:
    status = schedule.status(catalogue.offices["library"], at(2026, 11, 24, 12, 0))
    assert not status.open_now


def test_weekend_next_opening_is_monday(schedule: Schedule, catalogue: Catalogue) -> None:
    status = schedule.status(catalogue.offices["library"], at(2026, 11, 28, 13, 0))  # Saturday after closing
    assert status.next_opening == at(2026, 11, 30, 15, 0)


def test_just_before_and_after_midnight(schedule: Schedule, catalogue: Catalogue) -> None:
    library = catalogue.offices["library"]
    assert schedule.status(library, at(2026, 11, 23, 23, 59)).next_opening == at(2026, 11, 24, 9, 0)
    assert schedule.status(library, at(2026, 11, 24, 0, 0)).next_opening == at(2026, 11, 24, 9, 0)


def test_christmas_holidays_and_christmas_eve_closure(schedule: Schedule, catalogue: Catalogue) -> None:
    library = catalogue.offices["library"]
    eve = schedule.day(library, dt.date(2026, 12, 24))
    assert (eve.kind, eve.reason) == ("closure", "Heiligabend")
    christmas = schedule.day(library, dt.date(2026, 12, 25))
    assert (christmas.kind, christmas.reason) == ("holiday", "Erster Weihnachtstag")
    status = schedule.status(library, at(2026, 12, 23, 19, 0))  # Wednesday evening
    assert status.next_opening == at(2026, 12, 28, 15, 0)  # Thu closure, Fri+Sat holidays, Sun closed


def test_nrw_specific_holidays(schedule: Schedule, catalogue: Catalogue) -> None:
    library = catalogue.offices["library"]
    assert schedule.day(library, dt.date(2026, 6, 4)).reason == "Fronleichnam"  # Thursday
    assert schedule.day(library, dt.date(2027, 11, 1)).reason == "Allerheiligen"  # Monday
    assert schedule.day(library, dt.date(2026, 3, 8)).kind == "closed"  # Frauentag is a Berlin holiday only


def test_rosenmontag_is_a_city_closure_but_not_for_the_district(schedule: Schedule, catalogue: Catalogue) -> None:
    rosenmontag = dt.date(2026, 2, 16)
    assert schedule.day(catalogue.offices["library"], rosenmontag).kind == "closure"
    assert schedule.day(catalogue.offices["recycling_centre"], rosenmontag).kind == "open"


def test_unknown_hours_are_not_guessed(schedule: Schedule, catalogue: Catalogue) -> None:
    status = schedule.status(catalogue.offices["citizens_office"], at(2026, 11, 24, 10, 0))
    assert not status.known and not status.open_now and status.next_opening is None


def test_pool_on_a_holiday_is_unknown(schedule: Schedule, catalogue: Catalogue) -> None:
    assert schedule.day(catalogue.offices["indoor_pool"], dt.date(2026, 12, 25)).kind == "unknown"


def test_daylight_saving_starts(schedule: Schedule, catalogue: Catalogue) -> None:
    # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST. 23:30 UTC on the 28th is 00:30 local.
    status = schedule.status(catalogue.offices["library"], dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    assert status.next_opening == at(2026, 3, 30, 15, 0)
    assert status.next_opening.astimezone(UTC) == dt.datetime(2026, 3, 30, 13, 0, tzinfo=UTC)


def test_daylight_saving_ends(schedule: Schedule, catalogue: Catalogue) -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET. Saturday 24th 11:00 local = 09:00 UTC, open until 12:30.
    status = schedule.status(catalogue.offices["library"], dt.datetime(2026, 10, 24, 9, 0, tzinfo=UTC))
    assert status.open_now and status.closes_at == at(2026, 10, 24, 12, 30)
    status = schedule.status(catalogue.offices["library"], dt.datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
    assert status.next_opening.astimezone(UTC) == dt.datetime(2026, 10, 26, 14, 0, tzinfo=UTC)


def test_week_pattern_groups_days(schedule: Schedule, catalogue: Catalogue) -> None:
    office = catalogue.offices["housing_benefit_office"]
    assert office.opening_hours is not None
    german = week_pattern(texts("de"), schedule, office.opening_hours, dt.date(2026, 11, 25))
    assert german == (
        "Montag und Freitag 08:30–12:00; Dienstag 08:30–12:00 und 14:00–16:00; "
        "Donnerstag 08:30–12:00 und 14:00–17:00"
    )
    recycling = catalogue.offices["recycling_centre"].opening_hours
    assert recycling is not None
    assert week_pattern(texts("de"), schedule, recycling, dt.date(2026, 11, 25)) == "Montag–Freitag 08:00–17:00"
