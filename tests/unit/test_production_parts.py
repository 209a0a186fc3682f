"""The production topology's parts on their own: model check, balancer, atomic lock store, log records."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.balancer import Balancer
from bot.logs import json_formatter
from bot.model_check import ModelError, check_model

ROOT = Path(__file__).resolve().parents[2]


def newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def model_archive(path: Path, metadata: dict) -> Path:
    data = json.dumps(metadata).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


# ----------------------------------------------------------------------------------------------- model check


def test_a_truncated_model_is_refused_with_its_name(tmp_path: Path) -> None:
    model = newest_model()
    if model is None:
        pytest.skip("no trained model (make test trains one first)")
    broken = tmp_path / "truncated.tar.gz"
    broken.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    with pytest.raises(ModelError, match=r"truncated\.tar\.gz is corrupted or truncated"):
        check_model(broken)


def test_random_bytes_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "random.tar.gz").write_bytes(uuid.uuid4().bytes * 100)
    (tmp_path / "empty.tar.gz").write_bytes(b"")
    with pytest.raises(ModelError, match="corrupted"):
        check_model(tmp_path / "random.tar.gz")
    with pytest.raises(ModelError, match="missing or empty"):
        check_model(tmp_path / "empty.tar.gz")


def test_a_model_of_another_assistant_or_rasa_version_is_refused(tmp_path: Path) -> None:
    foreign = model_archive(tmp_path / "foreign.tar.gz",
                            {"rasa_open_source_version": "3.6.21", "domain": {"slots": {"cuisine": {}}}})  # fmt: skip
    with pytest.raises(ModelError, match="not a Stadtlotse model.*language"):
        check_model(foreign)
    old = model_archive(tmp_path / "old.tar.gz", {"rasa_open_source_version": "2.8.1", "domain": {}})
    with pytest.raises(ModelError, match="trained with Rasa 2.8.1"):
        check_model(old)
    no_metadata = tmp_path / "nometa.tar.gz"
    with tarfile.open(no_metadata, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("something.txt"), io.BytesIO(b""))
    with pytest.raises(ModelError, match="no metadata.json"):
        check_model(no_metadata)


def test_the_trained_model_passes() -> None:
    model = newest_model()
    if model is None:
        pytest.skip("no trained model (make test trains one first)")
    assert check_model(model)["domain"]["slots"]["language"] is not None


# ------------------------------------------------------------------------------------------------- balancer


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def replica(name: str, ready: bool = True) -> TestServer:
    app = web.Application()

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"replica": name, "body": await request.text()})

    async def probe(_request: web.Request) -> web.Response:
        return web.json_response({}, status=200 if ready else 503)

    app.router.add_get("/ready", probe)
    app.router.add_route("*", "/{tail:.*}", answer)
    server = TestServer(app)
    await server.start_server()
    return server


async def balanced(replicas: list[str], allow: list[str]) -> TestClient:
    balancer = Balancer(replicas, "/ready", allow, timeout=5)
    client = TestClient(TestServer(balancer.app()))
    await client.start_server()
    return client


@pytest.mark.integration  # local HTTP servers
@pytest.mark.asyncio
async def test_the_balancer_alternates_and_passes_only_allowed_paths() -> None:
    one, two = await replica("one"), await replica("two")
    client = await balanced([str(one.make_url("")), str(two.make_url(""))], ["/webhooks/rest/"])
    try:
        seen = set()
        for _ in range(4):
            response = await client.post("/webhooks/rest/webhook", data="hallo")
            body = await response.json()
            assert body["body"] == "hallo"
            seen.add(body["replica"])
        assert seen == {"one", "two"}
        assert (await client.get("/conversations/x/tracker")).status == 404
        assert (await client.get("/balancer/ready")).status == 200
    finally:
        await client.close()
        await one.close()
        await two.close()


@pytest.mark.integration  # local HTTP servers
@pytest.mark.asyncio
async def test_a_dead_replica_is_skipped_and_no_ready_replica_means_503() -> None:
    alive, starting = await replica("alive"), await replica("starting", ready=False)
    dead = f"http://127.0.0.1:{closed_port()}"
    client = await balanced([dead, str(alive.make_url(""))], [])
    try:
        for _ in range(3):
            response = await client.post("/webhooks/rest/webhook", data="x")
            assert (await response.json())["replica"] == "alive"
    finally:
        await client.close()
    client = await balanced([dead, str(starting.make_url(""))], [])
    try:
        assert (await client.post("/webhooks/rest/webhook", data="x")).status == 503
        assert (await client.get("/balancer/ready")).status == 503
    finally:
        await client.close()
        await alive.close()
        await starting.close()


# ------------------------------------------------------------------------------------------ atomic lock store


@pytest.mark.integration  # the machine's Redis
def test_tickets_are_unique_across_stores_hammering_one_conversation() -> None:
    from rasa.core.lock_store import RedisLockStore

    from bot.lock_store import AtomicRedisLockStore

    def tickets(store_class: type, conversation: str) -> list[int]:
        stores = [store_class(host="127.0.0.1", port=6379, db=3, key_prefix="stadtlotsetest") for _ in range(4)]
        issued: list[int] = []
        start = threading.Barrier(len(stores) * 5)

        def take(store: RedisLockStore) -> None:
            start.wait()
            issued.append(store.issue_ticket(conversation))

        threads = [threading.Thread(target=take, args=(s,)) for s in stores for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stores[0].delete_lock(conversation)
        return issued

    ours = tickets(AtomicRedisLockStore, f"atomic-{uuid.uuid4().hex}")
    assert sorted(ours) == list(range(20))  # each ticket once: one holder at a time
    # why ours exists: Rasa's own store hands out the same ticket twice (a race, so allow a few tries)
    assert any(len(set(t)) < len(t) for t in (tickets(RedisLockStore, f"plain-{uuid.uuid4().hex}") for _ in range(5)))


@pytest.mark.integration
@pytest.mark.asyncio
async def test_the_lock_is_given_back_and_deleted() -> None:
    from bot.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=3, key_prefix="stadtlotsetest")
    conversation = f"cleanup-{uuid.uuid4().hex}"
    async with store.lock(conversation) as lock:
        assert lock.conversation_id == conversation
        assert store.get_lock(conversation) is not None
    assert store.get_lock(conversation) is None
    await asyncio.sleep(0)


# ------------------------------------------------------------------------------------------------ log records


def record(message: str, **extra: object) -> dict:
    formatter = json_formatter("test")
    entry = logging.LogRecord("rasa.core.channels.rest", logging.ERROR, __file__, 1, message, None, None)
    entry.__dict__.update(extra)
    return dict(json.loads(formatter.format(entry)))


def test_log_records_hash_senders_and_drop_texts() -> None:
    line = record("answered", sender="web-1234567890", text="Ich heiße Anna Zebrafisch")
    assert line["service"] == "test" and line["level"] == "error"
    assert line["sender"] != "web-1234567890" and len(line["sender"]) == 16
    assert "Zebrafisch" not in json.dumps(line)


def test_rasa_structlog_events_are_merged_and_cleaned() -> None:
    inner = json.dumps({"event": "rest.message.received.failure", "text": "Zebrafisch", "exception": [
        {"exc_type": "LockError", "exc_value": "boom", "frames": [{"locals": {"text": "Zebrafisch"}}]}]})  # fmt: skip
    line = record(inner)
    assert line["event"] == "rest.message.received.failure"
    assert line["exception"] == [{"type": "LockError", "value": "boom"}]
    assert "Zebrafisch" not in json.dumps(line)


def test_sql_parameters_never_reach_the_log() -> None:
    message = (
        "(psycopg2.OperationalError) closed\n[SQL: INSERT INTO events (data) VALUES (%(data)s)]\n"
        "[parameters: {'data': '{\"text\": \"Zebrafisch\"}'}]\n(Background on this error at: https://sqlalche.me)"
    )
    line = record(message)
    assert "Zebrafisch" not in json.dumps(line) and "INSERT INTO events" in line["event"]
