"""Rasa's SQL tracker store, with its database work off the event loop.

Rasa 3.6's ``SQLTrackerStore`` has ``async`` methods that do blocking SQLAlchemy calls inside: while one
conversation waits for PostgreSQL (the query, the count of stored events, the commit's WAL flush), the
replica's event loop can do nothing else. Under load (tools/loadtest.py, 200 users) a replica was busy
81 % of a core yet saturated: the rest was waiting on the database. Here the same statements run in a
worker thread, so waits overlap with other conversations' work. One conversation is still handled by one
message at a time (the lock store), so nothing about ordering changes.

Configured in deploy/endpoints.yml as ``type: bot.tracker_store.ThreadedSQLTrackerStore``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import INTENT_NAME_KEY
from rasa.shared.core.trackers import DialogueStateTracker


class ThreadedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("type", None)
        super().__init__(*args, **kwargs)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        return await asyncio.to_thread(self._retrieve_blocking, sender_id, fetch_events_from_all_sessions)

    def _retrieve_blocking(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_blocking, tracker)

    def _save_blocking(self, tracker: DialogueStateTracker) -> None:
        """Rasa's own ``save``: append the events the database does not have yet."""
        with self.session_scope() as session:
            for event in list(self._additional_events(session, tracker)):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
