"""Translation coverage per language: translated, missing, outdated after a German change, and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

from actions import languages
from actions.i18n import LOCALES_DIR, S_, SOURCE_LANGUAGE, staff_text
from bot.staff.check import translated


@dataclass
class Coverage:
    language: str
    total: int = 0
    translated: int = 0
    missing: list[str] = field(default_factory=list)  # "German text (where it is used)"
    outdated: list[str] = field(default_factory=list)


def _where(message: object) -> str:
    locations = getattr(message, "locations", ()) or ()
    return ", ".join(f"{path}:{line}" for path, line in locations[:2])


def coverage(locales: Path = LOCALES_DIR) -> list[Coverage]:
    result = []
    for code in languages.CODES:
        if code == SOURCE_LANGUAGE:
            continue
        with open(locales / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        item = Coverage(code)
        for message in catalog:
            if not message.id:
                continue
            item.total += 1
            text = message.id[0] if isinstance(message.id, tuple) else message.id
            described = f"„{str(text)[:70]}“ ({_where(message)})"
            if not translated(message):
                item.missing.append(described)
            elif message.fuzzy:
                item.outdated.append(described)
            else:
                item.translated += 1
        result.append(item)
    return result


def report(locales: Path = LOCALES_DIR, details: bool = True) -> str:
    """A plain-text table for staff, German and English headings."""
    heading = staff_text(S_("Sprache | übersetzt | fehlt | veraltet"))
    lines = [heading.german, heading.english, "-" * 48]
    rows = coverage(locales)
    for item in rows:
        percent = 100 * item.translated // item.total if item.total else 100
        lines.append(f"{item.language:8} | {item.translated:4}/{item.total} ({percent:3}%) | "
                     f"{len(item.missing):4} | {len(item.outdated):4}")  # fmt: skip
    if details:
        fallback = staff_text(S_("Wo ein Text fehlt oder veraltet ist, antwortet der Assistent auf Englisch, "
                                 "und wo auch das fehlt, auf Deutsch."))  # fmt: skip
        lines += ["", fallback.german, fallback.english]
        for item in rows:
            for label, entries in ((S_("fehlt"), item.missing), (S_("veraltet"), item.outdated)):
                text = staff_text(label)
                lines += [f"  {item.language} {text.german}/{text.english}: {entry}" for entry in entries]
    return "\n".join(lines)
