"""Preview: what would the assistant answer to this question, in this language, at this date and time?

Runs the newest trained model's NLU and then the same custom action the server would run, on the
catalogue files as they are now (``--catalogue`` for a working copy), with a fixed clock. Nothing is
stored and no server is needed, so staff can check a change before it goes live.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import languages
from bot.launcher import newest_model

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "data" / "rules.yml"
FALLBACK_ACTION = "action_clarify"


@dataclass
class Preview:
    intent: str
    confidence: float
    action: str
    language: str
    text: str
    buttons: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


def action_for(intent: str) -> str:
    """The action the rules in data/rules.yml run for ``intent`` (the fallback action otherwise)."""
    for rule in yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]:
        steps = rule.get("steps") or []
        if len(steps) >= 2 and steps[0].get("intent") == intent and "action" in steps[1]:
            return str(steps[1]["action"])
    return FALLBACK_ACTION


def actions_by_name() -> dict[str, Callable[..., list[dict[str, Any]]]]:
    """Every custom action's ``run``, registered the way the action server does it."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    return dict(executor.actions)


async def parse(text: str, model: Path) -> dict[str, Any]:
    import logging

    import structlog
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    agent = Agent.load(str(model))
    return dict(await agent.parse_message(text))


def preview(text: str, language: str | None = None, now: dt.datetime | None = None,
            catalogue: Path | None = None, model: Path | None = None) -> Preview:  # fmt: skip
    """The answer the assistant would give to ``text`` as the first message of a conversation."""
    if now is not None:
        os.environ["STADTLOTSE_NOW"] = now.isoformat(timespec="minutes")
    if catalogue is not None:
        os.environ["STADTLOTSE_CATALOGUE"] = str(catalogue)
    message = asyncio.run(parse(text, model or newest_model()))
    message["metadata"] = {"language": language} if language else {}
    intent = str((message.get("intent") or {}).get("name") or "nlu_fallback")
    name = action_for(intent)
    slots = {"language": language} if language else {}
    tracker = Tracker("preview", slots, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = actions_by_name()[name](dispatcher, tracker, {})
    sent = dispatcher.messages[0] if dispatcher.messages else {}
    set_slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return Preview(
        intent=intent,
        confidence=float((message.get("intent") or {}).get("confidence") or 0.0),
        action=name,
        language=str(set_slots.get("language") or language or languages.DEFAULT),
        text=str(sent.get("text") or ""),
        buttons=[str(b.get("title")) for b in sent.get("buttons") or []],
        slots=set_slots,
    )
