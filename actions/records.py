"""What city staff may see about usage: unanswered questions and answer counts, without personal data.

Staff need the questions the assistant could not answer (to add training examples) and usage figures.
Citizens type phone numbers, e-mail addresses, IBANs and dates of birth into their questions, so every
text is passed through ``redact`` before it is stored, unanswered texts are deleted after a retention
period (``STADTLOTSE_UNANSWERED_DAYS``, default 30) and the counters hold no text at all.

The store is plain SQLAlchemy Core (SQLite by default, PostgreSQL in production) behind ``records()``,
created lazily. ``Records.note`` runs after every answer and never raises: a broken database must not
cost a citizen their answer.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import io
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
URL_VARIABLE = "STADTLOTSE_RECORDS_DB"
RETENTION_VARIABLE = "STADTLOTSE_UNANSWERED_DAYS"
DEFAULT_RETENTION_DAYS = 30
MAX_TEXT_CHARS = 2000
# Days are counted as the city's calendar days, the way staff read a report.
ZONE = ZoneInfo("Europe/Berlin")
# Deleting old entries is one indexed DELETE, but once an hour is enough to honour a retention in days.
PURGE_INTERVAL = dt.timedelta(hours=1)
# After a database failure, stop trying for a while: a dead PostgreSQL must not slow every answer down.
RETRY_AFTER_SECONDS = 60.0
MAX_PENDING = 1000  # notes waiting for the database; beyond this they are dropped (and counted)


# --------------------------------------------------------------------------- redaction

# Month names as they appear in written dates, by language; "_" stands for a space inside a name.
_MONTH_NAMES = {
    "de": "januar jänner februar märz maerz april mai juni juli august september oktober november dezember "
    "jan feb mär mrz apr jun jul aug sep sept okt nov dez",
    "en": "january february march april may june july august september october november december mar oct dec",
    "fr": "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre "
    "decembre",
    "pl": "styczeń stycznia luty lutego marzec marca kwiecień kwietnia maj maja czerwiec czerwca lipiec lipca "
    "sierpień sierpnia wrzesień września październik października listopad listopada grudzień grudnia",
    "tr": "ocak şubat subat mart nisan mayıs mayis haziran temmuz ağustos agustos eylül eylul ekim kasım kasim "
    "aralık",
    "ro": "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie",
    "uk": "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "bg": "януари февруари март април май юни юли август септември октомври ноември декември",
    "ar": "يناير فبراير مارس أبريل ابريل مايو يونيو يوليو أغسطس اغسطس سبتمبر أكتوبر اكتوبر نوفمبر ديسمبر "
    "كانون_الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين_الأول تشرين_الثاني كانون_الأول",
    "fa": "ژانویه فوریه مارس آوریل مه ژوئن ژوئیه اوت سپتامبر اکتبر نوامبر دسامبر "
    "فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند",
}
_MONTHS = sorted({name for names in _MONTH_NAMES.values() for name in names.split()}, key=len, reverse=True)
_MONTH = "(?:" + "|".join(re.escape(name).replace("_", r"\s+") for name in _MONTHS) + ")"
_SPACE = r"[ \t\u00a0\u202f]"  # spaces inside one number, never a line break
_YEAR = r"(?:\d{4}|\d{2})(?!\d)"
_ZERO = "[0\u0660\u06f0]"  # 0 in Latin, Arabic-Indic and Persian digits

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:" + _SPACE + r"?[A-Z0-9]{4}){2,7}(?:" + _SPACE + r"?[A-Z0-9]{1,4})?\b", re.I)
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?:(?P<a>\d{1,2})\.\s?(?P<b>\d{1,2})\.\s?|(?P<c>\d{1,2})/(?P<d>\d{1,2})/|(?P<e>\d{1,2})-(?P<f>\d{1,2})-)"
    + _YEAR
    + r"|(?<!\d)\d{4}(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<dd>\d{1,2})(?!\d)"
)
_WRITTEN_DATE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:\.|st|nd|rd|th|er|e)?" + _SPACE + r"*(?:of\s+|de\s+)?" + _MONTH + r"(?!\w)\.?,?\s*"
    + _YEAR + r"|(?<!\w)" + _MONTH + r"\.?\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?,?\s+\d{4}(?!\d)",
    re.I,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+" + _SPACE + r"?\d+|" + _ZERO + r"{2}\d+|\(" + _ZERO + r"\d{2,}\)|" + _ZERO + r"\d{2,})"
    + r"(?:(?:" + _SPACE + r"?[-/.]" + _SPACE + r"?|" + _SPACE + r")\(?\d+\)?)*"  # more digit groups
)
_GROUPED_NUMBER = re.compile(r"(?<![\w.])\d{1,4}(?:[ .]\d{3,4}){2,}(?![\w])")  # 12 345 678 901, 4111 1111 1111
_DIGIT_RUN = re.compile(r"\d{5,}")
MIN_PHONE_DIGITS = 7


def _iban(match: re.Match[str]) -> str:
    """Only something with an IBAN's length and mostly digits, so words after a country code survive."""
    compact = re.sub(r"\s", "", match.group())
    digits = sum(char.isdigit() for char in compact)
    return "[IBAN]" if 15 <= len(compact) <= 34 and digits >= 8 else match.group()


