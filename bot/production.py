"""The production topology on one machine: ``make run-prod`` (``python -m bot.production``).

    public :5005 ─ balancer ─┬─ Rasa replica :5011 ─┐            ┌─ action server :5061
    (REST channel only)      └─ Rasa replica :5012 ─┴ balancer ──┴─ action server :5062
    internal :5006 ─ balancer (Rasa HTTP API, JWT) ─ same replicas     :5055
    web chat :8080 ─ widget backend ─ internal balancer
    Telegram (webhook mode, if TELEGRAM_TOKEN) ─ internal balancer

Every Rasa replica shares the PostgreSQL tracker store and the Redis lock store (deploy/endpoints.yml),
so any replica can take any message and two messages of one person are handled in order. The replicas
hold no state of their own: one can be restarted (or crash) mid-conversation and nothing is lost. This
supervisor restarts a process that stops, and runs the retention job every 6 hours.

Before anything starts it checks the model file (corrupted or foreign: refuse), PostgreSQL (creates the
database if it is missing) and Redis, and says exactly what is wrong. Configuration comes from the
environment only (README, *Production*); secrets are never written to a file or a command line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot import logs
from bot.environment import PRODUCTION_DEFAULTS
from bot.launcher import (
    ONE_THREAD,
    PURGE_EVERY,
    ROOT,
    Service,
    newest_model,
    port_in_use,
    purge_old_conversations,
    telegram_settings,
)
from bot.model_check import ModelError, check_model

logger = logging.getLogger("bot.production")

DEPLOY = ROOT / "deploy"
RESTART_DELAY = 2.0


class TopologyError(Exception):
    """Something the topology needs is missing; the message says what and how to fix it."""


@dataclass
class Ports:
    public: int = 5005
    internal: int = 5006
    actions: int = 5055
    web: int = 8080
    replica_base: int = 5010
    action_base: int = 5060

    def all(self, replicas: int, action_replicas: int) -> list[int]:
        return [self.public, self.internal, self.actions, self.web] + [
            self.replica_base + i + 1 for i in range(replicas)
        ] + [self.action_base + i + 1 for i in range(action_replicas)]  # fmt: skip


def environment() -> dict[str, str]:
    """The children's environment: defaults filled in, one JWT secret and one log key per run if unset."""
    env = {**PRODUCTION_DEFAULTS, **os.environ}
    env.setdefault("RASA_JWT_SECRET", secrets.token_hex(32))
    env.setdefault(logs.LOG_KEY_VARIABLE, secrets.token_hex(16))
    env.setdefault("STADTLOTSE_RECORDS_DB", env["STADTLOTSE_DATABASE_URL"])
    env.update({
        logs.LOG_FORMAT_VARIABLE: env.get(logs.LOG_FORMAT_VARIABLE, "json"),
        "FORCE_JSON_LOGGING": "1",
        "PYTHONWARNINGS": "ignore",  # libraries' deprecation warnings at import time are not log lines
        "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ start-up notices are not log records
        **ONE_THREAD,  # BLAS and OpenMP: one thread per process (bot/launcher.py says why)
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "STADTLOTSE_ENDPOINTS": str(DEPLOY / "endpoints.yml"),
        "STADTLOTSE_EXPECTED_STORES": "ThreadedSQLTrackerStore,AtomicRedisLockStore",  # bot/health.py checks
    })  # fmt: skip
    return env


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def check_database(url: str) -> None:
    """PostgreSQL answers; the database exists (created if not). ``TopologyError`` with the fix otherwise."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    try:
        with sa.create_engine(target, connect_args={"connect_timeout": 5}).connect():
            return
    except sa.exc.OperationalError as error:
        if "does not exist" not in str(error.orig):
            raise TopologyError(
                f"PostgreSQL at {_safe_url(url)} is not reachable ({str(error.orig).strip().splitlines()[0]}). "
                "Start it, or point STADTLOTSE_DATABASE_URL at your database."
            ) from None
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    except sa.exc.SQLAlchemyError as error:
        raise TopologyError(
            f"Database {target.database!r} does not exist and could not be created ({type(error).__name__}). "
            "Create it (createdb) or use a user that may."
        ) from None
    logger.info("created database %s", target.database)


def create_tables(url: str, records_url: str) -> None:
    """Rasa's events table and the usage records, created once here: replicas that start together would
    otherwise race to CREATE TABLE on a new database, and all but one of them crash."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    from actions.records import Records

    engine = sa.create_engine(url)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    Records(records_url).engine  # noqa: B018 (creating the engine creates the tables)


