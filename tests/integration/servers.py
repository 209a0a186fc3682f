"""Start the real action server and Rasa server (newest model in models/) on free ports for tests."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

from bot.launcher import ONE_THREAD

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "integration-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model in models/: run `make train` (make test does it)")
    return models[-1]


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout} s")


@dataclass
class Assistant:
    """A running Rasa server with its action server, spoken to over the REST channel."""

    rasa_url: str
    action_url: str
    processes: dict[str, subprocess.Popen[bytes]]
    log_dir: Path

    @property
    def endpoints(self) -> Path:
        """The endpoints file the Rasa server runs with (its tracker store is where /delete erases)."""
        return self.log_dir / "endpoints.yml"

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Post through Rasa's standard REST channel (it passes ``metadata`` on to the tracker)."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return list(json.load(response))

    def tracker(self, sender: str) -> dict[str, Any]:
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={TOKEN}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return dict(json.load(response))


@contextmanager
def running_assistant(
    log_dir: Path, env: dict[str, str] | None = None, model: Path | None = None
) -> Iterator[Assistant]:
    rasa_port, action_port = free_port(), free_port()
    endpoints = log_dir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n  enable_selective_domain: true\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {log_dir / 'tracker.db'}\n",
        encoding="utf-8",
    )
    base_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **ONE_THREAD, **(env or {})}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = []
    try:
        for name, command in (
            ("actions", [sys.executable, "-m", "bot.rasa_server", "sdk", "--actions", "actions",
                         "--port", str(action_port)]),
            ("rasa", [sys.executable, "-m", "bot.rasa_server", "run", "--enable-api", "--auth-token", TOKEN,
                      "--interface", "127.0.0.1", "--port", str(rasa_port), "--model", str(model or newest_model()),
                      "--endpoints", str(endpoints), "--credentials", "credentials.yml"]),
        ):  # fmt: skip
            log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed in finally)
            logs.append(log)
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=base_env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(f"http://127.0.0.1:{action_port}/health", processes["actions"])
        wait_for(f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}", processes["rasa"])
        yield Assistant(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", processes, log_dir)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


class SwitchableProxy:
    """Forwards to the Rasa server when ``mode`` is "up"; refuses ("down") or stalls ("slow") otherwise."""

    def __init__(self, target: str):
        self.target = target
        self.mode = "down"
        self.port = free_port()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def forward(self) -> None:
                if proxy.mode == "down":
                    self.connection.close()  # like a server that is not there
                    return
                if proxy.mode == "slow":
                    time.sleep(8)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                request = urllib.request.Request(proxy.target + self.path, body, dict(self.headers),
                                                 method=self.command)  # fmt: skip
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, data = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = forward  # noqa: N815 (http.server's naming)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class TcpProxy:
    """A TCP relay to PostgreSQL or Redis that a test can cut (``down()``) and restore (``up()``).

    Down: every open connection is closed and new ones are refused at once, as when the database
    restarts or the network between the machines fails.
    """

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.running = True
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.running:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._open.discard(sock)
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def down(self) -> None:
        self.running = False
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def up(self) -> None:
        self.running = True

    def close(self) -> None:
        self.down()
        self._listener.close()


POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


def reachable(address: tuple[str, int]) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(address) == 0


def free_port_block(size: int = 30) -> int:
    """A base port with ``size`` free ports after it (the topology numbers its processes from it)."""
    for _ in range(200):
        base = random.randrange(20000, 32000, 50)  # below Linux's ephemeral ports (32768-60999)
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports")


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30) -> Any:
    """(status, parsed JSON body) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload or b"null")
        except ValueError:
            return error.code, payload.decode(errors="replace")


