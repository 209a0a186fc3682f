"""Rasa's SQL tracker store, with its database work off the event loop.

Rasa 3.6's ``SQLTrackerStore`` has ``async`` methods that do blocking SQLAlchemy calls inside: while one
conversation waits for PostgreSQL (the query, the count of stored events, the commit's WAL flush), the
replica's event loop can do nothing else. Under load (tools/loadtest.py, 200 users) a replica was busy
81 % of a core yet saturated: the rest was waiting on the database. Here the same statements run in a
worker thread, so waits overlap with other conversations' work. One conversation is still handled by one
message at a time (the lock store), so nothing about ordering changes. Two more measured savings: the new
events go in as one multi-row INSERT instead of one ORM object each, and the count query Rasa runs before
every save (how many events of this session are stored?) is answered from the retrieval just before it
(or, for a new conversation, from that retrieval having found nothing) and from the last save.

Configured in deploy/endpoints.yml as ``type: bot.tracker_store.ThreadedSQLTrackerStore``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

STORED = "_stadtlotse_stored_events"


class ThreadedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("type", None)
        super().__init__(*args, **kwargs)
        self._without_events: set[str] = set()  # senders whose last retrieval found nothing stored

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        return await asyncio.to_thread(self._retrieve_blocking, sender_id, fetch_events_from_all_sessions)

    def _retrieve_blocking(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = session.execute(self._data_query(sender_id, fetch_events_from_all_sessions)).scalars()
            events = [json.loads(data) for data in rows]
        if not events:  # nothing stored at all (a session start would have been found)
            self._without_events.add(sender_id)
            return None
        self._without_events.discard(sender_id)
        if not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            # How many of this tracker's events the database has: what Rasa's save would count again with a
            # query. Kept up to date by every save (the lock keeps other writers out meanwhile).
            setattr(tracker, STORED, len(events))
        return tracker

    def _data_query(self, sender_id: str, fetch_events_from_all_sessions: bool) -> sa.Select:
        """Rasa's ``_event_query`` (the events since the latest session start, or all of them, in the order
        they were stored) as a Core query of the ``data`` column only: no ORM object per row, which was
        a third of the retrieval's CPU."""
        events = self.SQLEvent.__table__
        query = sa.select(events.c.data).where(events.c.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            session_start = (
                sa.select(sa.func.max(events.c.timestamp))
                .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            query = query.where(sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        return query.order_by(events.c.id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_blocking, tracker)

    def _save_blocking(self, tracker: DialogueStateTracker) -> None:
        """Rasa's own ``save`` (append the events the database does not have yet), as one multi-row INSERT."""
        with self.session_scope() as session:
            stored = tracker.__dict__.get(STORED)
            if stored is None and tracker.sender_id in self._without_events:
                stored = 0  # a new conversation: Rasa creates and saves it before the first message
            if stored is None:
                new_events = list(self._additional_events(session, tracker))
            else:
                new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            rows = []
            for event in new_events:
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })  # fmt: skip
            if rows:
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()
        self._without_events.discard(tracker.sender_id)
        setattr(tracker, STORED, len(tracker.events))
