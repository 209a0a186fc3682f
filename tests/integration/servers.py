"""Start the real action server and Rasa server (newest model in models/) on free ports for tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

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
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {log_dir / 'tracker.db'}\n",
        encoding="utf-8",
    )
    base_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **(env or {})}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = []
    try:
        for name, command in (
            ("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)]),
            ("rasa", [sys.executable, "-m", "rasa", "run", "--enable-api", "--auth-token", TOKEN,
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
