"""The language registry is the single source of truth and matches the catalogs."""

from __future__ import annotations

from babel import Locale

from actions import languages
from actions.i18n import LOCALES_DIR, SOURCE_LANGUAGE

CONTRACT = {"de", "en", "ar", "uk", "ru", "tr", "fa", "ku", "ro", "pl", "bg", "fr"}


def test_the_twelve_languages_of_the_contract() -> None:
    assert set(languages.CODES) == CONTRACT
    assert languages.DEFAULT == "de"


def test_right_to_left_languages() -> None:
    assert {c for c, lang in languages.LANGUAGES.items() if lang.direction == "rtl"} == {"ar", "fa"}


def test_every_language_but_the_source_has_a_catalog() -> None:
    for code in languages.CODES:
        po = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
        assert po.exists() == (code != SOURCE_LANGUAGE), code
    on_disk = {p.name for p in LOCALES_DIR.iterdir() if p.is_dir()}
    assert on_disk == CONTRACT - {SOURCE_LANGUAGE}


def test_every_language_has_babel_locale_data() -> None:
    for lang in languages.LANGUAGES.values():
        assert Locale.parse(lang.babel_locale).days["format"]["wide"][0]


def test_client_language_tags_are_mapped_onto_ours() -> None:
    assert languages.resolve("de-DE") == "de"
    assert languages.resolve("de_AT") == "de"
    assert languages.resolve("fa-IR") == "fa"
    assert languages.resolve("prs") == "fa"
    assert languages.resolve("ckb") == "ku"
    assert languages.resolve("en-us") == "en"
    assert languages.resolve("pt-br") is None
    assert languages.resolve("") is None
    assert languages.get("xx").code == "de"