def check_redis(env: dict[str, str]) -> None:
    import redis

    client = redis.Redis(
        host=env["STADTLOTSE_REDIS_HOST"], port=int(env["STADTLOTSE_REDIS_PORT"]), db=int(env["STADTLOTSE_REDIS_DB"]),
        password=env["STADTLOTSE_REDIS_PASSWORD"] or None, socket_timeout=5, socket_connect_timeout=5,
    )  # fmt: skip
    try:
        client.ping()
    except redis.RedisError as error:
        raise TopologyError(
            f"Redis at {env['STADTLOTSE_REDIS_HOST']}:{env['STADTLOTSE_REDIS_PORT']} is not reachable "
            f"({type(error).__name__}: {error}). Start it, or set STADTLOTSE_REDIS_HOST/PORT/PASSWORD."
        ) from None
    finally:
        client.close()


def build(model: Path, ports: Ports, replicas: int, action_replicas: int, host: str) -> list[Service]:
    """Every process of the topology, in start order."""
    python = sys.executable
    logging_config = str(DEPLOY / "logging.yml")
    action_urls = [f"http://127.0.0.1:{ports.action_base + i + 1}" for i in range(action_replicas)]
    rasa_urls = [f"http://127.0.0.1:{ports.replica_base + i + 1}" for i in range(replicas)]
    services = [
        Service(f"action-{i + 1}",
                [python, "-m", "bot.rasa_server", "sdk", "--actions", "actions", "--port", url.rsplit(":", 1)[1],
                 "--logging-config_file", logging_config],
                f"{url}/health", env={"STADTLOTSE_SERVICE": f"action-{i + 1}"})
        for i, url in enumerate(action_urls)
    ]  # fmt: skip
    services.append(balancer("actions-balancer", f"127.0.0.1:{ports.actions}", action_urls, "/health", []))
    for i, url in enumerate(rasa_urls):
        services.append(Service(
            f"rasa-{i + 1}",
            [python, "-m", "bot.rasa_server", "run", "--interface", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
             "--model", str(model), "--endpoints", str(DEPLOY / "endpoints.yml"),
             "--credentials", str(DEPLOY / "credentials.yml"), "--enable-api", "--jwt-method", "HS256",
             "--logging-config-file", logging_config],
            f"{url}/webhooks/health/ready",
            env={"STADTLOTSE_SERVICE": f"rasa-{i + 1}"},
        ))  # fmt: skip
    ready = "/webhooks/health/ready"
    services.append(balancer("public-balancer", f"{host}:{ports.public}", rasa_urls, ready,
                             ["/webhooks/rest/", "/webhooks/health/"]))  # fmt: skip
    services.append(balancer("internal-balancer", f"127.0.0.1:{ports.internal}", rasa_urls, ready, []))
    channel_env = {"RASA_URL": f"http://127.0.0.1:{ports.internal}"}
    services.append(Service("web", [python, "-m", "bot.web"], f"http://127.0.0.1:{ports.web}/ready",
                            env={**channel_env, "WIDGET_PORT": str(ports.web), "WIDGET_HOST": host,
                                 "STADTLOTSE_SERVICE": "web"}))  # fmt: skip
    telegram = telegram_settings()
    if telegram is not None:
        if not telegram.webhook_mode:
            raise TopologyError("In production Telegram runs in webhook mode: set TELEGRAM_WEBHOOK_URL (README).")
        services.append(Service("telegram", [python, "-m", "bot.telegram"],
                                f"http://127.0.0.1:{telegram.webhook_port}/ready",
                                env={**channel_env, "STADTLOTSE_SERVICE": "telegram"}))  # fmt: skip
    return services


def balancer(name: str, listen: str, upstreams: list[str], ready_path: str, allow: list[str]) -> Service:
    command = [sys.executable, "-m", "bot.balancer", "--listen", listen, "--ready-path", ready_path]
    for prefix in allow:
        command += ["--allow", prefix]
    host, _, port = listen.rpartition(":")
    return Service(name, command + upstreams, f"http://127.0.0.1:{port}/balancer/ready",
                   env={"STADTLOTSE_SERVICE": name})  # fmt: skip


