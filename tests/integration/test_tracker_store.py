"""bot/tracker_store.py on the machine's PostgreSQL: it reads back what Rasa's own query reads."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ThreadedSQLTrackerStore
from tests.integration.servers import POSTGRES, ROOT

ADMIN = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres"


@pytest.fixture
def store() -> Iterator[ThreadedSQLTrackerStore]:
    database = f"stadtlotse_store_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    domain = Domain.load(ROOT / "domain.yml")
    tracker_store = ThreadedSQLTrackerStore(domain=domain, dialect="postgresql", host=POSTGRES[0],
                                            port=POSTGRES[1], username="postgres", db=database)  # fmt: skip
    try:
        yield tracker_store
    finally:
        tracker_store.engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def session(number: int, text: str, at: float) -> list:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at + 0.1),
            ActionExecuted("action_listen", timestamp=at + 0.2),
            UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at + 0.3),
            SlotSet("language", "de", timestamp=at + 0.4),
            ActionExecuted(f"action_{number}", timestamp=at + 0.5)]  # fmt: skip


def test_latest_session_and_all_sessions_as_rasas_query_reads_them(store: ThreadedSQLTrackerStore) -> None:
    asyncio.run(conversation_of_two_sessions(store))


async def conversation_of_two_sessions(store: ThreadedSQLTrackerStore) -> None:
    tracker = DialogueStateTracker.from_events("alice", session(1, "Hallo", 1000.0), store.domain.slots)
    await store.save(tracker)
    tracker = await store.retrieve("alice")
    for event in session(2, "Wo ist das Bürgerbüro?", 2000.0):
        tracker.update(event)
    await store.save(tracker)
    await store.save(DialogueStateTracker.from_events("bob", session(3, "Hi", 1500.0), store.domain.slots))

    for all_sessions in (False, True):
        with store.session_scope() as db:
            expected = [json.loads(row.data) for row in store._event_query(db, "alice", all_sessions).all()]
            got = [json.loads(data) for data in db.execute(store._data_query("alice", all_sessions)).scalars()]
        assert got == expected
        assert len(got) == (5 if not all_sessions else 12)  # from the second session start on, or all

    latest = await store.retrieve("alice")
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["Wo ist das Bürgerbüro?"]
    everything = await store.retrieve_full_tracker("alice")
    assert [e.text for e in everything.events if isinstance(e, UserUttered)] == ["Hallo", "Wo ist das Bürgerbüro?"]
    assert await store.retrieve("nobody") is None
