"""The one language registry: every module (actions, bot, widget, tests) reads the languages from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class Language:
    """A language the assistant speaks."""

    code: str  # ISO 639-1, also the gettext catalog name under locales/
    native_name: str  # shown in the language menu
    english_name: str
    direction: Direction
    babel_locale: str  # locale used for dates, times and weekday names
    aliases: tuple[str, ...] = ()  # other codes mapped onto this one (Telegram language_code, browsers)


DEFAULT = "de"

LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch", "German", "ltr", "de_DE", ("de-de", "de-at", "de-ch", "gsw")),
        Language("en", "English", "English", "ltr", "en_GB", ("en-us", "en-gb")),
        Language("ar", "العربية", "Arabic", "rtl", "ar", ("ar-sy", "ar-iq", "ar-sa", "ar-eg", "apc", "acm")),
        Language("uk", "Українська", "Ukrainian", "ltr", "uk_UA", ("uk-ua",)),
        Language("ru", "Русский", "Russian", "ltr", "ru_RU", ("ru-ru", "be")),
        Language("tr", "Türkçe", "Turkish", "ltr", "tr_TR", ("tr-tr",)),
        Language("fa", "فارسی", "Persian", "rtl", "fa_IR", ("fa-ir", "fa-af", "prs", "pes")),
        Language("ku", "Kurdî (Kurmancî)", "Kurdish (Kurmanji)", "ltr", "ku", ("kmr", "ku-tr", "ckb")),
        Language("ro", "Română", "Romanian", "ltr", "ro_RO", ("ro-ro", "ro-md", "mo")),
        Language("pl", "Polski", "Polish", "ltr", "pl_PL", ("pl-pl",)),
        Language("bg", "Български", "Bulgarian", "ltr", "bg_BG", ("bg-bg",)),
        Language("fr", "Français", "French", "ltr", "fr_FR", ("fr-fr", "fr-be", "fr-ch", "fr-ca")),
    )
}

CODES: tuple[str, ...] = tuple(LANGUAGES)

_ALIASES: dict[str, str] = {
    alias: lang.code for lang in LANGUAGES.values() for alias in (lang.code, *lang.aliases)
}


def resolve(code: str | None) -> str | None:
    """Map a client's language tag (Telegram ``language_code``, ``Accept-Language`` item) onto ours."""
    if not code:
        return None
    tag = code.strip().lower().replace("_", "-")
    if tag in _ALIASES:
        return _ALIASES[tag]
    return _ALIASES.get(tag.split("-")[0])


def get(code: str | None) -> Language:
    """The registry entry for ``code``; the default language for anything unknown."""
    return LANGUAGES.get(resolve(code) or DEFAULT, LANGUAGES[DEFAULT])
