"""Staff tools against the real model and a running action server: preview, hot reload of the catalogue."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from actions.catalogue import DEFAULT_DIRECTORY
from actions.records import Records
from tests.integration.servers import ROOT, free_port, wait_for


def test_preview_at_a_fixed_clock() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.staff", "preview", "Wann hat die Bibliothek offen?", "--lang", "de",
         "--now", "2026-12-24T10:00"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    out = result.stdout
    assert "intent: opening_hours" in out and "-> action_opening_hours" in out
    assert "Heute geschlossen (Schließtag: Heiligabend)." in out
    assert "Nächste Öffnung: Montag, 28. Dezember um 15:00 Uhr." in out


@pytest.fixture()
def action_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """The action server on a working copy of the catalogue; its URL, the copy and its log."""
    catalogue = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_DIRECTORY, catalogue)
    port = free_port()
    log = tmp_path / "actions.log"
    env = {**os.environ, "STADTLOTSE_CATALOGUE": str(catalogue), "STADTLOTSE_NOW": "2026-11-25T10:00"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, timeout=120)
            yield f"http://127.0.0.1:{port}/webhook", catalogue, log
        finally:
            process.terminate()
            process.wait(timeout=15)


def ask_library(url: str) -> str:
    """Run action_opening_hours for 'library hours?' through the action server's HTTP API."""
    latest: dict[str, Any] = {
        "text": "Wann hat die Bibliothek offen?", "intent": {"name": "opening_hours", "confidence": 0.99},
        "intent_ranking": [], "entities": [], "language_ranking": [{"name": "de", "confidence": 0.99}],
        "metadata": {},
    }  # fmt: skip
    tracker = {"sender_id": "staff-test", "slots": {"language": "de"}, "latest_message": latest, "events": [],
               "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    body = {"next_action": "action_opening_hours", "sender_id": "staff-test", "tracker": tracker, "domain": {},
            "version": "3.6.21"}  # fmt: skip
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return str(json.load(response)["responses"][0]["text"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def eventually(check: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def test_hot_reload_takes_a_good_change_and_refuses_a_broken_one(action_server: tuple[str, Path, Path]) -> None:
    url, catalogue, log = action_server
    assert "02521 4252" in ask_library(url)
    edit(catalogue / "offices.yml", "phone: 02521 4252", "phone: 02521 4299")
    assert eventually(lambda: "02521 4299" in ask_library(url)), "the changed phone number did not arrive"

    edit(catalogue / "offices.yml", '"Mo-Fr 08:00-17:00"', '"Mo-Fr 8-17"')
    time.sleep(3)  # longer than the store's check interval
    assert "02521 4299" in ask_library(url)  # the last good data stays in service
    assert eventually(lambda: "Catalogue change refused" in log.read_text(errors="replace"))
    assert "offices.yml:" in log.read_text(errors="replace")


PASSWORD = "staff-secret-42"


def get(url: str, password: str | None = None) -> tuple[int, str]:
    headers = {}
    if password is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"staff:{password}".encode()).decode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture()
def report_server(tmp_path: Path) -> Iterator[str]:
    database = f"sqlite:///{tmp_path / 'records.db'}"
    seeded = Records(database)
    seeded.note("de", None, False, reason="fallback", best_service="housing_benefit",
                text="Wohngeld Antrag, rufen Sie mich an: 0176 12345678 oder max@example.org")
    seeded.note("ar", "registration", True)
    port = free_port()
    env = {**os.environ, "WIDGET_PORT": str(port), "STAFF_PASSWORD": PASSWORD, "STADTLOTSE_RECORDS_DB": database}
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process, timeout=60)
        yield f"http://127.0.0.1:{port}/staff/"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_report_page_behind_its_password(report_server: str) -> None:
    assert get(report_server)[0] == 401
    assert get(report_server, "wrong")[0] == 401
    status, page = get(report_server, PASSWORD)
    assert status == 200 and "Nicht beantwortete Fragen" in page and "<svg" in page
    assert "[Telefon]" in page and "[E-Mail]" in page and "0176" not in page and "max@example.org" not in page
    assert "2 Fragen, davon 1 beantwortet und 1 nicht beantwortet." in page
    status, english = get(report_server + "?lang=en", PASSWORD)
    assert "Questions not answered" in english
    status, csv_text = get(report_server + "unanswered.csv", PASSWORD)
    assert status == 200 and csv_text.splitlines()[0] == "day,language,reason,best_service,text"
    assert "housing_benefit" in csv_text and "0176" not in csv_text
    assert get(report_server + "usage.csv")[0] == 401


def test_the_assistant_keeps_unanswered_questions_redacted(assistant: Any) -> None:
    assistant.send("staff-records-test", "xqzv blorp frumble, von anna@example.org")  # gibberish: not understood
    deadline = time.monotonic() + 10  # the action server writes records after answering
    while not (entries := Records().unanswered_entries()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("[E-Mail]" in e["text"] and "xqzv" in e["text"] for e in entries)
    assert not any("anna@example.org" in e["text"] for e in entries)
