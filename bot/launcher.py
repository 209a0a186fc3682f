"""Start the assistant on embedded defaults: action server, Rasa server (REST channel), and print how to talk.

``make run`` calls this after installing and training. Every process is a child of this one; Ctrl-C
stops them all, and if one of them dies the others are stopped too, with a message saying which.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.model_check import ModelError, check_model
from bot.telegram.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent
PURGE_EVERY = 6 * 3600  # seconds between deletions of conversations past the retention period


@dataclass
class Service:
    """One child process and the URL that answers when it is ready."""

    name: str
    command: list[str]
    ready_url: str | None  # None: ready when it is still running after a few seconds
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env={**os.environ, **self.env})

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + (timeout if self.ready_url else 5)
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"{self.name} stopped during start-up (exit code {self.process.returncode}).")
            if self.ready_url is None:
                time.sleep(0.5)
                continue
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        if self.ready_url is None:
            return
        raise SystemExit(f"{self.name} did not become ready within {timeout:.0f} s ({self.ready_url}).")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("No trained model in models/. Run `make train` first (or simply `make run`).")
    return models[-1]


def endpoints_for(action_port: int) -> Path:
    """endpoints.yml with the action server on ``action_port`` (a copy under .rasa/ if the port differs)."""
    source = ROOT / "endpoints.yml"
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    url = f"http://localhost:{action_port}/webhook"
    if config.get("action_endpoint", {}).get("url") == url:
        return source
    config["action_endpoint"] = {**config.get("action_endpoint", {}), "url": url}
    target = ROOT / ".rasa" / "endpoints-run.yml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


def telegram_settings() -> Settings | None:
    """The Telegram bot's settings, None without a token; a clear exit on a configuration error."""
    if not os.environ.get("TELEGRAM_TOKEN"):
        return None
    try:
        return Settings.from_environment()
    except SettingsError as error:
        raise SystemExit(f"Telegram: {error}") from None


# Numerical libraries start a thread per core and let it spin after each small matrix product: measured
# in the Rasa process, half of its CPU per message. One thread each; the work per message is tiny.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def build_services(
    host: str, rasa_port: int, action_port: int, web_port: int, token: str, telegram: Settings | None
) -> list[Service]:
    python = sys.executable
    services = [
        Service(
            "Action server",
            [python, "-m", "bot.rasa_server", "sdk", "--actions", "actions", "--port", str(action_port)],
            f"http://127.0.0.1:{action_port}/health",
            env=ONE_THREAD,
        ),
        Service(
            "Rasa server",
            [python, "-m", "bot.rasa_server", "run", "--enable-api", f"--auth-token={token}", "--interface", host,
             "--port", str(rasa_port), "--model", str(newest_model()), "--endpoints", str(endpoints_for(action_port)),
             "--credentials", "credentials.yml"],
            f"http://127.0.0.1:{rasa_port}/webhooks/health/ready",  # model loaded and warmed up (bot/health.py)
            env={"RASA_TELEMETRY_ENABLED": "false", **ONE_THREAD},
        ),
    ]  # fmt: skip
    channel_env = {
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_AUTH_TOKEN": token,
        "STADTLOTSE_ENDPOINTS": str(endpoints_for(action_port)),
    }
    services.append(
        Service("Web chat", [python, "-m", "bot.web"], f"http://127.0.0.1:{web_port}/health",
                env={**channel_env, "WIDGET_PORT": str(web_port), "WIDGET_HOST": host})
    )  # fmt: skip
    if telegram is not None:
        health = f"http://127.0.0.1:{telegram.webhook_port}/health" if telegram.webhook_mode else None
        services.append(
            Service(
                "Telegram bot",
                [python, "-m", "bot.telegram"],
                health,
                env=channel_env,
            )
        )
    return services


def purge_old_conversations() -> None:
    """Delete conversations past the retention period (in the background; errors go to the log)."""
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    subprocess.Popen([sys.executable, "-m", "bot.privacy", "purge", "--quiet"], cwd=ROOT, env=quiet)


def say_hello(rasa_port: int) -> str:
    """Send one message through the REST channel: proves the whole chain works before we say 'ready'."""
    body = json.dumps({"sender": "launcher-selftest", "message": "Hallo"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answers = json.load(response)
    if not answers:
        raise SystemExit("The assistant did not answer its self-test message; see the log above.")
    return str(answers[0]["text"]).splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WIDGET_PORT", "8080")))
    args = parser.parse_args()
    token = os.environ.get("RASA_AUTH_TOKEN") or secrets.token_hex(16)  # hex: never starts with "-"

    for port, variable in ((args.port, "RASA_PORT"), (args.action_port, "ACTION_PORT"), (args.web_port, "WIDGET_PORT")):
        if port_in_use(port):
            raise SystemExit(
                f"Port {port} is already in use. Is Stadtlotse already running? "
                f"Stop it, or choose another port: {variable}=<port> make run"
            )
    telegram_config = telegram_settings()
    try:
        check_model(newest_model())
    except ModelError as error:
        raise SystemExit(f"Not started: {error}") from None
    services = build_services(args.host, args.port, args.action_port, args.web_port, token, telegram_config)
    stopping = False

    def stop_all(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop_all)
    try:
        for service in services:
            print(f"Starting {service.name} ...", flush=True)
            service.start()
            service.wait_ready(timeout=180)
        first_line = say_hello(args.port)
        staff = (
            f"http://{args.host}:{args.web_port}/staff/   (user: any, password: $STAFF_PASSWORD)"
            if os.environ.get("STAFF_PASSWORD")
            else "off (set STAFF_PASSWORD=... to turn it on)"
        )
        if telegram_config is None:
            telegram = "off (set TELEGRAM_TOKEN=... to turn it on)"
        elif telegram_config.webhook_mode:
            telegram = f"on, webhook mode ({telegram_config.webhook_url})"
        else:
            telegram = "on, polling mode (write to your bot in Telegram)"
        print(
            f"""
Stadtlotse is running.
  REST channel : http://{args.host}:{args.port}/webhooks/rest/webhook
                 curl -s -X POST http://127.0.0.1:{args.port}/webhooks/rest/webhook \\
                      -H 'Content-Type: application/json' -d '{{"sender": "me", "message": "Wo melde ich mich an?"}}'
  Web chat     : http://{args.host}:{args.web_port}/   (a demo city page with the widget; embed it with
                 <script src="http://{args.host}:{args.web_port}/widget.js" defer></script>)
  Staff report : {staff}
  Chat here    : make chat   (in another terminal)
  Tracker API  : http://127.0.0.1:{args.port}/conversations/<sender>/tracker?token={token}
  Telegram     : {telegram}
  Self-test    : "Hallo" -> "{first_line}"
Stop with Ctrl-C.""",
            flush=True,
        )
        next_purge = 0.0
        while not stopping:
            if time.monotonic() >= next_purge:
                purge_old_conversations()
                next_purge = time.monotonic() + PURGE_EVERY
            for service in services:
                if service.process is not None and service.process.poll() is not None:
                    print(f"{service.name} stopped unexpectedly; stopping the others.", file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping ...", flush=True)
        for service in reversed(services):
            service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
