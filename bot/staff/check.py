"""``make check``: everything city staff can edit, checked, with file, line and how to fix it (German/English).

Checks the service catalogue (fields, opening hours, links, phone and e-mail formats, ids), the
translation catalogs in ``locales/`` and the NLU training data in ``data/nlu/``. Errors stop a
change from going live; warnings (missing or outdated translations, few example questions) do not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.mofile import read_mo
from babel.messages.pofile import PoFileError, read_po
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from actions import languages
from actions.catalogue import (
    DEFAULT_DIRECTORY,
    CatalogueError,
    Problem,
    fresh_days,
    load_catalogue,
    problem,
    yaml_problem,
)
from actions.emergency import DEFAULT_FILE as EMERGENCY_FILE
from actions.emergency import EMERGENCY_INTENT, read_net
from actions.faq import DEFAULT_DIRECTORY as FAQ_DIRECTORY
from actions.faq import RETRIEVAL_INTENT, read_faq
from actions.i18n import LOCALES_DIR, S_, SOURCE_LANGUAGE, StaffText, staff_text
from actions.journeys import BUTTON_INTENTS, JOURNEY_INTENT_PREFIX

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
DOMAIN_FILE = ROOT / "domain.yml"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MIN_EXAMPLES = 12


@dataclass
class Report:
    """All problems found; ``ok`` when there is no error (warnings allowed)."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> StaffText:
        if not self.problems:
            return staff_text(S_("Alles in Ordnung."))
        return staff_text(S_("{errors} Fehler, {warnings} Hinweise."), errors=len(self.errors),
                          warnings=len(self.warnings))  # fmt: skip


def warning(file: str, line: int | None, message: str, **values: object) -> Problem:
    return Problem(file, line, staff_text(message, **values), "warning")


# --------------------------------------------------------------------------- catalogue


def check_catalogue(directory: Path = DEFAULT_DIRECTORY) -> list[Problem]:
    try:
        load_catalogue(directory)
    except CatalogueError as error:
        return list(error.problems)
    return []


def _record_lines(path: Path, key: str) -> dict[str, int]:
    """Line of each record (by id, or name for closures) in a catalogue file."""
    data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    items = data.get(key) if isinstance(data, CommentedMap) else None
    if not isinstance(items, CommentedSeq):
        return {}
    return {str(item.get("id") or item.get("name")): items.lc.item(i)[0] + 1 for i, item in enumerate(items)}


def check_freshness(directory: Path = DEFAULT_DIRECTORY, today: dt.date | None = None) -> list[Problem]:
    """Unconfirmed and old facts, oldest first: answers give them as "please ask by phone first"."""
    try:
        catalogue = load_catalogue(directory)
    except CatalogueError:
        return []  # reported by the catalogue check
    today = today or dt.date.today()
    limit = fresh_days()
    found: list[tuple[dt.date, Problem]] = []
    for name, key, records in (("offices.yml", "offices", catalogue.offices.values()),
                               ("services.yml", "services", catalogue.services.values())):  # fmt: skip
        lines = _record_lines(directory / name, key)
        for record in records:
            line = lines.get(record.id)
            if record.checked is None:
                found.append(
                    (
                        dt.date.min,
                        warning(
                            name,
                            line,
                            S_("„{id}“ wurde noch nie geprüft: Tragen Sie checked: mit dem Datum der Prüfung ein."),
                            id=record.id,
                        ),
                    )
                )
            elif (today - record.checked).days > limit:
                found.append(
                    (
                        record.checked,
                        warning(
                            name,
                            line,
                            S_(
                                "„{id}“ wurde zuletzt am {date} geprüft, vor {days} Tagen. Bitte prüfen und "
                                "checked: aktualisieren."
                            ),
                            id=record.id,
                            date=record.checked.isoformat(),
                            days=(today - record.checked).days,
                        ),
                    )
                )
            if record.unverified:
                found.append(
                    (
                        record.checked or dt.date.min,
                        warning(
                            name,
                            line,
                            S_("„{id}“: noch nicht bestätigt: {fields}. Bitte beim Amt nachfragen."),
                            id=record.id,
                            fields=", ".join(record.unverified),
                        ),
                    )
                )
    return [problem for _, problem in sorted(found, key=lambda item: item[0])]


