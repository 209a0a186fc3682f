"""When an office is open: OSM ``opening_hours`` expressions, NRW public holidays and city closure days.

Times are handled as local wall-clock time of the city (``Europe/Berlin``); an aware ``now`` is first
converted to it, so answers are right across midnight and daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Literal
from zoneinfo import ZoneInfo

import holidays
import opening_hours

from actions.catalogue import Catalogue, Office

Interval = tuple[dt.time, dt.time]
DayKind = Literal["open", "closed", "holiday", "closure", "unknown"]
LOOKAHEAD_DAYS = 21


@dataclass(frozen=True)
class Day:
    """What an office does on one calendar day."""

    date: dt.date
    kind: DayKind
    intervals: tuple[Interval, ...] = ()
    reason: str | None = None  # German name of the holiday or closure, from the library or the data


@dataclass(frozen=True)
class Status:
    """Open right now? And when does that change?"""

    known: bool  # False when the office has no opening hours in the data
    open_now: bool
    closes_at: dt.datetime | None = None  # when open now
    next_opening: dt.datetime | None = None  # when closed now
    next_opening_end: dt.datetime | None = None
    today: Day | None = None


@lru_cache(maxsize=16)
def _holiday_calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year, language="de")


@lru_cache(maxsize=256)
def _parsed(expression: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(expression)


class Schedule:
    """Opening times of the offices of one catalogue."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.zone = ZoneInfo(catalogue.city.timezone)

    # ---------------------------------------------------------------- time helpers

    def local(self, now: dt.datetime | None = None) -> dt.datetime:
        """``now`` (default: the clock) as naive local wall-clock time of the city."""
        if now is None:
            now = dt.datetime.now(tz=self.zone)
        elif now.tzinfo is None:
            now = now.replace(tzinfo=self.zone)
        return now.astimezone(self.zone).replace(tzinfo=None)

    def aware(self, local_time: dt.datetime) -> dt.datetime:
        """A naive local wall-clock time as an aware datetime in the city's zone."""
        return local_time.replace(tzinfo=self.zone)

    # ---------------------------------------------------------------- days

    def holiday(self, day: dt.date) -> str | None:
        city = self.catalogue.city
        calendar = _holiday_calendar(city.holidays_country, city.holidays_subdivision, day.year)
        return calendar.get(day)

    def closure(self, office: Office, day: dt.date) -> str | None:
        for closure in self.catalogue.closures:
            if closure.applies_to(office) and closure.falls_on(day):
                return closure.name
        return None

    def regular_intervals(self, expression: str, day: dt.date) -> tuple[Interval, ...]:
        """Open intervals of ``expression`` on ``day`` ignoring holidays (the weekly pattern)."""
        start = dt.datetime.combine(day, dt.time.min)
        end = start + dt.timedelta(days=1)
        result: list[Interval] = []
        for begin, finish, state, _comment in _parsed(expression).intervals(start, end):
            if state == opening_hours.State.OPEN:
                stop = dt.time(23, 59) if finish >= end else finish.time()
                result.append((max(begin, start).time(), stop))
        return tuple(result)

    def day(self, office: Office, day: dt.date, expression: str | None = None) -> Day:
        """What ``office`` does on ``day`` (visiting hours unless another expression is given)."""
        expression = expression if expression is not None else office.opening_hours
        if expression is None:
            return Day(day, "unknown")
        if office.public_holidays != "open":
            name = self.holiday(day)
            if name is not None:
                kind: DayKind = "holiday" if office.public_holidays == "closed" else "unknown"
                return Day(day, kind, reason=name)
        name = self.closure(office, day)
        if name is not None:
            return Day(day, "closure", reason=name)
        intervals = self.regular_intervals(expression, day)
        return Day(day, "open" if intervals else "closed", intervals)

    def days(self, office: Office, start: dt.date, count: int = LOOKAHEAD_DAYS) -> Iterator[Day]:
        for offset in range(count):
            yield self.day(office, start + dt.timedelta(days=offset))

    # ---------------------------------------------------------------- status

    def status(self, office: Office, now: dt.datetime | None = None) -> Status:
        """Is ``office`` open at ``now``; when does it close, or when does it open next?"""
        local_now = self.local(now)
        if office.opening_hours is None:
            return Status(known=False, open_now=False)
        today = self.day(office, local_now.date())
        for day in self.days(office, local_now.date()):
            for begin, end in day.intervals:
                start_at = dt.datetime.combine(day.date, begin)
                end_at = dt.datetime.combine(day.date, end)
                if start_at <= local_now < end_at:
                    return Status(True, True, closes_at=self.aware(end_at), today=today)
                if start_at > local_now:
                    return Status(
                        True,
                        False,
                        next_opening=self.aware(start_at),
                        next_opening_end=self.aware(end_at),
                        today=today,
                    )
        return Status(True, False, today=today)

    def week(self, expression: str, start: dt.date) -> list[tuple[int, tuple[Interval, ...]]]:
        """The regular weekly pattern from Monday to Sunday: (weekday, intervals), open days only."""
        monday = start - dt.timedelta(days=start.weekday())
        # skip a week with public holidays in it would not matter: the pattern ignores holidays
        pattern = []
        for offset in range(7):
            intervals = self.regular_intervals(expression, monday + dt.timedelta(days=offset))
            if intervals:
                pattern.append((offset, intervals))
        return pattern
