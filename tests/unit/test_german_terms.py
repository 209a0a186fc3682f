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
