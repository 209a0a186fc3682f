"""The service catalogue: staff-edited YAML under ``data/catalogue/``, validated into typed records.

Every problem is reported with file, line and field, so staff can fix it without reading code.
The catalogue is loaded lazily and reloaded when a file changes; a broken change is refused and the
last good catalogue stays in service (``CatalogueStore``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

import opening_hours
from pydantic import BaseModel, Extra, Field, PydanticValueError, ValidationError, root_validator, validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from actions.i18n import S_, StaffText, staff_text

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "catalogue"
FILES = ("city.yml", "offices.yml", "services.yml", "documents.yml", "closures.yml", "journeys.yml")
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
FRESH_DAYS_VARIABLE = "STADTLOTSE_FRESH_DAYS"  # facts checked longer ago are given as "please confirm first"
DEFAULT_FRESH_DAYS = 180
OPENING_HOURS_EXAMPLE = "Mo-Fr 08:00-12:00; Th 08:00-12:00,14:00-17:00"


def fresh_days() -> int:
    """How old a checked fact may be before answers ask people to confirm it by phone (default 180)."""
    value = os.environ.get(FRESH_DAYS_VARIABLE, "")
    if not value:
        return DEFAULT_FRESH_DAYS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{FRESH_DAYS_VARIABLE}={value!r} is not a positive whole number of days")
    return int(value)


# --------------------------------------------------------------------------- records


class StaffError(PydanticValueError):
    """A validation error that already says, in German and English, what is wrong and how to fix it."""

    code = "staff"
    msg_template = "{english}"

    def __init__(self, message: str, **values: object):
        text = staff_text(message, **values)
        super().__init__(german=text.german, english=text.english)


class _Record(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    checked: dt.date | None = None
    sources: list[str] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list)

    @validator("unverified", each_item=True)
    def _known_field(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        if value.split(".")[0] not in cls.__fields__:
            raise StaffError(
                S_("„{value}“ ist kein Feld dieses Eintrags. Felder: {fields}"),
                value=value, fields=", ".join(cls.__fields__),
            )  # fmt: skip
        return value

    def is_verified(self, field: str) -> bool:
        """False when staff marked ``field`` (or a part of it, "address.postcode") as not yet confirmed."""
        return not any(item == field or item.startswith(field + ".") for item in self.unverified)


def _check_hours(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        opening_hours.OpeningHours(value)
    except Exception:  # the parser raises its own ParserError with a multi-line caret picture
        raise StaffError(
            S_("„{value}“ ist keine gültige Öffnungszeit – Beispiel: „{example}“"),
            value=value, example=OPENING_HOURS_EXAMPLE,
        ) from None  # fmt: skip
    return value


Record = _Record  # the fields every staff record has (checked, sources, unverified)


class City(_Record):
    name: str
    holidays_country: str = "DE"
    holidays_subdivision: str | None = None
    timezone: str = "Europe/Berlin"
    contact_office: str
    web: str | None = None
    privacy_url: str | None = None


class Address(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    building: str | None = None
    street: str
    postcode: str = Field(regex=r"^\d{5}$")
    town: str


class Location(BaseModel):
    """Where the entrance is, in WGS84 degrees (for the map pin a messenger shows)."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Office(_Record):
    id: str = Field(regex=ID_PATTERN)
    name: str
    operator: Literal["city", "district", "federal", "other"]
    # who is responsible when it is not the city ("Kreis Warendorf"); answers say so first
    authority: str | None = None
    address: Address | None = None
    location: Location | None = None
    phone: str | None = Field(None, regex=r"^\+?[0-9][0-9 /-]{4,}[0-9]$")
    email: str | None = Field(None, regex=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    web: str | None = Field(None, regex=r"^https://\S+$")
    opening_hours: str | None = None
    phone_hours: str | None = None
    public_holidays: Literal["closed", "open", "unknown"] = "closed"
    appointment: str | None = None
    aliases: list[str] = Field(default_factory=list)

    _hours = validator("opening_hours", "phone_hours", allow_reuse=True)(_check_hours)

    @root_validator(skip_on_failure=True)
    def _authority_when_not_the_city(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values.get("operator") != "city" and not values.get("authority"):
            raise StaffError(
                S_("Dieses Amt gehört nicht der Stadt (operator: {operator}): Tragen Sie ein, wer zuständig ist, "
                   "zum Beispiel authority: Kreis Warendorf"),
                operator=values.get("operator"),
            )  # fmt: skip
        return values


class Document(_Record):
    id: str = Field(regex=ID_PATTERN)
    name: str
    german_term: str | None = None  # the word on forms and at the counter, shown beside the translation


class Service(_Record):
    id: str = Field(regex=ID_PATTERN)
    name: str
    german_term: str
    summary: str
    office: str
    documents: list[str] = Field(default_factory=list)
    appointment: Literal["required", "recommended", "not_needed", "unknown"] = "unknown"
    booking_url: str | None = Field(None, regex=r"^https://\S+$")
    web: str | None = Field(None, regex=r"^https://\S+$")

    @validator("summary")
    def _plain_summary(cls, value: str) -> str:  # noqa: N805
        return " ".join(value.split())


class Closure(_Record):
    name: str
    date: dt.date | None = None
    every_year: str | None = Field(None, regex=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
    easter: int | None = Field(None, ge=-100, le=100)
    operators: list[Literal["city", "district", "federal", "other"]] = Field(default_factory=list)
    offices: list[str] = Field(default_factory=list)

    @root_validator(skip_on_failure=True)
    def _one_rule_and_someone(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        rules = [key for key in ("date", "every_year", "easter") if values.get(key) is not None]
        if len(rules) != 1:
            raise StaffError(S_("Geben Sie genau eine Regel an: date, every_year oder easter."))
        if not values.get("offices") and not values.get("operators"):
            raise StaffError(
                S_("Sagen Sie, wer geschlossen hat: operators: [city] oder offices: [office_id, ...]")
            )
        return values

    def falls_on(self, day: dt.date) -> bool:
        """True if this closure rule covers ``day``."""
        if self.date is not None:
            return day == self.date
        if self.every_year is not None:
            return day.strftime("%m-%d") == self.every_year
        from dateutil.easter import easter

        assert self.easter is not None
        return day == easter(day.year) + dt.timedelta(days=self.easter)

    def applies_to(self, office: Office) -> bool:
        """True if this closure closes ``office``."""
        return office.id in self.offices or office.operator in self.operators


# What a plan step may depend on; a plan asks once about each one it does not know yet.
Condition = Literal["children", "non_eu", "asylum_seeker"]
CONDITIONS: tuple[str, ...] = ("children", "non_eu", "asylum_seeker")


class JourneyStep(BaseModel):
    """One step of a first-steps plan: a service, by when, and for whom."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    service: str
    deadline: str | None = None  # German, e.g. "innerhalb von 2 Wochen nach dem Einzug (§ 17 Bundesmeldegesetz)"
    when: list[Condition] = Field(default_factory=list)  # only if all of these are true
    unless: list[Condition] = Field(default_factory=list)  # not if any of these is true


class Journey(_Record):
    """A first-steps plan for a situation ("we just arrived as refugees"), staff-edited."""

    id: str = Field(regex=ID_PATTERN)
    name: str
    summary: str
    steps: list[JourneyStep] = Field(min_items=1)

    def conditions(self) -> list[str]:
        """The conditions the plan's steps depend on, in the order of the steps."""
        seen = [c for step in self.steps for c in (*step.when, *step.unless)]
        return list(dict.fromkeys(seen))


@dataclass(frozen=True)
class Catalogue:
    """All staff data, cross-checked."""

    city: City
    offices: dict[str, Office]
    services: dict[str, Service]
    documents: dict[str, Document]
    closures: tuple[Closure, ...]
    directory: Path
    journeys: dict[str, Journey] = field(default_factory=dict)

    def office_for(self, service: Service) -> Office:
        return self.offices[service.office]

    @property
    def contact(self) -> Office:
        """The office that is the general way to a human."""
        return self.offices[self.city.contact_office]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One mistake in a staff file: where it is and what to do, in German and English."""

    file: str
    line: int | None
    text: StaffText
    severity: Literal["error", "warning"] = "error"

    @property
    def message(self) -> str:
        return self.text.english

    @property
    def german(self) -> str:
        return self.text.german

    @property
    def english(self) -> str:
        return self.text.english

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def for_staff(self) -> str:
        """'offices.yml, Zeile 14: … ' in German, the English below it."""
        where_de = f"{self.file}, Zeile {self.line}" if self.line else self.file
        where_en = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where_de}: {self.text.german}\n    {where_en}: {self.text.english}"


def problem(file: str, line: int | None, message: str, **values: object) -> Problem:
    """A problem from a German staff message with ``{placeholders}``."""
    return Problem(file, line, staff_text(message, **values))


class CatalogueError(Exception):
    """The catalogue cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- loading


def _line_of(node: Any, path: Iterable[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (keys and list indexes), as deep as it exists."""
    line: int | None = None
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    yaml = YAML(typ="rt")
    try:
        raw = path.read_bytes()
        return yaml.load(raw.decode("utf-8"))
    except FileNotFoundError:
        problems.append(problem(path.name, None, S_("Die Datei fehlt.")))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            problem(path.name, line, S_("Die Datei ist nicht als UTF-8 gespeichert. Speichern Sie sie als UTF-8."))
        )
    except MarkedYAMLError as exc:
        problems.append(yaml_problem(path.name, exc))
    return None


def yaml_problem(file: str, error: MarkedYAMLError) -> Problem:
    """A YAML syntax error as a staff problem: the line, and where to look."""
    mark = error.problem_mark or error.context_mark
    return problem(
        file, mark.line + 1 if mark is not None else None,
        S_("YAML-Fehler: {detail}. Prüfen Sie Einrückung, Doppelpunkte und Anführungszeichen hier "
           "und in der Zeile davor."),
        detail=error.problem or error.context,
    )  # fmt: skip


def _records(
    path: Path, root: Any, key: str, model: type[_Record], problems: list[Problem]
) -> list[Any]:
    """Validate the list (or single mapping) under ``key`` into ``model`` records."""
    if not isinstance(root, CommentedMap) or key not in root:
        problems.append(problem(path.name, 1, S_("Die Datei muss mit „{key}:“ beginnen."), key=key))
        return []
    items = root[key]
    single = not isinstance(items, CommentedSeq)
    entries = [items] if single else list(items)
    records = []
    for index, entry in enumerate(entries):
        base: list[Any] = [key] if single else [key, index]
        if not isinstance(entry, CommentedMap):
            problems.append(
                problem(path.name, _line_of(root, base), S_("Hier gehört ein Eintrag mit Feldern hin („- id: …“)."))
            )
            continue
        try:
            records.append(model(**_plain(entry)))
        except ValidationError as exc:
            for error in exc.errors():
                loc = [part for part in error["loc"] if part != "__root__"]
                text = explain(error, model, _value_at(entry, loc))
                problems.append(Problem(path.name, _line_of(root, base + loc), text))
    return records


FORMAT_HINTS = {
    "phone": S_("{field}: „{value}“ ist keine Telefonnummer – Beispiel: „02521 29-3333“"),
    "email": S_("{field}: „{value}“ ist keine E-Mail-Adresse – Beispiel: „stadt@beckum.de“"),
    "web": S_("{field}: „{value}“ ist keine sichere Internetadresse – sie muss mit „https://“ beginnen."),
    "booking_url": S_("{field}: „{value}“ ist keine sichere Internetadresse – sie muss mit „https://“ beginnen."),
    "privacy_url": S_("{field}: „{value}“ ist keine sichere Internetadresse – sie muss mit „https://“ beginnen."),
    "postcode": S_("{field}: „{value}“ ist keine Postleitzahl – fünf Ziffern, Beispiel: „59269“"),
    "id": S_("{field}: „{value}“ ist keine gültige ID – nur Kleinbuchstaben, Ziffern und „_“, "
             "Beispiel: „citizens_office“"),
    "every_year": S_("{field}: „{value}“ ist kein Tag im Jahr – Monat-Tag, Beispiel: „12-24“"),
}  # fmt: skip


def _value_at(entry: Any, loc: list[Any]) -> Any:
    for part in loc:
        try:
            entry = entry[part]
        except (KeyError, IndexError, TypeError):
            return None
    return entry


def explain(error: dict[str, Any], model: type[BaseModel], value: Any) -> StaffText:
    """A pydantic error as a staff message: what is wrong in which field, and an example of right."""
    loc = [part for part in error["loc"] if part != "__root__"]
    field = ".".join(str(part) for part in loc) or "record"
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    if kind == "value_error.staff":
        german, english = str(ctx["german"]), str(ctx["english"])
        return StaffText(f"{field}: {german}" if loc else german, f"{field}: {english}" if loc else english)
    name = next((str(part) for part in reversed(loc) if isinstance(part, str)), field)
    if kind == "value_error.extra":
        fields = ", ".join(model.__fields__) if len(loc) == 1 else "street, postcode, town, building, lat, lon"
        return staff_text(S_("{field}: Dieses Feld gibt es nicht (Tippfehler?). Erlaubt sind: {allowed}"),
                          field=field, allowed=fields)  # fmt: skip
    if kind == "value_error.missing":
        return staff_text(S_("{field}: Dieses Pflichtfeld fehlt."), field=field)
    if kind == "value_error.str.regex":
        hint = FORMAT_HINTS.get(name, S_("{field}: „{value}“ hat nicht das erwartete Format."))
        return staff_text(hint, field=field, value=value)
    if kind.startswith("type_error.date") or kind.startswith("value_error.date"):
        return staff_text(S_("{field}: „{value}“ ist kein Datum – Beispiel: 2026-12-24"), field=field, value=value)
    if kind in ("type_error.integer", "type_error.float", "value_error.number.not_a_number"):
        return staff_text(S_("{field}: „{value}“ ist keine Zahl."), field=field, value=value)
    if kind.startswith("value_error.number."):
        return staff_text(S_("{field}: {value} liegt außerhalb des erlaubten Bereichs ({limit})."),
                          field=field, value=value, limit=error["msg"])  # fmt: skip
    if kind == "value_error.const":
        permitted = ", ".join(str(p) for p in ctx.get("permitted", ()))
        return staff_text(S_("{field}: „{value}“ ist nicht erlaubt – erlaubt sind: {permitted}"),
                          field=field, value=value, permitted=permitted)  # fmt: skip
    if kind == "type_error.list":
        return staff_text(S_("{field}: Hier gehört eine Liste hin, Beispiel: [a, b]"), field=field)
    if kind == "type_error.none.not_allowed":
        return staff_text(S_("{field}: Das Feld ist leer. Tragen Sie einen Wert ein oder löschen Sie die Zeile."),
                          field=field)  # fmt: skip
    if kind.startswith("type_error.str"):
        return staff_text(S_("{field}: Hier gehört ein Text hin."), field=field)
    return staff_text(S_("{field}: {detail}"), field=field, detail=error["msg"])


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _unique(path: Path, root: Any, key: str, records: list[Any], problems: list[Problem]) -> None:
    seen: set[str] = set()
    for index, record in enumerate(records):
        if record.id in seen:
            problems.append(
                problem(
                    path.name, _line_of(root, [key, index, "id"]),
                    S_("Die ID „{id}“ kommt zweimal vor. Jede ID darf es nur einmal geben."), id=record.id,
                )
            )  # fmt: skip
        seen.add(record.id)


def load_catalogue(directory: Path | str = DEFAULT_DIRECTORY) -> Catalogue:
    """Read and check every catalogue file; raise ``CatalogueError`` listing all problems."""
    directory = Path(directory)
    problems: list[Problem] = []
    roots = {name: _read_yaml(directory / name, problems) for name in FILES}
    if problems:
        raise CatalogueError(problems)

    def records(name: str, key: str, model: type[_Record]) -> list[Any]:
        return _records(directory / name, roots[name], key, model, problems)

    cities = records("city.yml", "city", City)
    offices = records("offices.yml", "offices", Office)
    services = records("services.yml", "services", Service)
    documents = records("documents.yml", "documents", Document)
    closures = records("closures.yml", "closures", Closure)
    journeys = records("journeys.yml", "journeys", Journey)
    for name, key, items in (
        ("offices.yml", "offices", offices),
        ("services.yml", "services", services),
        ("documents.yml", "documents", documents),
        ("journeys.yml", "journeys", journeys),
    ):
        _unique(directory / name, roots[name], key, items, problems)
    if problems:
        raise CatalogueError(problems)

    office_ids = {o.id for o in offices}
    document_ids = {d.id for d in documents}

    def dangling(name: str, key: str, index: int, field: str, value: str, known: set[str]) -> None:
        if value not in known:
            line = _line_of(roots[name], [key, index, field])
            problems.append(
                problem(
                    name, line, S_("{field}: unbekannte ID „{value}“. Bekannt sind: {known}"),
                    field=field, value=value, known=", ".join(sorted(known)),
                )
            )  # fmt: skip

    city = cities[0]
    dangling("city.yml", "city", 0, "contact_office", city.contact_office, office_ids)
    roots["city.yml"]["city"] = CommentedSeq([roots["city.yml"]["city"]])  # for _line_of below
    for index, service in enumerate(services):
        dangling("services.yml", "services", index, "office", service.office, office_ids)
        for document in service.documents:
            dangling("services.yml", "services", index, "documents", document, document_ids)
    for index, closure in enumerate(closures):
        for office in closure.offices:
            dangling("closures.yml", "closures", index, "offices", office, office_ids)
    service_ids = {s.id for s in services}
    for index, journey in enumerate(journeys):
        for number, step in enumerate(journey.steps):
            if step.service not in service_ids:
                line = _line_of(roots["journeys.yml"], ["journeys", index, "steps", number, "service"])
                problems.append(
                    problem(
                        "journeys.yml", line, S_("{field}: unbekannte ID „{value}“. Bekannt sind: {known}"),
                        field="service", value=step.service, known=", ".join(sorted(service_ids)),
                    )
                )  # fmt: skip
    if problems:
        raise CatalogueError(problems)

    return Catalogue(
        city=city,
        offices={o.id: o for o in offices},
        services={s.id: s for s in services},
        documents={d.id: d for d in documents},
        closures=tuple(closures),
        directory=directory,
        journeys={j.id: j for j in journeys},
    )


# --------------------------------------------------------------------------- hot reload


class CatalogueStore:
    """Serves the current catalogue; reloads it when a file changes, keeps the last good one on error."""

    def __init__(self, directory: Path | str = DEFAULT_DIRECTORY, check_interval: float = 2.0):
        self.directory = Path(directory)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._catalogue: Catalogue | None = None
        self._stamp: tuple[float, ...] = ()
        self._checked_at = 0.0
        self.last_error: CatalogueError | None = None

    def _mtimes(self) -> tuple[float, ...]:
        return tuple(
            (self.directory / name).stat().st_mtime if (self.directory / name).exists() else 0.0
            for name in FILES
        )

    def get(self) -> Catalogue:
        """The catalogue in service; loads it on first use and after a file changed."""
        now = time.monotonic()
        if self._catalogue is not None and now - self._checked_at < self.check_interval:
            return self._catalogue
        with self._lock:
            self._checked_at = now
            stamp = self._mtimes()
            if self._catalogue is not None and stamp == self._stamp:
                return self._catalogue
            try:
                catalogue = load_catalogue(self.directory)
            except CatalogueError as exc:
                if self._catalogue is None:
                    raise
                if self.last_error is None or str(exc) != str(self.last_error):
                    logger.error("Catalogue change refused, keeping the last good data:\n%s", exc)
                self.last_error = exc
                self._stamp = stamp
                return self._catalogue
            if self._catalogue is not None:
                logger.info("Catalogue reloaded from %s", self.directory)
            self._catalogue, self._stamp, self.last_error = catalogue, stamp, None
            return catalogue


_store: CatalogueStore | None = None


def store() -> CatalogueStore:
    """The process-wide store, created on first use (``STADTLOTSE_CATALOGUE`` overrides the folder)."""
    global _store
    if _store is None:
        _store = CatalogueStore(os.environ.get("STADTLOTSE_CATALOGUE", DEFAULT_DIRECTORY))
    return _store
