"""FAQ: questions and answers staff write beyond the service catalogue, one file per topic in ``data/faq/``.

An entry has a German answer (the source text translated through ``locales/``, like every answer),
placeholders for facts that live in the catalogue (``{citizens_office.phone}``, filled at answer time,
so an FAQ answer never contradicts the catalogue), related offices and services, when and by which
office it was checked, and example questions per language that training picks up (``faq/<id>``,
see ``components/importer.py``). Problems are reported with file and line, like the catalogue's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Extra, Field, ValidationError, validator

from actions import languages
from actions.answers import office_name, status_line
from actions.catalogue import (
    ID_PATTERN,
    Catalogue,
    CatalogueError,
    Problem,
    StaffError,
    _line_of,
    _plain,
    _read_yaml,
    explain,
    problem,
)
from actions.i18n import S_, Texts
from actions.opening_hours import Schedule
from actions.retention import retention_days

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "faq"
RETRIEVAL_INTENT = "faq"  # examples train as faq/<id>; the NLU answers intent "faq" and the entry's key
MIN_GERMAN_EXAMPLES = 6
MIN_OTHER_EXAMPLES = 3
MIN_OTHER_LANGUAGES = 3
FIELDS = ("name", "phone", "email", "web", "address", "hours")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
OFFICE_PLACEHOLDER = re.compile(rf"^([a-z][a-z0-9_]*)\.({'|'.join(FIELDS)})$")
OTHER_PLACEHOLDERS = ("retention_days",)


class FaqEntry(BaseModel):
    """One FAQ topic."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    id: str = Field(regex=ID_PATTERN)
    question: str  # German heading, translated
    answer: str  # plain German, translated; facts as {office.field} placeholders
    offices: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    checked: dt.date
    checked_by: str  # an office or role, never a person
    sources: list[str] = Field(default_factory=list)
    unverified: bool = False
    examples: dict[str, list[str]]

    @validator("answer")
    def _placeholders(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        for name in PLACEHOLDER.findall(value):
            if name not in OTHER_PLACEHOLDERS and not OFFICE_PLACEHOLDER.match(name):
                raise StaffError(
                    S_("„{{{name}}}“ ist kein bekannter Platzhalter. Erlaubt sind {{Amt.Feld}} mit Feld "
                       "{fields} (Beispiel: {{citizens_office.phone}}) und {other}."),
                    name=name, fields=", ".join(FIELDS), other=", ".join(f"{{{o}}}" for o in OTHER_PLACEHOLDERS),
                )  # fmt: skip
        return " ".join(value.split())

    @validator("links", each_item=True)
    def _https(cls, value: str) -> str:  # noqa: N805
        if not value.startswith("https://"):
            raise StaffError(S_("„{value}“ ist keine sichere Internetadresse – sie muss mit „https://“ beginnen."),
                             value=value)  # fmt: skip
        return value

    @validator("examples")
    def _enough_examples(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:  # noqa: N805
        unknown = sorted(set(value) - set(languages.CODES))
        if unknown:
            raise StaffError(S_("Unbekannte Sprache(n): {unknown}. Bekannt sind: {known}"),
                             unknown=", ".join(unknown), known=", ".join(languages.CODES))  # fmt: skip
        if len(value.get(languages.DEFAULT) or []) < MIN_GERMAN_EXAMPLES:
            raise StaffError(S_("Es fehlen deutsche Beispielfragen: mindestens {minimum} unter „de:“."),
                             minimum=MIN_GERMAN_EXAMPLES)  # fmt: skip
        others = [c for c, items in value.items() if c != languages.DEFAULT and len(items) >= MIN_OTHER_EXAMPLES]
        if len(others) < MIN_OTHER_LANGUAGES:
            raise StaffError(
                S_("Beispielfragen in mindestens {languages} weiteren Sprachen mit je {minimum} Fragen nötig "
                   "(bisher: {found})."),
                languages=MIN_OTHER_LANGUAGES, minimum=MIN_OTHER_EXAMPLES, found=", ".join(others) or "-",
            )  # fmt: skip
        return {code: [" ".join(str(text).split()) for text in items] for code, items in value.items()}

    @property
    def intent_key(self) -> str:
        return f"{RETRIEVAL_INTENT}/{self.id}"

    @property
    def freshness(self) -> Freshness:
        """When it was checked and whether it is sure, for the "checked on" line of the answer."""
        return Freshness(self.checked, ["answer"] if self.unverified else [])

    def office_placeholders(self) -> list[tuple[str, str]]:
        return [m.groups() for name in PLACEHOLDER.findall(self.answer) if (m := OFFICE_PLACEHOLDER.match(name))]


@dataclass(frozen=True)
class Freshness:
    checked: dt.date
    unverified: list[str]


@dataclass(frozen=True)
class Located:
    """An example question with the file and line it is written on (for staff messages)."""

    entry: str
    language: str
    text: str
    file: str
    line: int | None


def load_faq(directory: Path | str = DEFAULT_DIRECTORY, catalogue: Catalogue | None = None) -> dict[str, FaqEntry]:
    """Every entry of ``data/faq/``, checked (against the catalogue when given); ``CatalogueError`` lists
    every problem with file and line."""
    entries, _, problems = read_faq(directory, catalogue)
    if problems:
        raise CatalogueError(problems)
    return entries


def read_faq(
    directory: Path | str = DEFAULT_DIRECTORY, catalogue: Catalogue | None = None
) -> tuple[dict[str, FaqEntry], list[Located], list[Problem]]:
    """The valid entries, all example questions with their lines, and the problems found."""
    directory = Path(directory)
    problems: list[Problem] = []
    entries: dict[str, FaqEntry] = {}
    examples: list[Located] = []
    for path in sorted(directory.glob("*.yml")):
        label = f"faq/{path.name}"
        found: list[Problem] = []
        root = _read_yaml(path, found)
        problems += [Problem(label, p.line, p.text, p.severity) for p in found]
        if root is None:
            continue
        if not isinstance(root, dict):
            problems.append(problem(label, 1, S_("Die Datei muss Felder enthalten („id: …“, „answer: …“).")))
            continue
        try:
            entry = FaqEntry(**_plain(root))
        except ValidationError as error:
            for item in error.errors():
                loc = [part for part in item["loc"] if part != "__root__"]
                value = _plain(root)
                for part in loc:
                    value = value.get(part) if isinstance(value, dict) else None
                problems.append(Problem(label, _line_of(root, loc), explain(item, FaqEntry, value)))
            continue
        if entry.id != path.stem:
            problems.append(problem(label, _line_of(root, ["id"]),
                                    S_("Die ID „{id}“ muss wie die Datei heißen: {file}"), id=entry.id,
                                    file=f"{entry.id}.yml"))  # fmt: skip
        if catalogue is not None:
            problems += _dangling(label, root, entry, catalogue)
        for code, items in entry.examples.items():
            node = root["examples"][code]
            for index, text in enumerate(items):
                line = _line_of(node, [index]) or _line_of(root, ["examples", code])
                examples.append(Located(entry.id, code, text, label, line))
        entries[entry.id] = entry
    return entries, examples, problems


def _dangling(label: str, root: Any, entry: FaqEntry, catalogue: Catalogue) -> list[Problem]:
    found = []
    for field, known in (("offices", catalogue.offices), ("services", catalogue.services)):
        for index, value in enumerate(getattr(entry, field)):
            if value not in known:
                found.append(problem(label, _line_of(root, [field, index]),
                                     S_("{field}: unbekannte ID „{value}“. Bekannt sind: {known}"),
                                     field=field, value=value, known=", ".join(sorted(known))))  # fmt: skip
    for office, _ in entry.office_placeholders():
        if office not in catalogue.offices:
            found.append(problem(label, _line_of(root, ["answer"]),
                                 S_("{field}: unbekannte ID „{value}“. Bekannt sind: {known}"),
                                 field="answer", value=office, known=", ".join(sorted(catalogue.offices))))  # fmt: skip
        elif office not in entry.offices:
            found.append(problem(label, _line_of(root, ["offices"]) or _line_of(root, ["answer"]),
                                 S_("Der Text nennt „{office}“: tragen Sie es auch unter „offices:“ ein."),
                                 office=office))  # fmt: skip
    return found


# --------------------------------------------------------------------------- answering


def fill(t: Texts, text: str, catalogue: Catalogue, schedule: Schedule, now: dt.datetime) -> str:
    """The translated answer with its placeholders filled from the catalogue, as it is now."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "retention_days":
            return str(retention_days())
        parsed = OFFICE_PLACEHOLDER.match(name)
        office = catalogue.offices.get(parsed.group(1)) if parsed else None
        if parsed is None or office is None:
            return match.group(0)
        field = parsed.group(2)
        if field == "name":
            return office_name(t, office)
        if field == "address":
            a = office.address
            if a is None:
                return office_name(t, office)
            return ", ".join(part for part in (a.building, a.street, f"{a.postcode} {a.town}") if part)
        if field == "hours":
            return status_line(t, office, schedule.status(office, now))
        value = getattr(office, field, None) or getattr(catalogue.contact, field, None)  # the city's, if unknown
        return t.ltr(str(value)) if field in ("phone", "email") else str(value or "")

    return PLACEHOLDER.sub(value, text)


# --------------------------------------------------------------------------- hot reload


class FaqStore:
    """The current entries; reloaded when a file changes, the last good entries kept when a change is broken."""

    def __init__(self, directory: Path | str = DEFAULT_DIRECTORY, check_interval: float = 2.0):
        self.directory = Path(directory)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._entries: dict[str, FaqEntry] | None = None
        self._stamp: tuple[tuple[str, float], ...] | None = None
        self._checked_at = 0.0

    def _stamps(self) -> tuple[tuple[str, float], ...]:
        return tuple((p.name, p.stat().st_mtime) for p in sorted(self.directory.glob("*.yml")))

    def get(self, catalogue: Catalogue | None = None) -> dict[str, FaqEntry]:
        with self._lock:
            if self._entries is not None and time.monotonic() - self._checked_at < self.check_interval:
                return self._entries
            self._checked_at = time.monotonic()
            stamp = self._stamps()
            if self._entries is not None and stamp == self._stamp:
                return self._entries
            try:
                self._entries = load_faq(self.directory, catalogue)
            except CatalogueError as error:
                if self._entries is None:
                    raise
                logger.error("FAQ change refused, the previous entries stay in service:\n%s", error)
            self._stamp = stamp
            return self._entries


_store: FaqStore | None = None


def current_entries(catalogue: Catalogue) -> dict[str, FaqEntry]:
    """The entries in service now; none when the FAQ data cannot be loaded at all (logged by the store)."""
    try:
        return store().get(catalogue)
    except CatalogueError:
        return {}


def store() -> FaqStore:
    """The process-wide FAQ store."""
    global _store
    if _store is None:
        _store = FaqStore()
    return _store
