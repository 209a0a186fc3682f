"""Liveness and readiness of a Rasa replica, as a Rasa input channel (``deploy/credentials.yml``).

    GET /webhooks/health/live    200 while the process serves HTTP
    GET /webhooks/health/ready   200 once the model is loaded *and* warmed up, else 503

Rasa's own ``/`` answers as soon as Sanic listens, and ``/status`` belongs to the HTTP API, which is off in
production. The warm-up parses a few messages in different scripts, so that the first real user does not
pay for lazy loading (tokenizer tables, language identification, classifier caches), then moves the loaded
model out of the garbage collector's sight (``gc.freeze``: a full collection took 250 ms otherwise). The balancer sends
traffic to a replica only while ``ready`` says 200.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

WARM_UP = ("Hallo", "Wo melde ich mich an?", "Is the town hall open today?", "أين مكتب الأجانب؟", "Де Jobcenter?")


EXPECTED_STORES = "STADTLOTSE_EXPECTED_STORES"  # "TrackerStoreClass,LockStoreClass", set by bot/production.py


def wrong_stores(agent: Any) -> str | None:
    """Why this replica must not serve, if its stores are not the configured ones.

    Rasa falls back to in-memory stores with only a warning when a configured store class cannot be
    imported; such a replica answers, but keeps conversations to itself. Production says which classes
    it configured, and a replica with others stops at once with this message.
    """
    expected = [name for name in os.environ.get(EXPECTED_STORES, "").split(",") if name]
    if not expected:
        return None
    tracker_store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)  # Rasa's wrappers
    tracker_store = getattr(tracker_store, "_tracker_store", tracker_store)
    actual = [type(tracker_store).__name__, type(agent.lock_store).__name__]
    if actual != expected:
        return (
            f"Stores are {', '.join(actual)} instead of {', '.join(expected)}: a configured store could not be "
            "loaded (see the warning above). This replica stops instead of keeping conversations in its memory."
        )
    return None


class HealthChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("stadtlotse_health", __name__)
        state: dict[str, Any] = {"ready": False, "since": None}

        @health.listener("after_server_start")
        async def warm_up(app: Any, _loop: Any) -> None:
            started = time.monotonic()
            agent = getattr(app.ctx, "agent", None)
            while agent is None or not agent.is_ready():  # the model loads in before_server_start
                await asyncio.sleep(0.2)
                agent = getattr(app.ctx, "agent", None)
            problem = wrong_stores(agent)
            if problem:  # a replica on its own memory would answer but forget: never take traffic
                logger.critical(problem)
                os._exit(3)
            for text in WARM_UP:
                await agent.parse_message(text)
            # Half a million objects of the loaded model would be walked by every full garbage collection:
            # measured 250 ms, during which the replica answers nobody. They live as long as the process.
            gc.collect()
            gc.freeze()
            state["ready"], state["since"] = True, time.time()
            logger.info("replica ready", extra={"warm_up_ms": round((time.monotonic() - started) * 1000)})

        @health.get("/live")
        async def live(_request: Request) -> HTTPResponse:
            return response.json({"status": "alive"})

        @health.get("/ready")
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if not state["ready"] or agent is None or not agent.is_ready():
                return response.json({"status": "starting"}, status=503)
            model = getattr(agent, "model_id", None)
            return response.json({"status": "ready", "model": model, "since": state["since"]})

        return health