# --------------------------------------------------------------------------- translations


def translated(message: Any) -> bool:
    """Every form of a catalog entry filled (a plural entry has one per plural form)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms)


def plain(value: Any) -> Any:
    """Ids and strings alike from .po (tuples for plurals) and .mo (lists)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def check_catalog_file(po_path: Path, label: str) -> list[Problem]:
    """One .po file and its compiled .mo: broken syntax, placeholders, missing, outdated, stale."""
    try:
        with open(po_path, "rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except PoFileError as error:
        line = getattr(error, "lineno", None)  # babel counts from 0
        return [problem(label, line + 1 if isinstance(line, int) else None,
                        S_("Die Übersetzungsdatei ist beschädigt: {detail}"), detail=str(error))]  # fmt: skip
    except FileNotFoundError:
        return [problem(label, None, S_("Die Datei fehlt."))]
    found: list[Problem] = []
    missing = [m for m in catalog if m.id and not translated(m)]
    outdated = [m for m in catalog if m.id and m.fuzzy]
    for message in catalog:
        if not message.id or not translated(message):
            continue
        expected = set(PLACEHOLDER.findall(str(message.id)))
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            got = set(PLACEHOLDER.findall(form))
            if not (expected - {"n"} <= got <= expected):
                found.append(problem(
                    label, message.lineno,
                    S_("Die Platzhalter passen nicht zum deutschen Text: erwartet {expected}, gefunden {found}. "
                       "Platzhalter in geschweiften Klammern werden nicht übersetzt."),
                    expected=", ".join(sorted(expected)) or "-", found=", ".join(sorted(got)) or "-",
                ))  # fmt: skip
    if missing:
        found.append(warning(
            label, missing[0].lineno,
            S_("{count} Texte sind noch nicht übersetzt (der erste hier). Dort antwortet der Assistent "
               "auf Englisch, sonst auf Deutsch. Übersicht: make translations-report"),
            count=len(missing),
        ))  # fmt: skip
    if outdated:
        found.append(warning(
            label, outdated[0].lineno,
            S_("{count} Übersetzungen sind veraltet, weil sich der deutsche Text geändert hat (markiert mit "
               "„#, fuzzy“, die erste hier). Prüfen Sie sie und löschen Sie die Markierung."),
            count=len(outdated),
        ))  # fmt: skip
    mo_path = po_path.with_suffix(".mo")
    source = {plain(m.id): plain(m.string) for m in catalog if m.id and translated(m) and not m.fuzzy}
    try:
        with open(mo_path, "rb") as handle:
            compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    except (FileNotFoundError, OSError, ValueError):
        compiled = None
    if compiled != source:
        found.append(problem(label, None,
                             S_("Die kompilierte Datei {mo} passt nicht zu dieser Datei. Führen Sie "
                                "„make translations“ aus."), mo=mo_path.name))  # fmt: skip
    return found


def check_translations(locales: Path = LOCALES_DIR) -> list[Problem]:
    found = []
    for code in languages.CODES:
        if code == SOURCE_LANGUAGE:
            continue
        po_path = locales / code / "LC_MESSAGES" / "messages.po"
        found += check_catalog_file(po_path, str(po_path.relative_to(locales.parent)))
    return found


# --------------------------------------------------------------------------- NLU training data


def _examples_with_lines(block: CommentedMap) -> list[tuple[str, int]]:
    """The examples of an intent block with their 1-based line numbers in the file."""
    first = block.lc.value("examples")[0] + 2  # the "|" line, then the first example
    lines = str(block["examples"]).splitlines()
    return [(text[2:].strip(), first + i) for i, text in enumerate(lines) if text.startswith("- ")]


def check_nlu(nlu_dir: Path = NLU_DIR, domain_file: Path = DOMAIN_FILE,
              catalogue_dir: Path = DEFAULT_DIRECTORY) -> list[Problem]:  # fmt: skip
    yaml = YAML(typ="rt")
    intents = set(YAML(typ="safe").load(domain_file.read_text(encoding="utf-8")).get("intents") or [])
    try:
        catalogue = load_catalogue(catalogue_dir)
        services, journeys = set(catalogue.services), set(catalogue.journeys)
    except CatalogueError:
        services, journeys = set(), set()  # reported by the catalogue check
    found: list[Problem] = []
    for code in languages.CODES:
        path = nlu_dir / f"{code}.yml"
        label = str(path.relative_to(nlu_dir.parent.parent)) if nlu_dir.parent.parent in path.parents else path.name
        try:
            data = yaml.load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            found.append(problem(label, None, S_("Die Datei fehlt.")))
            continue
        except MarkedYAMLError as error:
            found.append(yaml_problem(label, error))
            continue
        blocks = data.get("nlu") if isinstance(data, CommentedMap) else None
        if not isinstance(blocks, CommentedSeq):
            found.append(problem(label, 1, S_("Die Datei muss mit „{key}:“ beginnen."), key="nlu"))
            continue
        seen: dict[str, int] = {}
        counts: Counter[str] = Counter()
        for index, block in enumerate(blocks):
            line = blocks.lc.item(index)[0] + 1
            intent = str(block.get("intent", ""))
            if intent not in intents:
                found.append(problem(label, line, S_("Die Absicht (Intent) „{intent}“ gibt es nicht in domain.yml."),
                                     intent=intent))  # fmt: skip
            if intent.startswith("service_") and services and intent.removeprefix("service_") not in services:
                found.append(problem(label, line,
                                     S_("„{intent}“ gehört zu keinem Dienst in data/catalogue/services.yml."),
                                     intent=intent))  # fmt: skip
            plan = intent.removeprefix(JOURNEY_INTENT_PREFIX)
            if intent.startswith(JOURNEY_INTENT_PREFIX) and journeys and plan not in journeys:
                found.append(problem(label, line,
                                     S_("„{intent}“ gehört zu keinem Plan in data/catalogue/journeys.yml."),
                                     intent=intent))  # fmt: skip
            language = (block.get("metadata") or {}).get("language")
            if language != code:
                found.append(problem(
                    label, line,
                    S_("Der Block „{intent}“ hat die Sprache „{found}“, die Datei ist für „{expected}“. "
                       "Tragen Sie ein: metadata: language: {expected}"),
                    intent=intent, found=language or "-", expected=code,
                ))  # fmt: skip
            if "examples" not in block:
                continue
            for text, example_line in _examples_with_lines(block):
                counts[intent] += 1
                key = " ".join(text.casefold().split())
                if key in seen:
                    found.append(problem(
                        label, example_line,
                        S_("Das Beispiel „{example}“ steht schon in Zeile {other}. Ein Beispiel darf nur einmal "
                           "vorkommen, auch nicht bei zwei Absichten."),
                        example=text, other=seen[key],
                    ))  # fmt: skip
                else:
                    seen[key] = example_line
        # buttons send some intents; FAQ examples live in data/faq/; the emergency net sets its own
        for intent in sorted(intents - BUTTON_INTENTS - {RETRIEVAL_INTENT, EMERGENCY_INTENT}):
            if counts[intent] < MIN_EXAMPLES:
                found.append(warning(
                    label, None,
                    S_("Die Absicht „{intent}“ hat nur {count} Beispielfragen; mit mindestens {minimum} "
                       "erkennt der Assistent sie sicherer."),
                    intent=intent, count=counts[intent], minimum=MIN_EXAMPLES,
                ))  # fmt: skip
    return found


# --------------------------------------------------------------------------- FAQ and emergency net


def _nlu_examples(nlu_dir: Path) -> dict[str, tuple[str, str, int]]:
    """Every NLU example (folded) -> (file, intent, line)."""
    yaml = YAML(typ="rt")
    found: dict[str, tuple[str, str, int]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        try:
            blocks = yaml.load(path.read_text(encoding="utf-8")).get("nlu") or []
        except (MarkedYAMLError, AttributeError, OSError):
            continue  # reported by the NLU check
        for block in blocks:
            if isinstance(block, CommentedMap) and "examples" in block:
                for text, line in _examples_with_lines(block):
                    found.setdefault(" ".join(text.casefold().split()), (path.name, str(block.get("intent")), line))
    return found


def check_faq(faq_dir: Path = FAQ_DIRECTORY, catalogue_dir: Path = DEFAULT_DIRECTORY,
              nlu_dir: Path = NLU_DIR) -> list[Problem]:  # fmt: skip
    """Each entry valid (fields, placeholders, ids in the catalogue, enough example questions), and no
    example question that another entry or an intent of data/nlu/ already has."""
    try:
        catalogue = load_catalogue(catalogue_dir)
    except CatalogueError:
        catalogue = None  # reported by the catalogue check
    _, examples, found = read_faq(faq_dir, catalogue)
    nlu = _nlu_examples(nlu_dir)
    seen: dict[str, Any] = {}
    for item in examples:
        key = " ".join(item.text.casefold().split())
        if key in seen and seen[key].entry != item.entry:
            other = seen[key]
            found.append(problem(item.file, item.line,
                                 S_("Die Beispielfrage „{example}“ steht auch bei {other} (Zeile {other_line}). Eine "
                                    "Frage darf nur zu einem Eintrag gehören."),
                                 example=item.text, other=other.file, other_line=other.line))  # fmt: skip
        elif key in nlu:
            file, intent, line = nlu[key]
            found.append(problem(item.file, item.line,
                                 S_("Die Beispielfrage „{example}“ gehört schon zur Absicht „{intent}“ "
                                    "(nlu/{nlu_file}, Zeile {nlu_line}). "
                                    "Formulieren Sie sie anders oder löschen Sie eine."),
                                 example=item.text, intent=intent, nlu_file=file, nlu_line=line))  # fmt: skip
        seen.setdefault(key, item)
    return found


def check_emergency(path: Path = EMERGENCY_FILE) -> list[Problem]:
    """Patterns compile, every "fires" example raises its alarm, no "quiet" example does."""
    net, found, samples = read_net(path)
    if found:
        return found
    for code, sample in samples.items():
        for item in sample["fires"]:
            kind, _, text = item.partition(": ")
            if net.kind_of(text) != kind:
                found.append(problem(path.name, None,
                                     S_("{language}: „{text}“ muss als Notfall ({kind}) erkannt werden, wird es aber "
                                        "nicht. Ergänzen Sie ein Muster."),
                                     language=code, text=text, kind=kind))  # fmt: skip
        for text in sample["quiet"]:
            if net.kind_of(text) is not None:
                found.append(problem(path.name, None,
                                     S_("{language}: „{text}“ ist kein Notfall, löst aber Alarm aus. Machen Sie das "
                                        "Muster enger oder ergänzen Sie „ignore“."),
                                     language=code, text=text))  # fmt: skip
    return found


def check_all(catalogue_dir: Path = DEFAULT_DIRECTORY, locales: Path = LOCALES_DIR, nlu_dir: Path = NLU_DIR,
              faq_dir: Path = FAQ_DIRECTORY, emergency_file: Path = EMERGENCY_FILE) -> Report:  # fmt: skip
    return Report(
        check_catalogue(catalogue_dir)
        + check_freshness(catalogue_dir)
        + check_translations(locales)
        + check_nlu(nlu_dir, catalogue_dir=catalogue_dir)
        + check_faq(faq_dir, catalogue_dir, nlu_dir)
        + check_emergency(emergency_file)
    )
