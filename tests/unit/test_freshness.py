"""How fresh each fact is: answers say when it was checked; unsure or old facts ask to confirm by phone."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from actions.answers import opening_hours_answer, service_answer
from actions.catalogue import DEFAULT_DIRECTORY, load_catalogue
from actions.i18n import texts
from actions.opening_hours import Schedule
from bot.staff.check import check_freshness

CATALOGUE = load_catalogue()
SCHEDULE = Schedule(CATALOGUE)


def at(day: str) -> dt.datetime:
    return SCHEDULE.aware(dt.datetime.fromisoformat(day + "T10:00"))


def test_a_checked_and_confirmed_office_says_when() -> None:
    answer = opening_hours_answer(texts("en"), SCHEDULE, CATALOGUE.offices["library"], at("2026-11-25"), None)
    assert answer.splitlines()[-1] == "Checked on 25 November 2026."


def test_an_unverified_fact_gets_the_note() -> None:
    service = CATALOGUE.services["registration"]
    assert "address" in CATALOGUE.offices["citizens_office"].unverified or service.unverified
    answer = service_answer(texts("en"), CATALOGUE, SCHEDULE, service, at("2026-11-25"))
    assert "Checked on 25 November 2026. Some details are not certain: please ask by phone before you go." in answer


def test_a_stale_fact_gets_the_note(monkeypatch: pytest.MonkeyPatch) -> None:
    library = CATALOGUE.offices["library"]
    fresh = opening_hours_answer(texts("de"), SCHEDULE, library, at("2027-05-01"), None)
    stale = opening_hours_answer(texts("de"), SCHEDULE, library, at("2027-06-01"), None)  # > 180 days
    assert fresh.splitlines()[-1] == "Geprüft am 25. November 2026."
    assert stale.splitlines()[-1].endswith("Bitte fragen Sie vorher telefonisch nach.")
    monkeypatch.setenv("STADTLOTSE_FRESH_DAYS", "400")
    later = opening_hours_answer(texts("de"), SCHEDULE, library, at("2027-06-01"), None)
    assert later.splitlines()[-1] == "Geprüft am 25. November 2026."


def test_staff_check_lists_old_and_unconfirmed_facts_oldest_first(tmp_path: Path) -> None:
    data = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_DIRECTORY, data)
    offices = data / "offices.yml"
    text = offices.read_text(encoding="utf-8")
    start = text.index("  - id: library")
    old = text.index("    checked: 2026-11-25", start)
    offices.write_text(text[:old] + "    checked: 2025-01-10" + text[old + 23 :], encoding="utf-8")
    found = check_freshness(data, today=dt.date(2026, 12, 1))
    assert found[0].english.startswith("'library' was last checked on 2025-01-10, 690 days ago.")
    assert found[0].file == "offices.yml" and found[0].line == text[:start].count("\n") + 1
    assert all(p.severity == "warning" for p in found)
    assert any("not confirmed yet" in p.english for p in found)