def _numeric_date(match: re.Match[str]) -> str:
    """A real day and month (either order, for US dates), so a version number like "10.40.12" stays."""
    parts = match.groupdict()
    if parts["m"] is not None:
        first, second = int(parts["dd"]), int(parts["m"])
    else:
        first = int(parts["a"] or parts["c"] or parts["e"])
        second = int(parts["b"] or parts["d"] or parts["f"])
    plausible = 1 <= first <= 31 and 1 <= second <= 12 or 1 <= first <= 12 and 1 <= second <= 31
    return "[Datum]" if plausible else match.group()


def _written_date(match: re.Match[str]) -> str:
    """A day of the month before or after the month name, so "Weststraße 46 Mai 2024" keeps its 46."""
    day = int(match.group("day") or match.group("day2"))
    return "[Datum]" if 1 <= day <= 31 else match.group()


def _phone(match: re.Match[str]) -> str:
    """Enough digits for a phone number, so "0800 Uhr" or "030" alone stay readable."""
    digits = sum(char.isdigit() for char in match.group())
    return "[Telefon]" if digits >= MIN_PHONE_DIGITS else match.group()


_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (_EMAIL, "[E-Mail]"),
    (_IBAN, _iban),
    (_NUMERIC_DATE, _numeric_date),
    (_WRITTEN_DATE, _written_date),
    (_PHONE, _phone),
    (_GROUPED_NUMBER, "[Zahl]"),
    (_DIGIT_RUN, "[Zahl]"),
)


def redact(text: str) -> str:
    """``text`` without personal data, in this order (earlier patterns win where they overlap):

    - e-mail addresses -> ``[E-Mail]``
    - IBANs, with or without spaces ("DE89 3704 0044 0532 0130 00") -> ``[IBAN]``
    - dates such as dates of birth: 12.03.1990, 12.3.90, 12/03/1990, 12-03-1990, 1990-03-12, and written
      forms with a month name ("12. März 1990", "March 12, 1990", "12 березня 1990", "12 مارس 1990") in
      German, English, French, Polish, Turkish, Romanian, Ukrainian, Russian, Bulgarian, Arabic and
      Persian -> ``[Datum]``
    - phone numbers starting with +, 00 or a 0 area code, 7 digits or more, with spaces, dashes,
      slashes, dots or brackets ("+49 2521 29-0", "(02521) 293333", "+380 67 123 4567") -> ``[Telefon]``
    - numbers grouped in threes or fours ("12 345 678 901") and any other run of 5 or more digits
      (tax ids, case numbers, customer numbers, postcodes) -> ``[Zahl]``

    Short numbers people need in a question survive: ages, house numbers, years, times, counts.
    Digits of every script count (Arabic-Indic, Persian); all other text is left exactly as it was.
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


# --------------------------------------------------------------------------- tables

_metadata = sa.MetaData()

unanswered = sa.Table(
    "unanswered",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),  # UTC, naive: the same in every database
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("best_service", sa.String(128), nullable=True),
    sa.Column("text", sa.String(MAX_TEXT_CHARS), nullable=False),
)

usage = sa.Table(
    "usage",
    _metadata,
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("service", sa.String(128), nullable=False),  # "" when no service was involved
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("day", "language", "service", "answered", name="usage_key"),
)
_count = usage.c["count"]


# --------------------------------------------------------------------------- helpers


def default_retention_days() -> int:
    """How long unanswered texts are kept (``STADTLOTSE_UNANSWERED_DAYS``, default 30)."""
    value = os.environ.get(RETENTION_VARIABLE, "").strip()
    if not value:
        return DEFAULT_RETENTION_DAYS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{RETENTION_VARIABLE}={value!r} must be a positive whole number of days, e.g. 30")
    return int(value)


def default_url() -> str:
    """``STADTLOTSE_RECORDS_DB``, or an SQLite file ``var/records.db`` in the repository."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{ROOT / 'var' / 'records.db'}"


