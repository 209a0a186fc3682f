"""A small HTTP load balancer for the local production topology (``make run-prod``).

In a real deployment this is the job of the platform (nginx ``upstream``, a Kubernetes Service; see
docs/production.md). Locally, one of these sits in front of each group of replicas:

    python -m bot.balancer --listen 127.0.0.1:5005 --ready-path /webhooks/health/ready \\
        --allow /webhooks/rest/ --allow /webhooks/health/ http://127.0.0.1:5011 http://127.0.0.1:5012

* Round robin over the replicas whose readiness URL answers 200 (checked every second).
* A replica that refuses the connection is marked down and the request goes to the next one: nothing was
  sent, so nothing is processed twice. A replica that fails *after* receiving a request is retried elsewhere
  only if it is dead (its readiness probe fails): a killed process keeps nothing. A live replica that fails
  is not retried (Rasa may have handled the message); the client gets 502 and the channel apologises.
* ``--allow`` limits which paths are passed on (the public entry passes only the REST channel and the
  health probe; Rasa's HTTP API stays internal). Everything else is 404.
* Its own probes: ``GET /balancer/live`` and ``GET /balancer/ready`` (200 while a replica is ready).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot import logs

logger = logging.getLogger(__name__)

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}
CHECK_EVERY = 1.0
SLOW_PROBES_TOLERATED = 5


@dataclass
class Replica:
    url: str
    ready: bool = False
    slow_probes: int = 0

    def mark(self, ready: bool, reason: str) -> None:
        if ready != self.ready:
            self.ready = ready
            log = logger.info if ready else logger.warning
            log("replica %s is %s (%s)", self.url, "ready" if ready else "out of rotation", reason)


class Balancer:
    def __init__(self, replicas: list[str], ready_path: str, allow: list[str], timeout: float):
        self.replicas = [Replica(url.rstrip("/")) for url in replicas]
        self.ready_path = ready_path
        self.allow = allow
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # A new connection per request: a replica that was killed then refuses the next one at once
            # (safe to send elsewhere) instead of failing on a dead kept-alive socket (not safe to resend).
            connector = aiohttp.TCPConnector(force_close=True)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout, auto_decompress=False)
        return self._session

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/balancer/live", self.live)
        app.router.add_get("/balancer/ready", self.ready)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        app.on_startup.append(self._start_checks)
        app.on_cleanup.append(self._close)
        return app

    async def _start_checks(self, app: web.Application) -> None:
        await self.check_all()
        app["checks"] = asyncio.create_task(self._check_forever())

    async def _close(self, app: web.Application) -> None:
        app["checks"].cancel()
        if self._session is not None:
            await self._session.close()

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            await self.check_all()

    async def check_all(self) -> None:
        await asyncio.gather(*(self._check(replica) for replica in self.replicas))

    async def _check(self, replica: Replica) -> None:
        """A refused connection or a "not ready" answer takes a replica out at once; a slow probe only after
        ``SLOW_PROBES_TOLERATED`` in a row (a busy replica answers its probe late, and is still working)."""
        try:
            async with self.session.get(replica.url + self.ready_path, timeout=aiohttp.ClientTimeout(total=2)) as r:
                replica.slow_probes = 0
                replica.mark(r.status == 200, f"readiness {r.status}")
        except asyncio.TimeoutError:
            replica.slow_probes += 1
            if replica.slow_probes > SLOW_PROBES_TOLERATED:
                replica.mark(False, f"readiness probe unanswered {replica.slow_probes} times")
        except aiohttp.ClientError as error:
            replica.mark(False, type(error).__name__)

    def _next_ready(self, tried: set[int]) -> Replica | None:
        for _ in range(len(self.replicas)):
            index = next(self._turn)
            if index not in tried and self.replicas[index].ready:
                tried.add(index)
                return self.replicas[index]
        return None

    async def live(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def ready(self, _request: web.Request) -> web.Response:
        ready = [r.url for r in self.replicas if r.ready]
        return web.json_response({"ready": ready, "replicas": len(self.replicas)}, status=200 if ready else 503)

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if self.allow and not any(request.path.startswith(prefix) for prefix in self.allow):
            return web.json_response({"error": "not found"}, status=404)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        tried: set[int] = set()
        while (replica := self._next_ready(tried)) is not None:
            url = replica.url + request.rel_url.path_qs
            try:
                async with self.session.request(request.method, url, data=body or None, headers=headers) as upstream:
                    payload = await upstream.read()
                    out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
                    return web.Response(body=payload, status=upstream.status, headers=out)
            except aiohttp.ClientConnectorError:
                replica.mark(False, "connection refused")  # nothing was sent: the next replica may take it
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                await self._check(replica)
                if not replica.ready:  # it died under the request: whatever it did is gone with it
                    logger.warning("replica %s died during a request (%s); trying another", replica.url,
                                   type(error).__name__)  # fmt: skip
                    continue
                logger.error("replica %s failed during a request: %s", replica.url, type(error).__name__)
                return web.json_response({"error": "replica failed"}, status=502)
        return web.json_response({"error": "no replica ready"}, status=503)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="host:port")
    parser.add_argument("--ready-path", default="/health")
    parser.add_argument("--allow", action="append", default=[], help="path prefix passed on (repeatable)")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("STADTLOTSE_UPSTREAM_TIMEOUT", "30")))
    parser.add_argument("replicas", nargs="+")
    args = parser.parse_args()
    logs.configure(os.environ.get("STADTLOTSE_SERVICE", "balancer"))
    host, _, port = args.listen.rpartition(":")
    balancer = Balancer(args.replicas, args.ready_path, args.allow, args.timeout)
    web.run_app(balancer.app(), host=host or "127.0.0.1", port=int(port), print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
