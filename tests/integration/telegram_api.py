"""A local HTTP server that speaks the Telegram Bot API, for end-to-end tests without the internet.

The real python-telegram-bot client is pointed at it with ``TELEGRAM_API_URL``. It keeps the updates
"users" send (``getUpdates`` long polling, or nothing while a webhook is set, like Telegram) and records
every call the bot makes. It checks what Telegram checks where a bot can get it wrong: the token, text
length (4096), callback data (64 bytes) and HTML that does not parse.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from tests.integration.servers import free_port

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Stadtlotse", "username": "stadtlotse_test_bot"}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "link_preview_options", "offset", "timeout",
               "limit", "chat_id", "latitude", "longitude", "message_id"}  # fmt: skip
ALLOWED_TAGS = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|tg-spoiler|blockquote)(\s[^>]*)?>")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """The text as the user sees it (HTML entities resolved, tags removed)."""
        return html.unescape(ALLOWED_TAGS.sub("", str(self.params.get("text", ""))))

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeTelegram:
    """Start with ``with FakeTelegram(token) as api:``; ``api.url`` is the base URL for the bot."""

    def __init__(self, token: str):
        self.token = token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/bot"
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self.sent: dict[tuple[int, int], dict[str, Any]] = {}  # the bot's text messages as users see them now
        self._updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    # ------------------------------------------------------------------ server

    def __enter__(self) -> FakeTelegram:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    async def _stop(self) -> None:
        """Stop serving: end pending long polls first, so no request is left half-done."""
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):  # an upload (sendVoice): keep the bytes
                params[key] = value.file.read()
            else:
                params[key] = json.loads(value) if key in JSON_FIELDS and isinstance(value, str) else value
        method = request.match_info["method"]
        with self._lock:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return self._error(404, "Not Found")
        return await handler(params)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    # ------------------------------------------------------------------ Bot API methods

    async def api_getMe(self, _: dict[str, Any]) -> web.Response:  # noqa: N802 (Bot API method names)
        return self._ok({**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False})  # fmt: skip

    async def api_getUpdates(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            if pending or time.monotonic() >= deadline:
                return self._ok(pending)
            await asyncio.sleep(0.05)

    async def api_setWebhook(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = params
        return self._ok(True)

    async def api_deleteWebhook(self, _: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = None
        return self._ok(True)

    async def api_setMyCommands(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        return self._ok(True)

    async def api_sendChatAction(self, _: dict[str, Any]) -> web.Response:  # noqa: N802
        return self._ok(True)

    async def api_answerCallbackQuery(self, _: dict[str, Any]) -> web.Response:  # noqa: N802
        return self._ok(True)

    def _checked_text(self, params: dict[str, Any]) -> tuple[str | None, web.Response | None]:
        """The text as shown, or the error Telegram gives for it (bad HTML, empty, too long, bad buttons)."""
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML" and "<" in ALLOWED_TAGS.sub("", text):
            return None, self._error(400, "Bad Request: can't parse entities: unsupported start tag")
        shown = html.unescape(ALLOWED_TAGS.sub("", text)) if params.get("parse_mode") == "HTML" else text
        if not shown.strip():
            return None, self._error(400, "Bad Request: message text is empty")
        if len(shown) > 4096:
            return None, self._error(400, "Bad Request: message is too long")
        for button in Call("", params).buttons:
            if len(str(button.get("callback_data", "")).encode()) > 64:
                return None, self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return shown, None

    async def api_sendMessage(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        shown, error = self._checked_text(params)
        if error is not None:
            return error
        message = self._message(int(params["chat_id"]), text=shown)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self.sent[(message["chat"]["id"], message["message_id"])] = message
        return self._ok(message)

    async def api_editMessageText(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        shown, error = self._checked_text(params)
        if error is not None:
            return error
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._lock:
            message = self.sent.get(key)
            if message is None:
                return self._error(400, "Bad Request: message to edit not found")
            markup = params.get("reply_markup")
            if message.get("text") == shown and message.get("reply_markup") == markup:
                return self._error(400, "Bad Request: message is not modified")
            message["text"] = shown
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
        return self._ok(message)

    async def api_sendVenue(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        venue = {"location": {"latitude": params["latitude"], "longitude": params["longitude"]},
                 "title": params["title"], "address": params["address"]}  # fmt: skip
        return self._ok(self._message(int(params["chat_id"]), venue=venue))

    async def api_sendVoice(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        audio = params.get("voice")
        if not isinstance(audio, bytes) or not audio.startswith(b"OggS"):
            return self._error(400, "Bad Request: wrong file type of the voice message")
        voice = {"file_id": "voice1", "file_unique_id": "voice1", "duration": 1, "mime_type": "audio/ogg"}
        return self._ok(self._message(int(params["chat_id"]), voice=voice))

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, **content}  # fmt: skip

    # ------------------------------------------------------------------ what users do

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return update

    def user_message(self, chat_id: int, language_code: str | None = "de", **content: Any) -> dict[str, Any]:
        """The ``message`` object of an update from user ``chat_id`` (private chat) or in group ``chat_id``."""
        private = chat_id > 0
        user_id = chat_id if private else 777
        user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language_code:
            user["language_code"] = language_code
        chat = {"id": chat_id, "type": "private", "first_name": "Test"} if private else {
            "id": chat_id, "type": "group", "title": "Willkommen in Beckum"}  # fmt: skip
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": user,
                **content}  # fmt: skip

    def send(self, chat_id: int, text: str, language_code: str | None = "de") -> dict[str, Any]:
        return self._push({"message": self.user_message(chat_id, language_code, text=text)})

    def send_update(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        return self._push({kind: message})

    def click(self, chat_id: int, data: str, language_code: str | None = "de",
              message_id: int | None = None) -> dict[str, Any]:  # fmt: skip
        """A click on an inline button (of the bot's message ``message_id``, if given)."""
        user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code}
        message = self.sent[(chat_id, message_id)] if message_id is not None else self._message(chat_id, text="…")
        query = {"id": str(next(self._message_ids)), "from": user, "chat_instance": "1", "data": data,
                 "message": message}  # fmt: skip
        return self._push({"callback_query": query})

    # ------------------------------------------------------------------ what the test sees

    def latest_sent(self, chat_id: int) -> dict[str, Any]:
        """The bot's last text message to ``chat_id``, as the user sees it now (edits included)."""
        with self._lock:
            return dict(self.sent[max(key for key in self.sent if key[0] == chat_id)])

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def calls_since(self, mark: int, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            calls = self.calls[mark:]
        return [
            c for c in calls if (method is None or c.method == method) and (chat_id is None or c.chat_id == chat_id)
        ]

    def wait_for(
        self, mark: int, predicate: Callable[[list[Call]], bool], timeout: float = 20, method: str = "sendMessage",
        chat_id: int | None = None,
    ) -> list[Call]:  # fmt: skip
        """Wait until the calls since ``mark`` satisfy ``predicate``; those calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_since(mark, method, chat_id)
            if predicate(calls):
                return calls
            time.sleep(0.05)
        raise AssertionError(f"timed out; {method} calls since mark: {[c.params for c in self.calls_since(mark)]}")

    def replies(self, mark: int, chat_id: int, count: int = 1, timeout: float = 20) -> list[Call]:
        """The first ``count`` messages the bot sent to ``chat_id`` after ``mark``."""
        return self.wait_for(mark, lambda calls: len(calls) >= count, timeout, chat_id=chat_id)[:count]
