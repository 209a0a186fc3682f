"""First-steps plans: staff data validated like the catalogue; steps by condition; golden plans (de, ar, uk)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from actions.catalogue import DEFAULT_DIRECTORY, CatalogueError, load_catalogue
from actions.i18n import texts
from actions.journeys import plan_answer
from actions.opening_hours import Schedule

CATALOGUE = load_catalogue()
SCHEDULE = Schedule(CATALOGUE)
NOW = SCHEDULE.aware(dt.datetime(2026, 11, 25, 10, 0))
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "plans"
JOURNEYS = {"new_in_beckum", "refugee_arrival", "moving_within_germany", "family_children", "leaving_beckum",
            "baby_born"}  # fmt: skip


def test_the_plan_ids_are_the_contract() -> None:
    assert set(CATALOGUE.journeys) == JOURNEYS


def plan(journey: str, known: dict[str, bool], code: str = "de") -> tuple[str, list[str], str | None]:
    result = plan_answer(texts(code), CATALOGUE, SCHEDULE, CATALOGUE.journeys[journey], NOW, known)
    return result.text, result.services, result.question


def test_unknown_conditions_are_asked_once_and_their_steps_wait() -> None:
    text, services, question = plan("refugee_arrival", {})
    assert question == "asylum_seeker" and text.endswith("Sind Sie noch im Asylverfahren (mit Aufenthaltsgestattung)?")
    assert services == ["registration", "residence_permit", "integration_course", "migration_counselling",
                        "integration_management"]  # fmt: skip
    text, services, question = plan("refugee_arrival", {"children": True, "asylum_seeker": False})
    assert question is None
    assert "citizens_income" in services and "asylum_benefits" not in services and "school_enrolment" in services
    _, services, _ = plan("refugee_arrival", {"children": False, "asylum_seeker": True})
    assert "asylum_benefits" in services and "citizens_income" not in services and "childcare" not in services


def test_steps_are_numbered_with_office_documents_and_deadline() -> None:
    text, _, _ = plan("new_in_beckum", {"non_eu": False, "children": False})
    lines = text.splitlines()
    assert lines[2] == "1. Wohnung anmelden (Anmeldung) – Bürgerbüro"
    assert "   Bis wann: innerhalb von 2 Wochen nach dem Einzug (§ 17 Bundesmeldegesetz)" in lines
    assert any(line.startswith("   Mitbringen: Reisepass oder Personalausweis") for line in lines)


@pytest.mark.parametrize("code", ["de", "ar", "uk"])
def test_plans_match_the_golden_files(code: str) -> None:
    parts = []
    for journey in sorted(JOURNEYS):
        text, _, _ = plan(journey, {"children": True, "non_eu": True, "asylum_seeker": False}, code)
        parts.append(f"### {journey}\n{text}\n")
    rendered = "\n".join(parts)
    path = GOLDEN / f"{code}.txt"
    if os.environ.get("REGENERATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"{path.name}: REGENERATE_GOLDEN=1 and review the diff"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "catalogue")
    return tmp_path / "catalogue"


def edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_step_with_an_unknown_service_names_the_line(data: Path) -> None:
    line = edit(data / "journeys.yml", "      - service: civil_registry\n", "      - service: civil_registery\n")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(data)
    [problem] = raised.value.problems
    assert (problem.file, problem.line) == ("journeys.yml", line)
    assert problem.english.startswith("service: unknown id 'civil_registery'")


def test_an_unknown_condition_is_refused(data: Path) -> None:
    line = edit(data / "journeys.yml", "        when: [non_eu]\n", "        when: [non_european]\n")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(data)
    [problem] = raised.value.problems
    assert problem.line == line and "'non_european' is not allowed" in problem.english
