"""FAQ entries (data/faq/) and the emergency net (data/emergency.yml): validation with file and line,
answers whose facts come from the catalogue, and emergencies answered with 112/110 first."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import languages
from actions.action_emergency import ActionEmergency
from actions.action_faq import ActionAnswerFaq
from actions.base import NOW_VARIABLE
from actions.catalogue import DEFAULT_DIRECTORY, CatalogueError, load_catalogue
from actions.emergency import DEFAULT_FILE as EMERGENCY_FILE
from actions.emergency import read_net
from actions.faq import DEFAULT_DIRECTORY as FAQ_DIRECTORY
from actions.faq import OFFICE_PLACEHOLDER, PLACEHOLDER, fill, load_faq
from actions.i18n import texts
from actions.opening_hours import Schedule
from bot.staff.check import check_emergency, check_faq
from tests.unit.test_actions import message

CATALOGUE = load_catalogue()
ENTRIES = load_faq(FAQ_DIRECTORY, CATALOGUE)
RTL_ISOLATES = str.maketrans("", "", "\u2066\u2069")


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "2026-11-25T10:00")  # a Wednesday


def faq_turn(entry: str, code: str, slots: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    selector = {"faq": {"response": {"intent_response_key": f"faq/{entry}", "confidence": 0.9}}}
    tracker = message("…", "faq", code, slots=slots, response_selector=selector)
    dispatcher = CollectingDispatcher()
    events = ActionAnswerFaq().run(dispatcher, tracker, {})
    return dispatcher.messages[0], {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_at_least_25_entries_with_examples_in_four_languages() -> None:
    assert len(ENTRIES) >= 25
    for entry in ENTRIES.values():
        assert len([c for c, items in entry.examples.items() if len(items) >= 3]) >= 4, entry.id


def test_the_staff_check_finds_nothing_wrong_in_the_shipped_faq() -> None:
    assert [p.for_staff() for p in check_faq()] == []


def test_answers_never_copy_contact_facts_of_the_catalogue() -> None:
    """Phones, e-mails and addresses of offices are placeholders, so the FAQ cannot contradict the catalogue."""
    for entry in ENTRIES.values():
        for office in CATALOGUE.offices.values():
            for fact in (office.phone, office.email, office.address.street if office.address else None):
                assert not fact or fact not in entry.answer, f"{entry.id} copies {fact} of {office.id}"


@pytest.mark.parametrize("code", languages.CODES)
def test_every_entry_answers_in_every_language_with_its_slot(code: str) -> None:
    for entry in ENTRIES.values():
        sent, slots = faq_turn(entry.id, code)
        text = sent["text"]
        assert slots.get("faq") == entry.id and not PLACEHOLDER.search(text.translate(RTL_ISOLATES)), (entry.id, text)
        assert slots.get("service") is None


def test_placeholders_are_filled_from_the_catalogue_as_it_is_now(tmp_path: Path) -> None:
    entry, office_id = next((e, o) for e in ENTRIES.values() for o, f in e.office_placeholders()
                            if f == "phone" and CATALOGUE.offices[o].phone)  # fmt: skip
    old = str(CATALOGUE.offices[office_id].phone)
    sent, _ = faq_turn(entry.id, "de")
    assert old in sent["text"]
    # staff change the phone number in the catalogue: the FAQ answer follows, the FAQ file is untouched
    data = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_DIRECTORY, data)
    offices = data / "offices.yml"
    text = offices.read_text(encoding="utf-8")
    block = text.index(f"- id: {office_id}\n")
    at = text.index("phone: ", block)
    end = text.index("\n", at)
    offices.write_text(text[:at] + "phone: 02521 29-9999" + text[end:], encoding="utf-8")
    changed = load_catalogue(data)
    assert changed.offices[office_id].phone == "02521 29-9999"
    filled = fill(texts("de"), entry.answer, changed, Schedule(changed), dt.datetime(2026, 11, 25, 10, 0))
    assert "02521 29-9999" in filled and old not in filled


def test_a_bad_entry_is_reported_with_file_and_line(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(FAQ_DIRECTORY, faq)
    path = next(iter(sorted(faq.glob("*.yml"))))
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("answer:"))
    lines.insert(number + 1, "  Rufen Sie {citizens_office.fax} an.")  # a placeholder that does not exist
    if lines[number].rstrip().endswith(("|", ">", ">-", "|-")):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        lines[number] = "answer: Rufen Sie {citizens_office.fax} an."
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_faq(faq, CATALOGUE)
    problem = error.value.problems[0]
    assert (problem.file, problem.line) == (f"faq/{path.name}", number + 1)
    assert "{citizens_office.fax}" in problem.german


def test_an_example_that_another_entry_or_a_service_has_is_reported(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(FAQ_DIRECTORY, faq)
    path = sorted(faq.glob("*.yml"))[0]
    text = path.read_text(encoding="utf-8")
    marker = "  de:\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "    - Wie melde ich meinen Wohnsitz an?\n", 1), encoding="utf-8")
    found = check_faq(faq)
    assert any("service_registration" in p.german and p.file == f"faq/{path.name}" and p.line for p in found), found


def test_too_few_examples_is_an_error_with_the_line(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(FAQ_DIRECTORY, faq)
    path = sorted(faq.glob("*.yml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("  de:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    del lines[start + 2 : end]  # one German example left
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_faq(faq)
    assert any(p.file == f"faq/{path.name}" and "deutsche Beispielfragen" in p.german and p.line for p in problems)


def test_office_placeholders_name_offices_of_the_catalogue() -> None:
    for entry in ENTRIES.values():
        for name in PLACEHOLDER.findall(entry.answer):
            parsed = OFFICE_PLACEHOLDER.match(name)
            if parsed:
                assert parsed.group(1) in CATALOGUE.offices and parsed.group(1) in entry.offices


# --------------------------------------------------------------------------- emergencies


def test_the_emergency_net_catches_its_examples_and_stays_quiet_on_ordinary_words() -> None:
    assert [p.for_staff() for p in check_emergency()] == []
    _, _, samples = read_net(EMERGENCY_FILE)
    assert set(samples) == set(languages.CODES)
    assert all(len(s["fires"]) >= 8 and len(s["quiet"]) >= 6 for s in samples.values())


def test_a_broken_pattern_names_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "emergency.yml"
    text = EMERGENCY_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = lines.index("    danger:")  # the first language's list
    lines.insert(number + 1, "      - '(unclosed'")
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems, _ = read_net(broken)
    assert problems and problems[0].line == number + 2 and "(unclosed" in problems[0].german


@pytest.mark.parametrize(
    ("code", "kind", "help_line"),
    [("de", "violence", "116 016"), ("ar", "danger", "116 117"), ("uk", "self_harm", "0800 111 0 111"),
     ("fa", "violence", "116 016"), ("tr", "danger", "116 117"), ("en", "self_harm", "0800 111 0 111")],
)  # fmt: skip
def test_emergency_answer_gives_112_and_110_first(code: str, kind: str, help_line: str) -> None:
    tracker = message("…", "emergency", code, emergency=kind)
    dispatcher = CollectingDispatcher()
    ActionEmergency().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"].translate(RTL_ISOLATES)
    first = text.splitlines()[0]
    assert "112" in first and "110" in first
    assert help_line in text
    assert "02521" not in text  # no town hall line in an emergency
