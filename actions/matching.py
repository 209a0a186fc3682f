"""Find the office a message names ("is the Ausländerbehörde open tomorrow?") in any of our languages.

Names come from the catalogue (German name, aliases, the German term of the services an office is
responsible for) and from the catalogs (the office's name in every language). Matching is done on
folded text (no case, no diacritics) and tolerates small typos in longer words.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from actions import languages
from actions.catalogue import Catalogue
from actions.i18n import texts
from components.normalize import normalize

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# words too general to name an office on their own
STOP = {"stadt", "beckum", "kreis", "warendorf", "der", "die", "das", "und", "city", "office", "amt", "ahlen"}


@dataclass(frozen=True)
class Name:
    words: tuple[str, ...]
    office: str
    weight: float  # office names beat the German term of a service


def _names(catalogue: Catalogue) -> list[Name]:
    found: dict[tuple[tuple[str, ...], str], float] = {}

    def add(text: str, office: str, weight: float) -> None:
        words = tuple(w for w in WORD.findall(normalize(text)) if w not in STOP)
        if words and sum(len(w) for w in words) >= 3:
            key = (words, office)
            found[key] = max(found.get(key, 0.0), weight)

    for office in catalogue.offices.values():
        add(office.name, office.id, 1.0)
        for alias in office.aliases:
            add(alias, office.id, 1.0)
        for code in languages.CODES:
            add(texts(code).data(office.name), office.id, 1.0)
    for service in catalogue.services.values():
        for term in re.split(r"[/()]", service.german_term):
            add(term, service.office, 0.8)
    return [Name(words, office, weight) for (words, office), weight in found.items()]


_cache: dict[int, list[Name]] = {}


def names(catalogue: Catalogue) -> list[Name]:
    key = id(catalogue)
    if key not in _cache:
        _cache.clear()
        _cache[key] = _names(catalogue)
    return _cache[key]


def _word_matches(word: str, candidate: str) -> bool:
    if word == candidate:
        return True
    if len(candidate) >= 4 and word.startswith(candidate) and len(word) - len(candidate) <= 2:
        return True  # inflected forms: "загса", "jobcentera", "bürgerbüros"
    if len(candidate) >= 6 and len(word) >= 5:
        if word.startswith(candidate) or candidate.startswith(word) and len(word) >= len(candidate) - 2:
            return True
        return difflib.SequenceMatcher(None, word, candidate).ratio() >= 0.84
    return False


def find_office(catalogue: Catalogue, text: str) -> str | None:
    """The id of the office ``text`` names best, or None."""
    words = WORD.findall(normalize(text))
    if not words:
        return None
    best: tuple[float, str] | None = None
    for name in names(catalogue):
        if all(any(_word_matches(w, part) for w in words) for part in name.words):
            score = name.weight * sum(len(part) for part in name.words)
            if best is None or score > best[0]:
                best = (score, name.office)
    return best[1] if best else None
