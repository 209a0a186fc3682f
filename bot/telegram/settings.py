"""Configuration of the Telegram channel, from the environment only (a contract: other tools use these names).

| variable | default | meaning |
|---|---|---|
| ``TELEGRAM_TOKEN`` | — | the bot token from BotFather; without it Telegram stays off |
| ``TELEGRAM_API_URL`` | ``https://api.telegram.org/bot`` | ``base_url`` of python-telegram-bot (other Bot API server) |
| ``TELEGRAM_WEBHOOK_URL`` | — | public HTTPS URL Telegram posts updates to; set = webhook mode, else polling |
| ``TELEGRAM_WEBHOOK_SECRET`` | — | required in webhook mode: the ``X-Telegram-Bot-Api-Secret-Token`` value |
| ``TELEGRAM_WEBHOOK_LISTEN`` | ``127.0.0.1`` | address the webhook server binds to (behind the reverse proxy) |
| ``TELEGRAM_WEBHOOK_PORT`` | ``8443`` | port the webhook server binds to |
| ``RASA_URL`` | ``http://127.0.0.1:5005`` | the Rasa server (REST channel and tracker API) |
| ``RASA_AUTH_TOKEN`` | — | token of Rasa's HTTP API, to read the conversation's language |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.telegram.org/bot"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    token: str
    api_url: str = DEFAULT_API_URL
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path the local webhook server answers on: the public URL's path."""
        return urlsplit(self.webhook_url or "").path or "/"

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        token = env.get("TELEGRAM_TOKEN", "").strip()
        if not token:
            raise SettingsError("TELEGRAM_TOKEN is not set: create a bot with @BotFather and set the token it gives.")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
        if webhook_url:
            if urlsplit(webhook_url).scheme not in ("http", "https") or not urlsplit(webhook_url).netloc:
                raise SettingsError(f"TELEGRAM_WEBHOOK_URL={webhook_url!r} is not a URL like https://bot.example.de/tg")
            if secret is None:
                raise SettingsError(
                    "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: webhook mode needs a secret "
                    "(1-256 characters A-Z, a-z, 0-9, _ and -), e.g. from `openssl rand -hex 32`."
                )
        if secret is not None and not SECRET_PATTERN.match(secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256 characters).")
        port_text = env.get("TELEGRAM_WEBHOOK_PORT", "8443")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"TELEGRAM_WEBHOOK_PORT={port_text!r} is not a port number (1-65535).")
        return cls(
            token=token,
            api_url=api_base_url(env.get("TELEGRAM_API_URL", "")),
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=int(port_text),
        )


def api_base_url(value: str) -> str:
    """python-telegram-bot's ``base_url``; a bare server address gets the Bot API's ``/bot`` path."""
    value = value.strip() or DEFAULT_API_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"TELEGRAM_API_URL={value!r} is not a URL like https://api.telegram.org/bot")
    if "{token}" not in value and parts.path in ("", "/"):
        value = value.rstrip("/") + "/bot"
    return value