@dataclass
class Topology:
    process: subprocess.Popen[bytes]
    base: int
    state_file: Path
    log_file: Path
    database_url: str  # direct, not through the relay: what the tests inspect
    env: dict[str, str]
    postgres: TcpProxy | None
    redis: TcpProxy | None
    jwt: str = field(init=False)

    def __post_init__(self) -> None:
        from bot.assistant import api_jwt

        self.jwt = api_jwt(self.env["RASA_JWT_SECRET"])

    @property
    def public(self) -> str:
        return f"http://127.0.0.1:{self.base}"

    @property
    def internal(self) -> str:
        return f"http://127.0.0.1:{self.base + 1}"

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.base + 3}"

    def replica(self, number: int) -> str:
        return f"http://127.0.0.1:{self.base + 10 + number}"

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.state_file.read_text(encoding="utf-8")))

    def pid(self, name: str) -> int:
        return int(self.state()[name]["pid"])

    def send(self, sender: str, text: str, base: str | None = None) -> list[dict[str, Any]]:
        url = f"{base or self.public}/webhooks/rest/webhook"
        status, answers = http("POST", url, {"sender": sender, "message": text})
        assert status == 200, answers
        return list(answers)

    def tracker(self, sender: str, base: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.jwt}"}
        status, tracker = http("GET", f"{base or self.internal}/conversations/{sender}/tracker", headers=headers)
        assert status == 200, tracker
        return dict(tracker)

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.tracker(sender)["events"] if e["event"] == "user"]

    def stored_events(self, sender: str) -> int:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                query = sa.text("SELECT count(*) FROM events WHERE sender_id = :s")
                return int(connection.execute(query, {"s": sender}).scalar_one())
        finally:
            engine.dispose()

    def widget_session(self) -> str:
        status, body = http("POST", f"{self.web}/api/session", {})
        assert status == 200
        return str(body["session"])

    def widget_ask(self, session: str, text: str, language: str) -> tuple[int, Any, float]:
        started = time.monotonic()
        status, body = http("POST", f"{self.web}/api/message", {"session": session, "text": text, "language": language})
        return status, body, time.monotonic() - started

    def wait_ready(self, url: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the topology stopped:\n{self.log_file.read_text(errors='replace')[-4000:]}")
            try:
                if http("GET", url, timeout=3)[0] == 200:
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise AssertionError(f"{url} not ready after {timeout} s")

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")



@contextmanager
def running_topology(
    folder: Path, replicas: int, env: dict[str, str] | None = None,
    postgres: TcpProxy | None = None, redis: TcpProxy | None = None,
) -> Iterator[Topology]:
    """``python -m bot.production`` with ``replicas`` Rasa replicas and as many action servers, on a fresh
    database of the machine's PostgreSQL (dropped afterwards), reached through the relays if given."""
    database = f"stadtlotse_test_{uuid.uuid4().hex[:8]}"
    postgres_port = postgres.port if postgres else POSTGRES[1]
    base = free_port_block()
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "STADTLOTSE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{postgres_port}/{database}",
        "STADTLOTSE_REDIS_HOST": "127.0.0.1",
        "STADTLOTSE_REDIS_PORT": str(redis.port if redis else REDIS[1]),
        "STADTLOTSE_REDIS_DB": "2",
        "RASA_JWT_SECRET": uuid.uuid4().hex,
        "STADTLOTSE_LOG_FORMAT": "json",
        **(env or {}),
    }
    full_env.pop("STADTLOTSE_RECORDS_DB", None)  # production keeps the records in the same database
    log_file, state_file = folder / "topology.log", folder / "state.json"
    command = [sys.executable, "-m", "bot.production", "--replicas", str(replicas),
               "--action-replicas", str(replicas), "--port", str(base), "--internal-port", str(base + 1),
               "--action-port", str(base + 2), "--web-port", str(base + 3), "--replica-port-base", str(base + 10),
               "--action-port-base", str(base + 20), "--state", str(state_file)]  # fmt: skip
    with open(log_file, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    running = Topology(process, base, state_file, log_file, f"postgresql://postgres@127.0.0.1:5432/{database}",
                       full_env, postgres, redis)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not state_file.with_suffix(".ready").exists():  # the supervisor says: every process is ready
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the topology did not start:\n{log_file.read_text(errors='replace')[-4000:]}")
            time.sleep(0.5)
        yield running
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        admin = sa.create_engine("postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