def _utc(now: dt.datetime | None) -> dt.datetime:
    """``now`` as naive UTC; a naive ``now`` is the city's wall-clock time, as everywhere in the actions."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZONE)
    return now.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _local_day(utc: dt.datetime) -> dt.date:
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).date()


def _describe(error: BaseException) -> str:
    """The kind of failure for the log: never SQL parameters (they hold the text) nor the URL (a password)."""
    cause = getattr(error, "orig", None)  # DBAPIError wraps the driver's own error
    if cause is not None:
        first_line = (str(cause).splitlines() or [""])[0][:200]
        return f"{type(error).__name__} ({type(cause).__name__}: {first_line})"
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error.strerror}"
    return type(error).__name__


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text for a spreadsheet; cells that a spreadsheet would run as a formula are quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --------------------------------------------------------------------------- the store


class Records:
    """Unanswered questions (redacted, expiring) and answer counts, in one SQL database."""

    def __init__(self, url: str | None = None, retention_days: int | None = None):
        days = default_retention_days() if retention_days is None else retention_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"retention_days must be a positive whole number of days (got {days!r})")
        self.url = url or default_url()
        self.retention = dt.timedelta(days=days)
        self._lock = threading.Lock()
        self._engine: sa.engine.Engine | None = None
        self._purged_at: dt.datetime | None = None
        self._paused_until = 0.0
        self.dropped = 0  # notes not stored because the database was failing
        self._pending = 0
        self._pending_lock = threading.Lock()

    @property
    def engine(self) -> sa.engine.Engine:
        """The database, opened and its tables created on first use."""
        with self._lock:
            if self._engine is None:
                url = sa.engine.make_url(self.url)
                if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
                    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, future=True, pool_pre_ping=True)
                _metadata.create_all(engine)
                self._engine = engine
            return self._engine

    # ----------------------------------------------------------------------- writing

    def note(
        self,
        language: str,
        service: str | None,
        answered: bool,
        *,
        reason: str | None = None,
        text: str | None = None,
        best_service: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Count one answer; keep the redacted text of an unanswered one. Never raises into the caller."""
        if time.monotonic() < self._paused_until:
            self.dropped += 1
            return
        try:
            moment = _utc(now)
            entry = None
            if not answered and text:
                entry = {
                    "created_at": moment,
                    "day": _local_day(moment),
                    "language": language[:16],
                    "reason": (reason or "unknown")[:64],
                    "best_service": best_service[:128] if best_service else None,
                    "text": redact(text)[:MAX_TEXT_CHARS],
                }
            self._write(_local_day(moment), language[:16], (service or "")[:128], bool(answered), entry)
            if self._purged_at is None or not dt.timedelta(0) <= moment - self._purged_at < PURGE_INTERVAL:
                self._purged_at = moment
                self._purge(moment)
        except Exception as error:  # usage records must never cost a citizen the answer
            self.dropped += 1
            if self._engine is None or isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
                self._paused_until = time.monotonic() + RETRY_AFTER_SECONDS  # unreachable: stop trying for a while
            logger.warning("Usage record not stored, the answer was sent anyway: %s", _describe(error))

    def note_soon(self, language: str, service: str | None, answered: bool, **details: Any) -> None:
        """``note()`` on the records thread: the citizen's answer never waits for the database."""
        with self._pending_lock:
            if self._pending >= MAX_PENDING:
                self.dropped += 1
                return
            self._pending += 1
        future = _writer().submit(self.note, language, service, answered, **details)
        future.add_done_callback(self._done)

    def _done(self, _future: concurrent.futures.Future[None]) -> None:
        with self._pending_lock:
            self._pending -= 1

    def _write(self, day: dt.date, language: str, service: str, answered: bool, entry: dict[str, Any] | None) -> None:
        """Add 1 to the counter and store the entry in one transaction; retried once if a parallel
        process inserted the same counter row first."""
        key = (usage.c.day == day) & (usage.c.language == language) & (usage.c.service == service)
        key &= usage.c.answered == answered
        for attempt in (1, 2):
            try:
                with self.engine.begin() as connection:
                    updated = connection.execute(sa.update(usage).where(key).values({_count: _count + 1}))
                    if updated.rowcount == 0:
                        connection.execute(
                            sa.insert(usage).values(
                                day=day, language=language, service=service, answered=answered, count=1
                            )
                        )
                    if entry is not None:
                        connection.execute(sa.insert(unanswered).values(**entry))
                return
            except sa.exc.IntegrityError:
                if attempt == 2:
                    raise

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete unanswered entries older than the retention period; how many were deleted."""
        return self._purge(_utc(now))

    def _purge(self, utc: dt.datetime) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(sa.delete(unanswered).where(unanswered.c.created_at < utc - self.retention))
        return int(result.rowcount or 0)

    # ----------------------------------------------------------------------- reading

    def unanswered_entries(self, language: str | None = None) -> list[dict[str, Any]]:
        """Stored unanswered questions, newest first (``created_at`` as an aware UTC time)."""
        columns = [unanswered.c[name] for name in ("created_at", "day", "language", "reason", "best_service", "text")]
        query = sa.select(*columns).order_by(unanswered.c.created_at.desc(), unanswered.c.id.desc())
        if language is not None:
            query = query.where(unanswered.c.language == language)
        with self.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        for row in rows:
            row["created_at"] = row["created_at"].replace(tzinfo=dt.timezone.utc)
        return rows

    def usage_rows(self) -> list[dict[str, Any]]:
        """Every counter row, by day, then language, service and answered."""
        query = sa.select(usage.c.day, usage.c.language, usage.c.service, usage.c.answered, _count).order_by(
            usage.c.day, usage.c.language, usage.c.service, usage.c.answered
        )
        with self.engine.connect() as connection:
            return [
                {**row._mapping, "answered": bool(row.answered), "count": int(row._mapping["count"])}
                for row in connection.execute(query)
            ]

    def unanswered_csv(self) -> str:
        """Unanswered questions for a spreadsheet, newest first."""
        header = ("day", "language", "reason", "best_service", "text")
        return _csv(header, ([entry[name] for name in header] for entry in self.unanswered_entries()))

    def usage_csv(self) -> str:
        """Answer counts for a spreadsheet, by day."""
        header = ("day", "language", "service", "answered", "count")
        return _csv(header, ([row[name] for name in header] for row in self.usage_rows()))

    def summary(self) -> dict[str, Any]:
        """Totals for a report: questions overall, answered or not, per language, service ("" = none) and day."""
        totals: dict[str, dict[Any, int]] = {"language": {}, "service": {}, "day": {}, "answered": {}}
        for row in self.usage_rows():
            for name, table in totals.items():
                key = row[name].isoformat() if name == "day" else row[name]
                table[key] = table.get(key, 0) + row["count"]

        def by_count(table: dict[Any, int]) -> dict[Any, int]:
            return dict(sorted(table.items(), key=lambda item: (-item[1], item[0])))

        return {
            "questions": sum(totals["day"].values()),
            "answered": totals["answered"].get(True, 0),
            "not_answered": totals["answered"].get(False, 0),
            "by_language": by_count(totals["language"]),
            "by_service": by_count(totals["service"]),
            "by_day": dict(sorted(totals["day"].items())),
        }


_records: Records | None = None


_executor: concurrent.futures.ThreadPoolExecutor | None = None


def _writer() -> concurrent.futures.ThreadPoolExecutor:
    """One thread per process writes the records, in order."""
    global _executor
    if _executor is None:
        _executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="records")
    return _executor


def records() -> Records:
    """The process-wide store, created on first use (the database itself opens on the first note)."""
    global _records
    if _records is None:
        _records = Records()
    return _records
