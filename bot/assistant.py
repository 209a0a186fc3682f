"""The channels' client for the assistant: Rasa's standard REST channel and its tracker API.

Telegram (and the web widget) send a user's message here and get back the answers plus the contract
slots (``language``, ``service``, ``office``) of the conversation. A backend that is down, slow or
answers nothing raises ``AssistantUnavailableError``: the channel then apologises in the user's language.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:5005"
# Longer than this and the user gets an apology instead of waiting (the 5 seconds).
DEFAULT_TIMEOUT = 5.0


class AssistantUnavailableError(Exception):
    """Rasa or the action server did not answer in time, or answered nothing."""


CHECKLIST_PAYLOAD = "/plan_tick"  # a step of the user's plan, ticked off (or back on) by this button
CHECK_MARKS = ("☐ ", "☑ ")  # how the step's state shows in the title on channels without checkboxes


@dataclass
class Button:
    title: str
    payload: str

    @property
    def step(self) -> str | None:
        """The plan step this button ticks off, if it is a checklist button."""
        if not self.payload.startswith(CHECKLIST_PAYLOAD + "{"):
            return None
        try:
            value = json.loads(self.payload.removeprefix(CHECKLIST_PAYLOAD)).get("step")
        except (ValueError, AttributeError):
            return None
        return str(value) if value else None

    @property
    def label(self) -> str:
        """The title without its check mark (for channels that draw a real checkbox)."""
        return next((self.title.removeprefix(m) for m in CHECK_MARKS if self.title.startswith(m)), self.title)


@dataclass
class Message:
    """One answer bubble."""

    text: str
    buttons: list[Button] = field(default_factory=list)


@dataclass
class Answer:
    """Everything the assistant said to one user message, and the conversation's slots afterwards."""

    messages: list[Message]
    slots: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str | None:
        value = self.slots.get("language")
        return str(value) if value else None

    @property
    def office(self) -> str | None:
        value = self.slots.get("office")
        return str(value) if value else None

    @property
    def done(self) -> set[str]:
        """The plan steps the user has ticked off."""
        value = self.slots.get("plan_done")
        return {str(v) for v in value} if isinstance(value, list) else set()


def _messages(payload: Any) -> list[Message]:
    messages = []
    for item in payload if isinstance(payload, list) else []:
        if not isinstance(item, dict):
            continue
        buttons = [
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        ]
        text = str(item.get("text") or "")
        if text or buttons:
            messages.append(Message(text, buttons))
    return messages


def api_jwt(secret: str) -> str:
    """A token for Rasa's HTTP API when it runs with ``--jwt-secret`` (production): the channels' admin role."""
    import jwt

    return str(jwt.encode({"user": {"username": "stadtlotse-channels", "role": "admin"}}, secret, algorithm="HS256"))


class AssistantClient:
    """Talks to one Rasa server. Create it once per process; it keeps a connection pool."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        jwt_secret: str | None = None,
    ):
        self.url = (url or os.environ.get("RASA_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("RASA_AUTH_TOKEN")
        secret = jwt_secret if jwt_secret is not None else os.environ.get("RASA_JWT_SECRET")
        self.api_headers = {"Authorization": f"Bearer {api_jwt(secret)}"} if secret else {}
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def ask(self, sender: str, text: str, hint: str | None = None, shown_in: str | None = None) -> Answer:
        """Send ``text`` as ``sender``; the answers and the slots afterwards.

        ``hint``: the channel's idea of the user's language (Telegram ``language_code``, the widget's
        choice), for messages that do not show their language. ``shown_in``: answer this one message in
        that language without switching the conversation ("show in German").
        """
        body: dict[str, Any] = {"sender": sender, "message": text}
        metadata = {key: value for key, value in (("language", hint), ("render_language", shown_in)) if value}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self.client.post(f"{self.url}/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            messages = _messages(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise AssistantUnavailableError(f"REST channel: {type(error).__name__}") from error
        if not messages:
            # Rasa answers an empty list when the action server is down or an action failed.
            raise AssistantUnavailableError("the assistant answered nothing (is the action server running?)")
        return Answer(messages, await self.slots(sender))

    async def ready(self) -> bool:
        """Whether the assistant behind ``url`` takes messages: its readiness probe (production) or its root."""
        try:
            response = await self.client.get(f"{self.url}/webhooks/health/ready")
            if response.status_code == 404:  # no probe channel (make run): the server being up is enough
                response = await self.client.get(f"{self.url}/")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slots; empty when the tracker API is off or unreachable (answers still work)."""
        params = {"include_events": "NONE"}
        if self.token:
            params["token"] = self.token
        try:
            url = f"{self.url}/conversations/{quote(sender, safe='')}/tracker"
            response = await self.client.get(url, params=params, headers=self.api_headers)
            response.raise_for_status()
            slots = response.json().get("slots") or {}
        except (httpx.HTTPError, ValueError, AttributeError) as error:
            logger.warning("tracker API not available (%s); channel language falls back", type(error).__name__)
            return {}
        return dict(slots) if isinstance(slots, dict) else {}