def write_state(path: Path | None, services: list[Service]) -> None:
    """Which process is which (pid), for operators and the tests that kill one on purpose."""
    if path is None:
        return
    state = {s.name: {"pid": s.process.pid if s.process else None, "ready_url": s.ready_url} for s in services}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    temporary.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("STADTLOTSE_REPLICAS", "2")))
    parser.add_argument("--action-replicas", type=int, default=int(os.environ.get("STADTLOTSE_ACTION_REPLICAS", "2")))
    parser.add_argument("--host", default=os.environ.get("STADTLOTSE_PUBLIC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--internal-port", type=int, default=int(os.environ.get("STADTLOTSE_INTERNAL_PORT", "5006")))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WIDGET_PORT", "8080")))
    parser.add_argument("--replica-port-base", type=int, default=5010)
    parser.add_argument("--action-port-base", type=int, default=5060)
    parser.add_argument("--model", type=Path, help="default: the newest model in models/")
    parser.add_argument("--state", type=Path, default=ROOT / "var" / "run-prod.json")
    args = parser.parse_args()
    ports = Ports(args.port, args.internal_port, args.action_port, args.web_port,
                  args.replica_port_base, args.action_port_base)  # fmt: skip
    env = environment()
    env["STADTLOTSE_ACTION_URL"] = f"http://127.0.0.1:{ports.actions}/webhook"
    os.environ.update(env)  # children (and the retention job) inherit it through Service.start
    logs.configure("supervisor")
    try:
        if args.replicas < 1 or args.action_replicas < 1:
            raise TopologyError("--replicas and --action-replicas must be at least 1.")
        busy = [p for p in ports.all(args.replicas, args.action_replicas) if port_in_use(p)]
        if busy:
            raise TopologyError(f"Ports already in use: {', '.join(map(str, busy))}. Is Stadtlotse already running?")
        model = args.model or newest_model()
        check_model(model)
        check_database(env["STADTLOTSE_DATABASE_URL"])
        create_tables(env["STADTLOTSE_DATABASE_URL"], env["STADTLOTSE_RECORDS_DB"])
        check_redis(env)
        services = build(model, ports, args.replicas, args.action_replicas, args.host)
    except (ModelError, TopologyError) as error:
        print(f"Not started: {error}", file=sys.stderr, flush=True)
        return 2
    return supervise(services, args.state, ports, args.host)


def supervise(services: list[Service], state: Path | None, ports: Ports, host: str) -> int:
    def stop_all(*_: object) -> None:
        raise KeyboardInterrupt  # also during start-up: stop what runs, then exit

    signal.signal(signal.SIGTERM, stop_all)
    ready_marker = state.with_suffix(".ready") if state is not None else None
    if ready_marker is not None:
        ready_marker.unlink(missing_ok=True)  # a marker left by an earlier run must not say "up"
    try:
        for service in services:  # replicas of one kind load in parallel, the rest waits for them
            service.start()
        write_state(state, services)
        for service in services:
            service.wait_ready(timeout=300)
        if ready_marker is not None:  # every process answered its readiness probe: the whole topology is up
            ready_marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"), encoding="utf-8")
        print(
            f"""
Stadtlotse (production topology) is running: {sum(s.name.startswith('rasa-') for s in services)} Rasa replicas,
{sum(s.name.startswith('action-') for s in services)} action servers, PostgreSQL tracker store, Redis lock store.
  REST channel : http://{host}:{ports.public}/webhooks/rest/webhook   (readiness: /balancer/ready)
  Web chat     : http://{host}:{ports.web}/   (readiness: /ready)
  Processes    : {state}
Stop with Ctrl-C.""",
            flush=True,
        )
        next_purge = 0.0
        while True:
            if time.monotonic() >= next_purge:
                purge_old_conversations()
                next_purge = time.monotonic() + PURGE_EVERY
            for service in services:
                if service.process is not None and service.process.poll() is not None:
                    logger.warning("%s stopped (exit code %s); restarting it", service.name, service.process.returncode)
                    time.sleep(RESTART_DELAY)
                    service.start()
                    write_state(state, services)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except SystemExit as error:  # a service did not become ready
        print(f"Not started: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        if ready_marker is not None:
            ready_marker.unlink(missing_ok=True)
        for service in reversed(services):
            service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
