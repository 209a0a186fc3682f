"""The widget's backend: the script, a demo city page, and a small JSON API in front of the assistant.

    GET  /widget.js, /widget.css   the widget (embed: <script src=".../widget.js" data-server="..." defer>)
    GET  /                         a demo page that looks like a city web page, with the widget embedded
    GET  /api/config               languages (from the registry) and every widget text in every language
    POST /api/session              a new random session id, signed by this server
    POST /api/message              {session, text, language} -> the assistant's answers and the language
    POST /api/delete               {session} -> the conversation is erased from the tracker store
    POST /api/speech               {session, text, language} -> the text read aloud, OGG/Opus
    GET  /health, /ready           liveness; readiness (the assistant behind it answers its probe)

Browsers on other sites may call the API only from the origins in ``WIDGET_ALLOWED_ORIGINS``. The
session id lives in the browser's sessionStorage only; no cookies. Logs show a hash of the session.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web

from actions import languages
from actions.i18n import texts
from bot.assistant import Answer, AssistantClient, AssistantUnavailableError, Button
from bot.city import city_facts
from bot.privacy import ConversationStore
from bot.speech import SpeechUnavailableError, synthesise
from bot.staff.report import add_routes as add_staff_report
from bot.web.texts import unavailable, widget_config

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 64 * 1024
MAX_TEXT = 5000  # longer texts are cut; the assistant asks for a short question anyway
ERASE_TIMEOUT = 15.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class WidgetSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    allowed_origins: frozenset[str] = frozenset()
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def from_environment(cls) -> WidgetSettings:
        origins = frozenset(
            o.strip().rstrip("/") for o in os.environ.get("WIDGET_ALLOWED_ORIGINS", "").split(",") if o.strip()
        )
        secret = os.environ.get("WIDGET_SESSION_SECRET", "")
        return cls(
            host=os.environ.get("WIDGET_HOST", "127.0.0.1"),
            port=int(os.environ.get("WIDGET_PORT", "8080")),
            allowed_origins=origins,
            session_secret=secret.encode() if secret else secrets.token_bytes(32),
        )


class Sessions:
    """Random session ids signed by the server: a browser cannot pick another conversation's id."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _mac(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._mac(nonce)}"

    def valid(self, session: object) -> bool:
        if not isinstance(session, str) or session.count(".") != 1 or len(session) > 200:
            return False
        nonce, mac = session.split(".")
        return hmac.compare_digest(mac, self._mac(nonce))

    @staticmethod
    def sender(session: str) -> str:
        """The conversation id the assistant sees."""
        return "web-" + hashlib.sha256(session.encode()).hexdigest()[:32]


def own_origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Cross-origin calls only from the configured origins (and the server's own pages)."""
    origin = request.headers.get("Origin")
    allowed: frozenset[str] = request.app["settings"].allowed_origins
    permitted = origin is None or origin == own_origin(request) or origin in allowed
    if request.path.startswith("/api/") and not permitted:
        logger.warning("widget API call from an origin not in WIDGET_ALLOWED_ORIGINS refused: %s", origin)
        return web.json_response({"error": "origin not allowed"}, status=403)
    if request.method == "OPTIONS" and request.path.startswith("/api/"):
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    if origin is not None and permitted:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
    return response


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise web.HTTPBadRequest(text='{"error": "the body is not JSON"}', content_type="application/json") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "expected a JSON object"}', content_type="application/json")
    return body


def checked_session(request: web.Request, body: dict[str, Any]) -> str:
    session = body.get("session")
    if not request.app["sessions"].valid(session):
        raise web.HTTPUnauthorized(text='{"error": "unknown session"}', content_type="application/json")
    return str(session)


# --------------------------------------------------------------------------- handlers


async def config(_request: web.Request) -> web.Response:
    """Languages and texts, built per request: a changed catalogue (phone, privacy page) shows at once."""
    return web.json_response(widget_config(), headers={"Cache-Control": "no-cache"})


async def new_session(request: web.Request) -> web.Response:
    return web.json_response({"session": request.app["sessions"].new()})


