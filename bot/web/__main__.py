"""Serve the web chat widget and its demo page: ``python -m bot.web`` (``make run`` starts it).

| variable | default | meaning |
|---|---|---|
| ``WIDGET_HOST``, ``WIDGET_PORT`` | ``127.0.0.1``, ``8080`` | where the widget, its API and the demo page are served |
| ``WIDGET_ALLOWED_ORIGINS`` | — | comma-separated origins of the city's web pages allowed to use the API |
| ``WIDGET_SESSION_SECRET`` | random per start | key that signs session ids (set it to keep chats across restarts) |
| ``RASA_URL`` | ``http://127.0.0.1:5005`` | the Rasa server |
"""

from __future__ import annotations

import sys

from aiohttp import web

from bot import logs
from bot.web.server import WidgetSettings, build_app


def main() -> int:
    logs.configure("web")
    try:
        settings = WidgetSettings.from_environment()
    except ValueError as error:
        print(f"Web chat not started: WIDGET_PORT must be a port number ({error})", file=sys.stderr)
        return 2
    print(f"Web chat: demo page http://{settings.host}:{settings.port}/ , widget /widget.js", flush=True)
    web.run_app(build_app(settings), host=settings.host, port=settings.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
