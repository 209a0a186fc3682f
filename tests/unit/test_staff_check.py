"""``make check``: each class of staff mistake in a broken copy of the real files, with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from actions.catalogue import DEFAULT_DIRECTORY, Problem
from actions.i18n import LOCALES_DIR
from bot.staff.__main__ import main
from bot.staff.check import NLU_DIR, check_all, check_catalog_file, check_nlu


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """A copy of catalogue, catalogs and training data that a test may break."""
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "catalogue")
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    shutil.copytree(NLU_DIR, tmp_path / "data" / "nlu")
    return tmp_path


def edit(path: Path, old: str, new: str) -> int:
    """Change ``old`` to ``new`` like a staff member would; the 1-based line of the change."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def run(copy: Path) -> list[Problem]:
    return check_all(copy / "catalogue", copy / "locales", copy / "data" / "nlu").problems


def test_the_real_files_are_fine() -> None:
    report = check_all()
    assert report.errors == [], [p.for_staff() for p in report.errors]


def test_cli_exit_code_and_bilingual_message(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(copy / "catalogue" / "offices.yml", '"Mo-Fr 08:00-17:00"', '"Mo-Fr 8-12"')
    code = main(["check", "--catalogue", str(copy / "catalogue"), "--locales", str(copy / "locales"),
                 "--nlu", str(copy / "data" / "nlu")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert f"offices.yml, Zeile {line}: opening_hours: „Mo-Fr 8-12“ ist keine gültige Öffnungszeit" in out
    assert f"offices.yml, line {line}: opening_hours: 'Mo-Fr 8-12' is not a valid opening_hours expression" in out
    assert "1 Fehler, 0 Hinweise." in out and "1 error(s), 0 warning(s)." in out


def test_links_and_contacts(copy: Path) -> None:
    web = edit(copy / "catalogue" / "offices.yml", "web: https://www.beckum.de\n", "web: www.beckum.de\n")
    email = edit(copy / "catalogue" / "offices.yml", "email: stadt@beckum.de", "email: stadt(at)beckum.de")
    found = {(p.file, p.line): p.german for p in run(copy)}
    assert "muss mit „https://“ beginnen" in found[("offices.yml", web)]
    assert "ist keine E-Mail-Adresse" in found[("offices.yml", email)]


def catalog(copy: Path, code: str = "fr") -> Path:
    return copy / "locales" / code / "LC_MESSAGES" / "messages.po"


def test_broken_po_file_names_the_line(copy: Path) -> None:
    line = edit(catalog(copy), 'msgstr "Choisir la langue"', 'msgtsr "Choisir la langue"')
    [found] = check_catalog_file(catalog(copy), "fr.po")
    assert found.line == line and "Übersetzungsdatei ist beschädigt" in found.german


def test_placeholder_changed_by_a_translator(copy: Path) -> None:
    line = edit(catalog(copy), 'msgstr "Où\u00a0: {office}"', 'msgstr "Où\u00a0: {bureau}"')
    found = [p for p in check_catalog_file(catalog(copy), "fr.po") if "Platzhalter" in p.german]
    assert [p.line for p in found] == [line - 1]  # the entry's msgid line
    assert "erwartet office, gefunden bureau" in found[0].german


def test_missing_and_outdated_translations_are_warnings(copy: Path) -> None:
    missing = edit(catalog(copy), 'msgstr "Choisir la langue"', 'msgstr ""')
    outdated = edit(catalog(copy), 'msgid "Wo: {office}"', '#, fuzzy\nmsgid "Wo: {office}"')
    found = {p.german.split(" ")[1]: p for p in check_catalog_file(catalog(copy), "fr.po") if p.severity == "warning"}
    assert found["Texte"].line == missing - 1  # the entry starts at its msgid line
    assert found["Übersetzungen"].line == outdated + 1


def test_stale_compiled_catalog_is_an_error(copy: Path) -> None:
    edit(catalog(copy), 'msgstr "Choisir la langue"', 'msgstr "Choisissez la langue"')
    [found] = check_catalog_file(catalog(copy), "fr.po")
    assert found.severity == "error" and "make translations" in found.german and found.english.endswith("'.")


def test_nlu_mistakes_name_file_and_line(copy: Path) -> None:
    nlu = copy / "data" / "nlu"
    duplicate = edit(nlu / "en.yml", "    - bye\n", "    - hello\n")  # already a greeting
    language = edit(nlu / "de.yml", "    language: de\n", "    language: en\n") - 2
    unknown = edit(nlu / "fr.yml", "- intent: greet\n", "- intent: greeting\n")
    problems = check_nlu(nlu, catalogue_dir=copy / "catalogue")
    found = {(p.file.split("/")[-1], p.line, p.german.split(" ")[1]) for p in problems}
    assert ("en.yml", duplicate, "Beispiel") in found
    assert ("de.yml", language, "Block") in found
    assert ("fr.yml", unknown, "Absicht") in found


def test_nlu_yaml_error(copy: Path) -> None:
    nlu = copy / "data" / "nlu"
    line = edit(nlu / "pl.yml", "- intent: greet\n", "- intent: [greet\n")
    [found] = [p for p in check_nlu(nlu, catalogue_dir=copy / "catalogue") if p.file.endswith("pl.yml")]
    assert "YAML" in found.german and abs((found.line or 0) - line) <= 2
