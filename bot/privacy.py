"""Personal data in the tracker store: erase one person's conversation, delete old conversations.

Works on the tracker store that ``endpoints.yml`` configures for the Rasa server (SQLite by default,
PostgreSQL or Redis in production), through Rasa's own tracker store classes, so both always agree
on where conversations live. Rasa's HTTP API has no "delete conversation" call; this is it.

    python -m bot.privacy purge --days 30      # what a daily cron job runs
    python -m bot.privacy erase <sender id>    # GDPR erasure by hand
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from actions.retention import DEFAULT_RETENTION_DAYS, RETENTION_VARIABLE, retention_days  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS_VARIABLE = "STADTLOTSE_ENDPOINTS"

logger = logging.getLogger(__name__)


class UnsupportedStoreError(Exception):
    """The configured tracker store cannot be reached from outside the Rasa process."""


class ConversationStore:
    """The tracker store of ``endpoints.yml``, opened lazily on first use."""

    def __init__(self, endpoints: Path | str | None = None):
        self.endpoints = Path(endpoints or os.environ.get(ENDPOINTS_VARIABLE) or ROOT / "endpoints.yml")
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            from rasa.core.tracker_store import TrackerStore
            from rasa.core.utils import AvailableEndpoints

            from bot.environment import fill_production_defaults

            fill_production_defaults()  # deploy/endpoints.yml reads them; cron jobs may not set them all

            config = AvailableEndpoints.read_endpoints(str(self.endpoints)).tracker_store
            store = TrackerStore.create(config)
            self._store = getattr(store, "_tracker_store", store)  # unwrap Rasa's async adapter
        return self._store

    def erase(self, sender_id: str) -> int:
        """Delete everything stored about ``sender_id``; the number of records removed."""
        store = self.store
        kind, kinds = type(store).__name__, {cls.__name__ for cls in type(store).__mro__}
        if "SQLTrackerStore" in kinds:
            with store.session_scope() as session:
                removed = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
                session.commit()
            return int(removed)
        if "RedisTrackerStore" in kinds:
            return int(store.red.delete(store.key_prefix + sender_id))
        raise UnsupportedStoreError(self._unsupported(kind))

    def purge(self, days: int) -> int:
        """Delete every conversation whose last event is older than ``days`` days; how many."""
        cutoff = time.time() - days * 86400
        store = self.store
        kind, kinds = type(store).__name__, {cls.__name__ for cls in type(store).__mro__}
        if "SQLTrackerStore" in kinds:
            import sqlalchemy as sa

            event = store.SQLEvent
            with store.session_scope() as session:
                old = (
                    session.query(event.sender_id)
                    .group_by(event.sender_id)
                    .having(sa.func.max(event.timestamp) < cutoff)
                    .all()
                )
                senders = [sender for (sender,) in old]
                for start in range(0, len(senders), 500):
                    chunk = senders[start : start + 500]
                    session.query(event).filter(event.sender_id.in_(chunk)).delete(synchronize_session=False)
                session.commit()
            return len(senders)
        if "RedisTrackerStore" in kinds:
            removed = 0
            for key in store.red.scan_iter(store.key_prefix + "*"):
                if _last_timestamp(store.red.get(key)) < cutoff:
                    removed += int(store.red.delete(key))
            return removed
        raise UnsupportedStoreError(self._unsupported(kind))

    def _unsupported(self, kind: str) -> str:
        return (
            f"The tracker store in {self.endpoints} is a {kind}; conversations can only be erased from an SQL "
            "(SQLite, PostgreSQL) or Redis tracker store. Configure one of those in the tracker_store section."
        )


def _last_timestamp(serialised: Any) -> float:
    try:
        events = json.loads(serialised).get("events") or []
        return max(float(e.get("timestamp") or 0) for e in events) if events else 0.0
    except (TypeError, ValueError, AttributeError):
        return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Erase or expire stored conversations.")
    parser.add_argument("--endpoints", help=f"endpoints file (default: ${ENDPOINTS_VARIABLE} or endpoints.yml)")
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge", help="delete conversations older than the retention period")
    purge.add_argument("--days", type=int, help=f"default: ${RETENTION_VARIABLE} or {DEFAULT_RETENTION_DAYS}")
    purge.add_argument("--quiet", action="store_true", help="print only when something was deleted")
    erase = commands.add_parser("erase", help="delete one conversation (GDPR erasure)")
    erase.add_argument("sender_id")
    args = parser.parse_args(argv)
    from bot import logs

    logs.configure("retention", logging.WARNING)  # JSON in production; library warnings not printed
    store = ConversationStore(args.endpoints)
    try:
        if args.command == "purge":
            days = args.days if args.days is not None else retention_days()
            deleted = store.purge(days)
            if deleted or not args.quiet:
                print(f"Deleted {deleted} conversation(s) older than {days} days.")
            from actions.records import records

            expired = records().purge()
            if expired or not args.quiet:
                print(f"Deleted {expired} unanswered question(s) past their retention period.")
        else:
            removed = store.erase(args.sender_id)
            print(f"Erased {removed} record(s) of {args.sender_id}." if removed else "Nothing stored for that id.")
    except UnsupportedStoreError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