async def message(request: web.Request) -> web.Response:
    body = await read_json(request)
    session = checked_session(request, body)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return web.json_response({"error": "text must be a non-empty string"}, status=400)
    hint = languages.resolve(body.get("language") if isinstance(body.get("language"), str) else None)
    shown_in = languages.resolve(body.get("render") if isinstance(body.get("render"), str) else None)
    assistant: AssistantClient = request.app["assistant"]
    sender = Sessions.sender(session)
    try:
        answer = await assistant.ask(sender, text[:MAX_TEXT], hint, shown_in)
    except AssistantUnavailableError as problem:
        logger.warning("assistant unavailable for web session %s: %s", sender[4:16], problem)
        code = hint or languages.DEFAULT
        message = unavailable(texts(code), city_facts().phone)
        return web.json_response({"error": "unavailable", "message": message}, status=503)
    language = languages.get(answer.language or hint)
    shown = languages.get(shown_in or language.code)
    return web.json_response(
        {
            "language": language.code,
            "dir": language.direction,
            "shown_in": shown.code,
            "messages": [{"text": m.text, "buttons": [button(b, answer) for b in m.buttons]} for m in answer.messages],
        }
    )


def button(b: Button, answer: Answer) -> dict[str, Any]:
    """A button for the widget; a step of the user's plan becomes a checkbox (``step``, ``checked``)."""
    if b.step is None:
        return {"title": b.title, "payload": b.payload}
    return {"title": b.label, "payload": b.payload, "step": b.step, "checked": b.step in answer.done}


async def speech(request: web.Request) -> web.Response:
    """An answer read aloud (OGG/Opus), for sessions of this server only."""
    body = await read_json(request)
    checked_session(request, body)
    text, language = body.get("text"), body.get("language")
    if not isinstance(text, str) or not text.strip() or not isinstance(language, str):
        return web.json_response({"error": "text and language are needed"}, status=400)
    try:
        audio = await asyncio.to_thread(synthesise, text, language)
    except SpeechUnavailableError as problem:
        logger.error("read aloud failed: %s", problem)
        t = texts(languages.resolve(language) or languages.DEFAULT)
        return web.json_response({"message": t._("Vorlesen ist gerade nicht möglich.")}, status=503)
    return web.Response(body=audio, content_type="audio/ogg", headers={"Cache-Control": "no-store"})


async def delete(request: web.Request) -> web.Response:
    body = await read_json(request)
    session = checked_session(request, body)
    t = texts(languages.resolve(str(body.get("language") or "")) or languages.DEFAULT)
    store: ConversationStore = request.app["conversations"]
    try:
        await asyncio.wait_for(asyncio.to_thread(store.erase, Sessions.sender(session)), ERASE_TIMEOUT)
    except Exception:  # a database that is down or slow: the person must hear that it did not work
        logger.exception("erasing a web conversation failed")
        return web.json_response(
            {"message": t._("Das Löschen hat gerade nicht geklappt. Bitte versuchen Sie es später noch einmal.")},
            status=503,
        )
    return web.json_response(
        {"message": t._("Ihr Gespräch ist gelöscht. Der Assistent erinnert sich an nichts mehr daraus.")}
    )


async def ready(request: web.Request) -> web.Response:
    if await request.app["assistant"].ready():
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "assistant not ready"}, status=503)


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def static_file(name: str, content_type: str) -> Handler:
    async def serve(_request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC / name,
            headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300",
                     "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    return serve


async def close_clients(app: web.Application) -> None:
    await app["assistant"].close()


def build_app(
    settings: WidgetSettings,
    assistant: AssistantClient | None = None,
    conversations: ConversationStore | None = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[cors])
    app["settings"] = settings
    app["sessions"] = Sessions(settings.session_secret)
    app["assistant"] = assistant or AssistantClient()
    app["conversations"] = conversations or ConversationStore()
    app.on_cleanup.append(close_clients)
    app.router.add_get("/", static_file("demo.html", "text/html; charset=utf-8"))
    app.router.add_get("/widget.js", static_file("widget.js", "text/javascript; charset=utf-8"))
    app.router.add_get("/widget.css", static_file("widget.css", "text/css; charset=utf-8"))
    app.router.add_get("/api/config", config)
    app.router.add_post("/api/session", new_session)
    app.router.add_post("/api/message", message)
    app.router.add_post("/api/delete", delete)
    app.router.add_post("/api/speech", speech)
    app.router.add_route("OPTIONS", "/api/{tail:.*}", health)  # answered by the CORS middleware
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    add_staff_report(app)
    return app
