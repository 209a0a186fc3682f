"""Erasing one conversation and expiring old ones, on a real SQLite tracker store (Rasa's own classes)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.privacy import ConversationStore, UnsupportedStoreError, main, retention_days

DAY = 86400.0


@pytest.fixture()
def conversations(tmp_path: Path) -> ConversationStore:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n")
    return ConversationStore(endpoints)


def add_events(conversations: ConversationStore, sender: str, *ages_in_days: float) -> None:
    store = conversations.store
    with store.session_scope() as session:
        for age in ages_in_days:
            session.add(store.SQLEvent(sender_id=sender, type_name="user", timestamp=time.time() - age * DAY,
                                       data="{}"))  # fmt: skip
        session.commit()


def senders(conversations: ConversationStore) -> dict[str, int]:
    store = conversations.store
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent.sender_id).all()
    counts: dict[str, int] = {}
    for (sender,) in rows:
        counts[sender] = counts.get(sender, 0) + 1
    return counts


def test_erase_removes_one_conversation_only(conversations: ConversationStore) -> None:
    add_events(conversations, "tg-a", 1, 0.5, 0)
    add_events(conversations, "tg-b", 0)
    assert conversations.erase("tg-a") == 3
    assert senders(conversations) == {"tg-b": 1}
    assert conversations.erase("tg-a") == 0


def test_purge_keeps_conversations_with_recent_activity(conversations: ConversationStore) -> None:
    add_events(conversations, "old", 40, 35)
    add_events(conversations, "returning", 40, 2)
    add_events(conversations, "new", 1)
    assert conversations.purge(30) == 1
    assert senders(conversations) == {"returning": 2, "new": 1}


def test_in_memory_store_cannot_be_erased_from_outside(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    with pytest.raises(UnsupportedStoreError, match="endpoints.yml.*InMemoryTrackerStore"):
        ConversationStore(endpoints).erase("x")


def test_command_line(conversations: ConversationStore, capsys: pytest.CaptureFixture[str]) -> None:
    add_events(conversations, "old", 10)
    assert main(["--endpoints", str(conversations.endpoints), "purge", "--days", "5"]) == 0
    assert "Deleted 1 conversation(s) older than 5 days." in capsys.readouterr().out


@pytest.mark.parametrize(("value", "days"), [("", 30), ("7", 7)])
def test_retention_days(monkeypatch: pytest.MonkeyPatch, value: str, days: int) -> None:
    monkeypatch.setenv("STADTLOTSE_RETENTION_DAYS", value)
    assert retention_days() == days


@pytest.mark.parametrize("value", ["thirty", "0"])
def test_retention_days_errors(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("STADTLOTSE_RETENTION_DAYS", value)
    with pytest.raises(SystemExit, match="STADTLOTSE_RETENTION_DAYS"):
        retention_days()
