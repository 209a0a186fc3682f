"""Webhook mode: a small HTTP server Telegram posts updates to (behind the city's reverse proxy).

Requests without the right ``X-Telegram-Bot-Api-Secret-Token`` are refused with 403 (constant-time
comparison) and never reach a handler; an ``update_id`` seen before is acknowledged and dropped, so a
redelivered update gets one answer, not two. ``GET /health`` says whether the bot is running, ``GET /ready``
also whether the assistant answers.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections import OrderedDict
from urllib.parse import quote

from aiohttp import web
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are small; anything bigger is not from Telegram


class RecentUpdates:
    """The most recent update ids, to process each at most once (Telegram redelivers on timeouts)."""

    def __init__(self, size: int = 100_000):
        self.size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    async def claim(self, update_id: int) -> bool:
        """``first_time`` with the interface of ``SharedRecentUpdates``."""
        return self.first_time(update_id)


class SharedRecentUpdates:
    """Update ids seen by any bot process, in Redis (production): a redelivered update is answered once even
    after a restart, or when another process took it the first time. Redis down: the local memory decides."""

    KEY = "stadtlotse:telegram:update:"
    KEEP_SECONDS = 24 * 3600  # Telegram gives up redelivering long before

    def __init__(self, url: str):
        import redis.asyncio

        self.redis = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.local = RecentUpdates()

    async def claim(self, update_id: int) -> bool:
        first_here = self.local.first_time(update_id)
        try:
            return bool(await self.redis.set(f"{self.KEY}{update_id}", 1, nx=True, ex=self.KEEP_SECONDS))
        except Exception as error:  # noqa: BLE001 (any Redis failure: answer rather than drop)
            logger.warning("Redis not reachable for update ids (%s); this process decides alone", type(error).__name__)
            return first_here


def recent_updates() -> RecentUpdates | SharedRecentUpdates:
    """Shared through Redis when production configures it (``STADTLOTSE_REDIS_HOST``), else in memory."""
    host = os.environ.get("STADTLOTSE_REDIS_HOST")
    if not host:
        return RecentUpdates()
    password = os.environ.get("STADTLOTSE_REDIS_PASSWORD") or ""
    auth = f":{quote(password, safe='')}@" if password else ""
    port, db = os.environ.get("STADTLOTSE_REDIS_PORT", "6379"), os.environ.get("STADTLOTSE_REDIS_DB", "1")
    return SharedRecentUpdates(f"redis://{auth}{host}:{port}/{db}")


class WebhookServer:
    """Receives Telegram's POSTs on ``path`` and queues them for the application."""

    def __init__(self, application: Application, path: str, secret: str, listen: str, port: int):
        self.application = application
        self.path = path
        self.secret = secret.encode()
        self.listen = listen
        self.port = port
        self.recent = recent_updates()
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.receive)
        app.router.add_get("/health", self.health)
        app.router.add_get("/ready", self.ready)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        logger.info("webhook server listening on %s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            logger.warning("webhook request without the right secret token refused (from %s)", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not a Telegram update")
        if not await self.recent.claim(update_id):
            logger.info("update %d delivered again; already processed", update_id)
            return web.Response(text="ok")
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    async def ready(self, _request: web.Request) -> web.Response:
        """Ready: the bot runs and the assistant behind it answers its readiness probe."""
        if self.application.running and await self.application.bot_data.assistant.ready():
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready"}, status=503)

    async def health(self, _request: web.Request) -> web.Response:
        running = self.application.running
        return web.json_response({"status": "ok" if running else "starting"}, status=200 if running else 503)
