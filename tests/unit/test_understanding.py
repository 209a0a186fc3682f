"""The small parsers around the NLU: which day, which office, which language was asked for."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.catalogue import load_catalogue
from actions.language_detection import decide, requested_language
from actions.matching import find_office
from actions.when import requested_day

WEDNESDAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ist das bürgerbüro morgen offen", dt.date(2026, 11, 26)),
        ("is the library open on saturday", dt.date(2026, 11, 28)),
        ("в субботу работает?", dt.date(2026, 11, 28)),
        ("у середу відчинено?", dt.date(2026, 11, 25)),
        ("samedi ouvert?", dt.date(2026, 11, 28)),
        ("yarin acik mi", dt.date(2026, 11, 26)),
        ("فردا باز است؟", dt.date(2026, 11, 26)),
        ("هل المكتب مفتوح يوم الاثنين", dt.date(2026, 11, 30)),
        ("montags geöffnet?", dt.date(2026, 11, 30)),
        ("dzisiaj otwarte?", WEDNESDAY),
        ("übermorgen", dt.date(2026, 11, 27)),
        ("guten morgen, wann hat das amt auf", None),
        ("cum fac anmeldung", None),
        ("wann hat die bücherei auf", None),
    ],
)
def test_requested_day(text: str, expected: dt.date | None) -> None:
    assert requested_day(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "office"),
    [
        ("is the Ausländerbehörde open tomorrow?", "foreigners_office"),
        ("auslanderbehorde offen?", "foreigners_office"),
        ("wann hat das burgerburo auf", "citizens_office"),
        ("öffnungszeiten bücherei", "library"),
        ("jobcenter cuma kaçta kapanıyor", "jobcenter"),
        ("когда работает джобцентр", "jobcenter"),
        ("wohngeldstelle heute", "housing_benefit_office"),
        ("wann kann ich Wohngeld beantragen", "housing_benefit_office"),
        ("standesamt samstag", "registry_office"),
        ("is the swimming pool open", "indoor_pool"),
        ("часы работы загса", "registry_office"),
        ("czy ratusz jest otwarty w wigilię?", "town_hall"),
        ("الأوسلندر بكرا فاتحين؟", "foreigners_office"),
        ("سوسیال امت امروز بازه؟", "social_welfare_office"),
        ("اداره خارجی‌ها کی بازه", "foreigners_office"),
        ("бюргербюро працює?", "citizens_office"),
        ("hello how are you", None),
    ],
)
def test_find_office(text: str, office: str | None) -> None:
    assert find_office(load_catalogue(), text) == office


def test_first_message_decides_alone_when_clear() -> None:
    assert decide("где сделать Anmeldung?", [("ru", 0.95), ("uk", 0.04)], None) == "ru"


def test_first_message_falls_back_to_the_channel_hint_when_unclear() -> None:
    assert decide("Kita", [("de", 0.4), ("tr", 0.3)], None, hint="tr") == "tr"
    assert decide("Kita", [("de", 0.4), ("tr", 0.3)], None) == "de"


def test_shared_vocabulary_alone_never_decides() -> None:
    assert decide("Jobcenter", [("de", 0.9)], None, hint="uk", evidence=0) == "uk"
    assert decide("Jobcenter", [("de", 0.9)], "ar", evidence=0) == "ar"
    assert decide("Jobcenter", [("fa", 0.3)], None, evidence=0) == "de"


def test_short_ambiguous_message_keeps_the_conversation_language() -> None:
    assert decide("ok", [("en", 0.6), ("de", 0.2)], "ar") == "ar"
    assert decide("Kita", [("de", 0.9), ("tr", 0.05)], "ar") == "ar"
    assert decide("Jobcenter?", [("de", 0.7)], "uk") == "uk"


def test_clear_message_in_another_language_switches() -> None:
    assert decide("where do I register my flat", [("en", 0.93), ("de", 0.05)], "de") == "en"
    assert decide("شكرا", [("ar", 0.99), ("fa", 0.01)], "de") == "ar"


def test_button_payloads_keep_the_language() -> None:
    assert decide("/service_registration", [], "fa") == "fa"
    assert decide("/service_registration", [], None) == "de"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("English please", "en"),
        ("auf Deutsch bitte", "de"),
        ("по-русски можно?", "ru"),
        ("بالعربي لو سمحت", "ar"),
        ("türkçe konuşabilir miyiz", "tr"),
        ("po polsku", "pl"),
        ("en français svp", "fr"),
        ("change language", None),
    ],
)
def test_requested_language(text: str, code: str | None) -> None:
    assert requested_language(text) == code
