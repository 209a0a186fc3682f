"""Which day a question is about: "today", "tomorrow", "on Saturday" in our twelve languages.

Weekday names come from Babel's locale data; the few relative words are listed here per language.
These are words people type, not words we show, so they live in code rather than in the catalogs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache

from babel import Locale

from actions import languages
from components.normalize import normalize

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Relative day words, folded with components.normalize.normalize (no diacritics, lower case).
TODAY = {
    "heute", "heut", "jetzt", "grad", "gerade", "today", "now", "tonight", "اليوم", "هلق", "هسه", "الان",
    "сьогодні", "зараз", "сегодня", "сейчас", "bugun", "simdi", "su an", "امروز", "الآن",
    "iro", "niha", "azi", "acum", "dzisiaj", "dzis", "teraz", "днес", "сега", "aujourd", "aujourdhui",
    "maintenant",
}  # fmt: skip
TOMORROW = {
    "morgen", "tomorrow", "tmrw", "tmr", "بكرا", "بكره", "بكرة", "غدا", "باچر", "باكر", "завтра", "yarin",
    "فردا", "sibe", "sibê", "maine", "jutro", "утре", "demain",
}  # fmt: skip
DAY_AFTER_TOMORROW = {
    "ubermorgen", "uebermorgen", "بعد بكرا", "بعد غد", "післязавтра", "послезавтра", "obur gun", "oburgun",
    "پس فردا", "poimaine", "pojutrze", "вдругиден", "apres demain", "apres-demain",
}  # fmt: skip

# "Guten Morgen" is a greeting, not "tomorrow".
GREETINGS_WITH_DAY_WORDS = ("guten morgen", "gut morgen", "morgen zusammen")


@cache
def _weekday_names() -> dict[str, int]:
    """Folded full weekday names of all our locales -> weekday (0 = Monday)."""
    names: dict[str, int] = {}
    for language in languages.LANGUAGES.values():
        locale = Locale.parse(language.babel_locale)
        for context in ("format", "stand-alone"):
            for index, name in locale.days[context]["wide"].items():
                for word in WORD.findall(normalize(str(name))):
                    if len(word) >= 3:
                        names.setdefault(word, index)
    return names


def _weekday(word: str) -> int | None:
    """The weekday a word names, allowing inflected forms ("montags", "в субботу", "samedi")."""
    names = _weekday_names()
    if word in names:
        return names[word]
    for name, index in names.items():
        common = len(os.path.commonprefix([word, name]))
        if common >= max(4, len(name) - 2) and abs(len(word) - len(name)) <= 3:
            return index
    return None


def requested_day(text: str, today: dt.date) -> dt.date | None:
    """The day ``text`` asks about, or None when it names no day."""
    folded = normalize(text)
    for greeting in GREETINGS_WITH_DAY_WORDS:
        folded = folded.replace(greeting, " ")
    words = WORD.findall(folded)
    joined = " ".join(words)

    def said(phrases: set[str]) -> bool:
        return any(w in phrases for w in words) or any(p in joined for p in phrases if " " in p)

    if said(DAY_AFTER_TOMORROW):
        return today + dt.timedelta(days=2)
    if said(TOMORROW):
        return today + dt.timedelta(days=1)
    for word in words:
        index = _weekday(word)
        if index is not None:
            return today + dt.timedelta(days=(index - today.weekday()) % 7)
    if said(TODAY):
        return today
    return None
