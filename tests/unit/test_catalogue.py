"""Catalogue loading: the real data loads; every class of mistake names file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from actions.catalogue import DEFAULT_DIRECTORY, CatalogueError, CatalogueStore, load_catalogue

SERVICES = {
    "registration", "deregistration", "id_documents", "residence_permit", "naturalisation", "asylum_benefits",
    "citizens_income", "housing_benefit", "social_housing", "childcare", "school_enrolment", "child_benefit",
    "integration_course", "migration_counselling", "interpreter", "driving_licence", "civil_registry",
    "certificate_of_conduct", "lost_property", "waste_collection", "leisure", "library", "integration_management",
}  # fmt: skip
OFFICES = {
    "citizens_office", "foreigners_office", "jobcenter", "social_welfare_office", "youth_welfare_office",
    "registry_office", "library", "town_hall",
}  # fmt: skip


def test_the_real_catalogue_loads_with_the_contract_ids() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.services) == SERVICES
    assert set(catalogue.offices) >= OFFICES
    assert catalogue.contact.id == "town_hall"
    for service in catalogue.services.values():
        assert service.office in catalogue.offices
        assert service.checked is not None and service.sources, service.id


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def replace(path: Path, old: str, new: str) -> int:
    """Edit a data file like a staff member would; return the 1-based line of the change."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def problems(directory: Path) -> list[str]:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(directory)
    return [str(p) for p in raised.value.problems]


def test_yaml_syntax_error_names_the_line(data: Path) -> None:
    line = replace(data / "offices.yml", "    phone: 02521 4252\n", "    phone: [02521 4252\n")
    [problem] = problems(data)
    assert problem.startswith("offices.yml:")
    assert "YAML syntax error" in problem and "indentation" in problem
    assert abs(int(problem.split(":")[1]) - line) <= 1


def test_invalid_opening_hours_name_line_and_example(data: Path) -> None:
    line = replace(data / "offices.yml", '"Mo-Fr 08:00-17:00"', '"Mo-Fr 8-17"')
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(data)
    assert raised.value.problems[0].for_staff() == (
        f"offices.yml, Zeile {line}: opening_hours: „Mo-Fr 8-17“ ist keine gültige Öffnungszeit – "
        "Beispiel: „Mo-Fr 08:00-12:00; Th 08:00-12:00,14:00-17:00“\n"
        f"    offices.yml, line {line}: opening_hours: 'Mo-Fr 8-17' is not a valid opening_hours expression – "
        "example: 'Mo-Fr 08:00-12:00; Th 08:00-12:00,14:00-17:00'"
    )
    assert problems(data) == [
        f"offices.yml:{line}: opening_hours: 'Mo-Fr 8-17' is not a valid opening_hours expression – "
        "example: 'Mo-Fr 08:00-12:00; Th 08:00-12:00,14:00-17:00'"
    ]


def test_misspelt_field_is_refused(data: Path) -> None:
    line = replace(data / "offices.yml", '    phone_hours: "Mo-Fr 08:00-18:00"', '    phone_hour: "Mo-Fr 08:00-18:00"')
    [problem] = problems(data)
    assert problem.startswith(f"offices.yml:{line}: phone_hour: there is no such field (a typo?). Allowed: ")
    assert "phone_hours" in problem


def test_unknown_office_in_a_service(data: Path) -> None:
    line = replace(data / "services.yml", "office: registry_office", "office: registry_ofice")
    [problem] = problems(data)
    assert problem.startswith(f"services.yml:{line}: office: unknown id 'registry_ofice'. Known: ")


def test_unknown_document(data: Path) -> None:
    line = replace(data / "services.yml", "documents: [tax_id,", "documents: [tax_number,")
    [problem] = problems(data)
    assert problem.startswith(f"services.yml:{line}: documents: unknown id 'tax_number'")


def test_duplicate_id(data: Path) -> None:
    line = replace(data / "documents.yml", "  - id: passport\n", "  - id: identity_document\n")
    [problem] = problems(data)
    assert problem == f"documents.yml:{line}: The id 'identity_document' is used twice. Every id may exist only once."


def test_malformed_phone_and_email(data: Path) -> None:
    phone = replace(data / "offices.yml", "phone: 02521 4252", "phone: call us")
    email = replace(data / "offices.yml", "email: buecherei@beckum.de", "email: buecherei at beckum.de")
    found = problems(data)
    assert found[0] == f"offices.yml:{phone}: phone: 'call us' is not a phone number – example: '02521 29-3333'"
    assert found[1].startswith(f"offices.yml:{email}: email: 'buecherei at beckum.de' is not an e-mail address")


def test_bad_postcode_points_into_the_address(data: Path) -> None:
    street = "      street: Clemens-August-Straße 27\n"
    line = replace(data / "offices.yml", street + '      postcode: "59269"', street + '      postcode: "5926"')
    expected = f"offices.yml:{line + 1}: address.postcode: '5926' is not a postcode – five digits"
    assert problems(data)[0].startswith(expected)


def test_closure_needs_exactly_one_rule(data: Path) -> None:
    replace(data / "closures.yml", '    every_year: "12-31"\n', '    every_year: "12-31"\n    date: 2026-12-31\n')
    record = replace(data / "closures.yml", "  - name: Silvester", "  - name: Silvester")
    [problem] = problems(data)
    assert problem == f"closures.yml:{record}: Give exactly one rule: date, every_year or easter."


def test_unverified_must_name_a_field(data: Path) -> None:
    line = replace(data / "services.yml", "unverified: [web]", "unverified: [website]")
    [problem] = problems(data)
    assert problem.startswith(f"services.yml:{line}: unverified.0: 'website' is not a field of this record")


def test_missing_and_non_utf8_files(data: Path) -> None:
    (data / "closures.yml").unlink()
    (data / "documents.yml").write_bytes("documents:\n  - id: x\n    name: Stra\xdfe\n".encode("latin-1"))
    assert set(problems(data)) == {
        "closures.yml: The file is missing.",
        "documents.yml:3: The file is not saved as UTF-8 text. Save it as UTF-8.",
    }


def test_wrong_top_level_key(data: Path) -> None:
    replace(data / "documents.yml", "documents:\n", "dokumente:\n")
    assert problems(data) == ["documents.yml:1: The file must start with 'documents:'."]


def test_store_keeps_the_last_good_catalogue_and_reloads_good_changes(data: Path) -> None:
    store = CatalogueStore(data, check_interval=0)
    assert store.get().offices["library"].phone == "02521 4252"
    replace(data / "offices.yml", '"Mo-Fr 08:00-17:00"', '"Mo-Fr 8-17"')
    assert store.get().offices["library"].phone == "02521 4252"  # broken change refused
    assert store.last_error is not None and "Mo-Fr 8-17" in str(store.last_error)
    replace(data / "offices.yml", '"Mo-Fr 8-17"', '"Mo-Fr 08:00-16:00"')
    replace(data / "offices.yml", "phone: 02521 4252", "phone: 02521 4253")
    assert store.get().offices["library"].phone == "02521 4253"
    assert store.last_error is None


def test_an_office_that_is_not_the_citys_needs_its_authority(data: Path) -> None:
    district = "    operator: district\n"
    replace(data / "offices.yml", district + "    authority: Kreis Warendorf\n", district)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(data)
    [problem] = raised.value.problems
    assert problem.file == "offices.yml" and "authority: Kreis Warendorf" in problem.german
    assert problem.english.startswith("This office does not belong to the city (operator: district)")
