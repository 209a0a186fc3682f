"""Translation gate: the template matches code and data, every catalog is complete and compiled.

Fix a failure with `make translations` (extract, update, compile) and then translate what it reports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from actions import languages
from actions.i18n import LOCALES_DIR, SOURCE_LANGUAGE
from bot.staff.check import plain, translated

ROOT = LOCALES_DIR.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TARGETS = [code for code in languages.CODES if code != SOURCE_LANGUAGE]


def ids(catalog: Catalog) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


def placeholders_kept(message: Message) -> bool:
    """The translation has the source's placeholders; plural forms may spell out the count ({n})."""
    source = set(PLACEHOLDER.findall(str(message.id)))
    if not isinstance(message.string, tuple):
        return set(PLACEHOLDER.findall(str(message.string))) == source
    return all(source - {"n"} <= set(PLACEHOLDER.findall(form)) <= source for form in message.string)


def po(code: str) -> Catalog:
    with open(LOCALES_DIR / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def template() -> Catalog:
    with open(LOCALES_DIR / "messages.pot", "rb") as handle:
        return read_po(handle)


def test_template_is_up_to_date_with_code_and_data(template: Catalog, tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-o", str(fresh),
         "--no-wrap", "--add-comments=Translators:", "."],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    with open(fresh, "rb") as handle:
        extracted = ids(read_po(handle))
    assert extracted == ids(template), "locales/messages.pot is stale: run `make translations`"


@pytest.mark.parametrize("code", TARGETS)
def test_catalog_is_complete(code: str, template: Catalog) -> None:
    catalog = po(code)
    missing = sorted(ids(template) - {str(m.id) for m in catalog if m.id and translated(m)})
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    obsolete = sorted(str(m) for m in catalog.obsolete)
    assert not missing, f"{code}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert not fuzzy, f"{code}: fuzzy (check and clear the flag): {fuzzy[:3]}"
    assert not obsolete, f"{code}: obsolete entries left: {obsolete[:3]}"


@pytest.mark.parametrize("code", TARGETS)
def test_placeholders_are_kept(code: str) -> None:
    wrong = [str(m.id) for m in po(code) if m.id and translated(m) and not placeholders_kept(m)]
    assert not wrong, f"{code}: placeholders changed in {wrong}"


@pytest.mark.parametrize("code", TARGETS)
def test_compiled_catalog_matches_the_po_file(code: str) -> None:
    mo_path = LOCALES_DIR / code / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path} missing: run `make translations`"
    with open(mo_path, "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    source = {plain(m.id): plain(m.string) for m in po(code) if m.id and translated(m) and not m.fuzzy}
    assert compiled == source, f"{mo_path} is stale: run `make translations`"


def test_staff_template_and_english_staff_catalog(tmp_path: Path) -> None:
    """Messages for staff (make check, reports): German source, English catalog complete and compiled."""
    from bot.staff.check import check_catalog_file

    fresh = tmp_path / "staff.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel-staff.cfg", "-o", str(fresh),
         "-k", "S_", "-k", "staff_text", "--no-default-keywords", "--no-wrap", "."],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    with open(fresh, "rb") as new, open(LOCALES_DIR / "staff.pot", "rb") as old:
        assert ids(read_po(new)) == ids(read_po(old)), "locales/staff.pot is stale: run `make translations`"
    problems = check_catalog_file(LOCALES_DIR / "en" / "LC_MESSAGES" / "staff.po", "en/staff.po")
    assert not problems, [p.for_staff() for p in problems]
