"""Words and formats for each language: gettext catalogs under ``locales/`` and Babel's locale data.

German is the source language: every message id is the German text, so German needs no catalog.
A text missing in a catalog falls back to English, then to the German source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Sequence

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.support import NullTranslations, Translations

from actions import languages

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "de"
FALLBACK_LANGUAGE = "en"


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog for ``code`` with the English catalog as fallback (German: the source)."""
    if code == SOURCE_LANGUAGE:
        return NullTranslations()
    result = Translations.load(str(LOCALES_DIR), [code], DOMAIN)
    if code != FALLBACK_LANGUAGE:
        result.add_fallback(Translations.load(str(LOCALES_DIR), [FALLBACK_LANGUAGE], DOMAIN))
    return result


class Texts:
    """Everything one answer needs in one language: ``texts._("...")`` and locale formatting."""

    def __init__(self, code: str):
        self.language = languages.get(code)
        self.code = self.language.code
        self.locale = Locale.parse(self.language.babel_locale)
        self._translations = translations(self.code)
        # the locale's full date format without the year (CLDR has no such standard format)
        full = self.locale.date_formats["full"].pattern
        self._date_pattern = re.sub(r"[\s,]*y+(\s*'[^']*')?\.?", "", full).strip(" ,")

    def _(self, message: str, **values: object) -> str:
        """Translate the German ``message`` and fill its named ``{placeholders}``."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Translate a text with a count in the right plural form ({n} and named placeholders filled)."""
        return self._translations.ngettext(singular, plural, n).format(n=n, **values)

    def data(self, message: str) -> str:
        """Translate a text that comes from the staff data (service names, summaries, documents)."""
        return self._translations.gettext(message)

    # ------------------------------------------------------------- formatting

    def ltr(self, value: str) -> str:
        """A left-to-right unit (phone number, e-mail) isolated inside right-to-left text.

        Without it an Arabic or Persian line shows "02521 29-5036" with its digit groups swapped.
        Invisible Unicode isolates (LRI ... PDI); the characters in between stay as they are.
        """
        return f"\u2066{value}\u2069" if value and self.language.direction == "rtl" else value

    def time(self, value: dt.time | dt.datetime) -> str:
        return format_time(value, "short", locale=self.locale)

    def date(self, value: dt.date) -> str:
        """Weekday, day and month in the locale's own order: 'Donnerstag, 26. November', '26 Kasım Perşembe'."""
        return format_date(value, self._date_pattern, locale=self.locale)

    def long_date(self, value: dt.date) -> str:
        """Day, month and year, '25. November 2026', without a final full stop ('2026 р.'): the sentence
        around it ends with its own."""
        return format_date(value, "long", locale=self.locale).rstrip(".")

    def weekday(self, index: int) -> str:
        """Weekday name, 0 = Monday."""
        return str(self.locale.days["format"]["wide"][index])

    def span(self, begin: dt.time, end: dt.time) -> str:
        # Translators: a time span such as 08:00–12:00
        return self._("{start}–{end}", start=self.time(begin), end=self.time(end))

    def spans(self, intervals: Sequence[tuple[dt.time, dt.time]]) -> str:
        return self.join([self.span(b, e) for b, e in intervals])

    def join(self, items: Sequence[str], style: str = "standard") -> str:
        return format_list(list(items), style=style, locale=self.locale) if items else ""


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a German text for extraction without translating it yet."""
    return message


# --------------------------------------------------------------------------- texts for city staff

STAFF_DOMAIN = "staff"  # messages for staff (data checks, reports): German source, English catalog


def S_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a German text for staff (domain ``staff``) for extraction without translating it yet."""
    return message


@cache
def _staff_english() -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [FALLBACK_LANGUAGE], STAFF_DOMAIN)


@dataclass(frozen=True)
class StaffText:
    """A message for city staff, in German and in English."""

    german: str
    english: str


def staff_text(message: str, **values: object) -> StaffText:
    """The German staff ``message`` and its English translation, placeholders filled."""
    english = _staff_english().gettext(message)
    return StaffText(message.format(**values), english.format(**values))


@lru_cache(maxsize=32)
def texts(code: str) -> Texts:
    """The ``Texts`` of a language, cached per process."""
    return Texts(code)
