"""Every answer in another language keeps the German words people meet at the counter and on forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from actions import languages
from actions.answers import service_answer
from actions.catalogue import load_catalogue
from actions.i18n import texts
from actions.opening_hours import Schedule

CATALOGUE = load_catalogue()
NOW = dt.datetime(2026, 11, 25, 10, 0)


@pytest.mark.parametrize("code", [c for c in languages.CODES if c != "de"])
def test_every_service_answer_names_service_office_and_documents_in_german(code: str) -> None:
    schedule = Schedule(CATALOGUE)
    now = schedule.aware(NOW)
    for service in CATALOGUE.services.values():
        answer = service_answer(texts(code), CATALOGUE, schedule, service, now)
        office = CATALOGUE.office_for(service)
        assert service.german_term.casefold() in answer.casefold(), (code, service.id)
        assert office.name in answer, (code, service.id, office.name)
        for document_id in service.documents:
            term = CATALOGUE.documents[document_id].german_term or ""
            for part in re.split(r",| oder ", term):  # "Reisepass oder Personalausweis": each word shown
                assert part.strip().casefold() in answer.casefold(), (code, service.id, part)


@pytest.mark.parametrize("code", languages.CODES)
def test_an_office_that_is_not_the_citys_is_named_first(code: str) -> None:
    schedule = Schedule(CATALOGUE)
    now = schedule.aware(NOW)
    checked = set()
    for service in CATALOGUE.services.values():
        office = CATALOGUE.office_for(service)
        first = service_answer(texts(code), CATALOGUE, schedule, service, now).splitlines()[0]
        if office.operator == "city":
            assert office.authority is None or "Beckum" not in first.split(":")[0], (code, service.id)
            continue
        checked.add(office.id)
        assert office.authority and office.authority in first and office.name in first, (code, service.id, first)
        if office.address is not None:
            assert office.address.street in first and office.address.town in first
    assert {"foreigners_office", "jobcenter", "family_benefits_office"} <= checked


def test_responsibility_sentence_in_german_and_english() -> None:
    schedule = Schedule(CATALOGUE)
    service = CATALOGUE.services["residence_permit"]
    german = service_answer(texts("de"), CATALOGUE, schedule, service, schedule.aware(NOW)).splitlines()[0]
    english = service_answer(texts("en"), CATALOGUE, schedule, service, schedule.aware(NOW)).splitlines()[0]
    assert german == ("Das macht nicht die Stadt Beckum, sondern Kreis Warendorf: Ausländerbehörde Kreis Warendorf, "
                      "Bismarckstraße 10, 59229 Ahlen.")  # fmt: skip
    assert english.startswith("This is not done by the city of Beckum but by Kreis Warendorf: ")
    assert english.endswith("(Ausländerbehörde Kreis Warendorf), Bismarckstraße 10, 59229 Ahlen.")
