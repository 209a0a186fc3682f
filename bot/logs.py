"""Logs in production: one JSON object per line, sender ids hashed, never a message text.

Every process of the production topology (Rasa replicas, action servers, balancer, widget backend,
Telegram bot) logs through ``json_formatter``: our own processes call ``configure()``, Rasa and the action
server read ``deploy/logging.yml`` (``--logging-config-file``). The rendering is structlog's (a Rasa
dependency); Rasa's own structlog events arrive already as JSON and are merged, not wrapped.

Personal data: a ``sender`` / ``sender_id`` / ``session`` field is replaced by a keyed hash
(``STADTLOTSE_LOG_KEY``; the production launcher makes one per run and gives it to every process, so the
same person has the same hash in every process's log, and no hash can be looked up across runs).
Message texts are never logged at INFO by our code; a test sends marked texts and searches the logs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from typing import Any

import structlog

LOG_FORMAT_VARIABLE = "STADTLOTSE_LOG_FORMAT"  # "json" or "text"
LOG_KEY_VARIABLE = "STADTLOTSE_LOG_KEY"
PERSONAL_KEYS = ("sender", "sender_id", "session", "conversation_id")
# Fields in which Rasa's structlog events carry what people wrote (its own list of "anonymizable" keys,
# which Rasa only cleans when a paid anonymisation pipeline is configured) — dropped here, always.
TEXT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response", "slot_candidates",
    "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states", "successes", "current_entity",
    "next_entity", "states", "entity", "token_text", "user_message", "json_message", "utter_action",
})  # fmt: skip


def pseudonym(value: object) -> str:
    """A short keyed hash of a sender id: the same in every process of one deployment."""
    key = os.environ.get(LOG_KEY_VARIABLE, "").encode()[:64]
    return hashlib.blake2b(str(value).encode(), key=key, digest_size=8).hexdigest()


def _hash_senders(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in PERSONAL_KEYS:
        if key in event and event[key] is not None:
            event[key] = pseudonym(event[key])
    return event


def _drop_texts(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """No message text in a log line: text fields go, and tracebacks keep their type and message but not the
    local variables of every frame (structlog's dict tracebacks include them, the user's text among them)."""
    for key in TEXT_KEYS & event.keys():
        event[key] = "[not logged]"
    exception = event.get("exception")
    if isinstance(exception, list):
        event["exception"] = [
            {"type": item.get("exc_type"), "value": _scrub(item.get("exc_value"))}
            for item in exception
            if isinstance(item, dict)
        ]
    for key in ("event", "exception", "exc_info"):
        if isinstance(event.get(key), str):
            event[key] = _scrub(event[key])
    return event


# SQLAlchemy errors quote the statement's parameters: the saved event, with the text and the sender id.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?(?=\(Background on this error|\Z)", re.DOTALL)


def _scrub(value: Any) -> Any:
    return _SQL_PARAMETERS.sub("[parameters not logged]\n", value) if isinstance(value, str) else value


def _merge_json_message(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Rasa's structlog events come as a JSON string: take their fields instead of quoting them."""
    message = event.get("event")
    if isinstance(message, str) and message.startswith("{"):
        try:
            inner = json.loads(message)
        except ValueError:
            return event
        if isinstance(inner, dict):
            inner.pop("timestamp", None)
            event.pop("event")
            event.update({k: v for k, v in inner.items() if k not in event or k == "event"})
    return event


class _ServiceName:
    def __init__(self, service: str):
        self.service = service

    def __call__(self, _logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", self.service)
        return event


def json_formatter(service: str | None = None) -> logging.Formatter:
    """A stdlib formatter that writes one JSON object per record (used by ``deploy/logging.yml`` too)."""
    logging.captureWarnings(True)  # library warnings become records (py.warnings), not stray text lines
    name = service or os.environ.get("STADTLOTSE_SERVICE") or os.path.basename(sys.argv[0] or "python")
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _merge_json_message,
            _drop_texts,
            _hash_senders,
            _ServiceName(name),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def configure(service: str, level: int = logging.INFO) -> None:
    """Root logging for one of our processes: JSON when ``STADTLOTSE_LOG_FORMAT=json``, else readable text."""
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get(LOG_FORMAT_VARIABLE, "text").lower() == "json":
        handler.setFormatter(json_formatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.ERROR)
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
