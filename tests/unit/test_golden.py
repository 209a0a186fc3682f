"""Golden files: the rendered answers per language, so a change in code, data or catalogs shows as a diff.

After an intended change, regenerate and review the diff:  REGENERATE_GOLDEN=1 make test-fast
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actions import languages
from actions.action_handoff import ActionHumanHandoff
from actions.action_opening_hours import ActionOpeningHours
from actions.action_service import ActionAnswerService
from actions.base import NOW_VARIABLE
from tests.unit.test_actions import message, run

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = os.environ.get("REGENERATE_GOLDEN") == "1"


def rendered(code: str) -> str:
    """Three answers that use most texts: a service, opening hours on a closure day, the way to a person."""
    parts = []
    for title, action, intent, text in (
        ("service registration", ActionAnswerService(), "service_registration", "…"),
        ("opening hours, library, tomorrow", ActionOpeningHours(), "opening_hours", "bücherei morgen"),
        ("human handoff", ActionHumanHandoff(), "human_handoff", "…"),
    ):
        sent, _ = run(action, message(text, intent, code))
        parts.append(f"### {title}\n{sent['text']}\n")
    return "\n".join(parts)


@pytest.mark.parametrize("code", languages.CODES)
def test_rendered_answers_match_the_golden_file(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "2026-12-23T17:30")  # Wednesday; tomorrow is Christmas Eve (closure day)
    path = GOLDEN / f"{code}.txt"
    text = rendered(code)
    if REGENERATE or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the rendered answers; if the change is intended: "
        "REGENERATE_GOLDEN=1 make test-fast, then review `git diff tests/golden`"
    )
