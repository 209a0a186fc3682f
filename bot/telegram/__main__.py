"""Run the Telegram bot: ``python -m bot.telegram`` (``make run`` starts it when TELEGRAM_TOKEN is set).

Polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is set (see ``bot/telegram/settings.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.telegram.app import build_application, set_commands
from bot.telegram.settings import Settings, SettingsError
from bot.telegram.webhook import WebhookServer

logger = logging.getLogger("bot.telegram")
START_ATTEMPTS_DELAY = 5.0


class RedactSecrets(logging.Filter):
    """Defence in depth: whatever a library logs, the bot token never reaches the log."""

    def __init__(self, *secrets: str | None):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<redacted>")
            record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings) -> None:
    logs.configure("telegram")
    redact = RedactSecrets(settings.token, settings.webhook_secret)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # (logs.configure keeps httpx at WARNING: it logs every request URL at INFO, and Bot API URLs contain the token)


async def run(settings: Settings) -> None:
    application = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    while True:  # Telegram unreachable at start-up (network not up yet): keep trying, say so
        try:
            await application.initialize()
            break
        except InvalidToken:
            raise SystemExit("Telegram rejected TELEGRAM_TOKEN: check the token @BotFather gave you.") from None
        except NetworkError as error:
            logger.warning("Telegram not reachable (%s); trying again in %.0f s", error, START_ATTEMPTS_DELAY)
            try:
                await asyncio.wait_for(stop.wait(), START_ATTEMPTS_DELAY)
                return
            except asyncio.TimeoutError:
                continue
    server = None
    try:
        await set_commands(application)
        await application.start()
        if settings.webhook_mode:
            server = WebhookServer(
                application, settings.webhook_path, settings.webhook_secret or "", settings.webhook_listen,
                settings.webhook_port,
            )  # fmt: skip
            await server.start()
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
            )
            mode = f"webhook mode ({settings.webhook_url})"
        else:
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            mode = "polling mode"
        logger.info("Telegram bot @%s running in %s", application.bot.username, mode)
        await stop.wait()
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if server is not None:
            await server.stop()
        if application.running:
            await application.stop()
        await application.bot_data.assistant.close()
        await application.shutdown()


def main() -> int:
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        print(f"Telegram bot not started: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
