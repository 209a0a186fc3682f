"""The production topology (``python -m bot.production``) against the machine's real PostgreSQL and Redis.

Two Rasa replicas and two action servers behind balancers, the widget backend in front; the database and
Redis are reached through TCP relays the tests can cut. Each test is one promise of the production issue:
shared state across replicas, ordered handling of simultaneous messages, a restarted replica, a killed
action server, a database or Redis outage, the retention job, erasure, and logs without message texts.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from actions.i18n import texts
from bot.city import city_facts
from bot.web.server import Sessions
from bot.web.texts import unavailable
from tests.integration.servers import (
    POSTGRES,
    REDIS,
    ROOT,
    TcpProxy,
    Topology,
    free_port,
    free_port_block,
    http,
    reachable,
    running_topology,
)
from tests.integration.telegram_api import FakeTelegram

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIXED_NOW = "2026-11-25T10:00"
# Words no log line may contain: every message these tests send carries one.
SECRET_WORDS = ("Zebrafisch", "Quallenlampe")
RUN = uuid.uuid4().hex[:8]


TOKEN = "424242:production-test-token"
SECRET = "production-webhook-secret"


@pytest.fixture(scope="module")
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegram) -> Iterator[Topology]:
    for name, address in (("PostgreSQL", POSTGRES), ("Redis", REDIS)):
        if not reachable(address):
            pytest.fail(f"{name} is not running on {address[0]}:{address[1]}; `.ci/run` starts it (see the README).")
    postgres, redis = TcpProxy(*POSTGRES), TcpProxy(*REDIS)
    hook_port = free_port()
    env = {
        "STADTLOTSE_NOW": FIXED_NOW,
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram_api.url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{hook_port}/telegram/hook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_PORT": str(hook_port),
    }
    try:
        with running_topology(tmp_path_factory.mktemp("production"), 2, env, postgres, redis) as running:
            yield running
    finally:
        postgres.close()
        redis.close()


def sender(label: str) -> str:
    return f"prod-{label}-{RUN}"


def test_every_process_answers_its_readiness_probe_and_the_api_stays_internal(topology: Topology) -> None:
    state = topology.state()
    assert {"rasa-1", "rasa-2", "action-1", "action-2", "public-balancer", "internal-balancer", "web"} <= set(state)
    for name, process in state.items():
        assert http("GET", process["ready_url"])[0] == 200, name
    assert http("GET", f"{topology.replica(1)}/webhooks/health/live")[0] == 200
    # the public entry passes the REST channel only; the HTTP API needs the JWT
    assert http("GET", f"{topology.public}/conversations/x/tracker")[0] == 404
    assert http("GET", f"{topology.public}/status")[0] == 404
    assert http("GET", f"{topology.internal}/conversations/x/tracker")[0] == 401
    assert http("GET", f"{topology.internal}/conversations/x/tracker", headers={"Authorization": "Bearer forged"})[
        0
    ] == 401


def test_messages_on_alternating_replicas_share_one_conversation(topology: Topology) -> None:
    person = sender("alternating")
    texts = ["مرحبا Zebrafisch", "أين أسجل عنواني؟", "متى يفتح مكتب المواطنين؟", "شكرا Zebrafisch"]
    for number, text in enumerate(texts):
        assert topology.send(person, text, topology.replica(1 + number % 2))
    tracker = topology.tracker(person, topology.replica(2))
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == texts
    assert tracker["slots"]["language"] == "ar"


def test_simultaneous_messages_of_one_person_are_handled_one_after_the_other(topology: Topology) -> None:
    person = sender("simultaneous")
    texts = [f"Wo melde ich mich an? Zebrafisch {n}" for n in range(6)]
    start = threading.Barrier(len(texts))
    answers: dict[int, list[dict[str, Any]]] = {}

    def one(number: int) -> None:
        start.wait()
        answers[number] = topology.send(person, texts[number], topology.replica(1 + number % 2))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == list(range(len(texts))) and all(answers.values())
    kinds = [e["event"] for e in topology.tracker(person)["events"] if e["event"] in ("user", "bot")]
    assert kinds.count("user") == len(texts)
    # with the Redis lock each message is answered before the next one is read: no "user, user"
    assert all(not (a == b == "user") for a, b in zip(kinds, kinds[1:], strict=False)), kinds
    assert kinds[-1] == "bot"


def test_a_replica_killed_mid_conversation_loses_nothing(topology: Topology) -> None:
    person = sender("restart")
    first = ["Hallo", "Wo ist das Bürgerbüro? Zebrafisch"]
    for text in first:
        assert topology.send(person, text)
    old_pid = topology.pid("rasa-1")
    os.kill(old_pid, signal.SIGKILL)
    during = ["Was kostet ein Personalausweis?", "Wann ist das Jobcenter offen?", "Danke Zebrafisch"]
    for text in during:  # the balancer takes the other replica
        assert topology.send(person, text)
    deadline = time.monotonic() + 60
    while topology.pid("rasa-1") == old_pid and time.monotonic() < deadline:
        time.sleep(0.5)
    assert topology.pid("rasa-1") != old_pid, "the supervisor did not restart the killed replica"
    topology.wait_ready(f"{topology.replica(1)}/webhooks/health/ready")
    assert topology.send(person, "Tschüss Zebrafisch", topology.replica(1))
    assert topology.user_texts(person) == first + during + ["Tschüss Zebrafisch"]


def test_without_action_servers_users_get_the_fallback_then_answers_again(topology: Topology) -> None:
    session = topology.widget_session()
    topology.process.send_signal(signal.SIGSTOP)  # the supervisor would restart them at once
    try:
        for name in ("action-1", "action-2"):
            os.kill(topology.pid(name), signal.SIGKILL)
        time.sleep(1.5)
        status, body, seconds = topology.widget_ask(session, "أين أسجل عنواني؟ Zebrafisch", "ar")
        assert status == 503 and body["error"] == "unavailable", body
        assert body["message"] == unavailable(texts("ar"), city_facts().phone)  # the Arabic apology
        assert seconds < 7.5
    finally:
        topology.process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, body, _ = topology.widget_ask(session, "أين أسجل عنواني؟", "ar")
        if status == 200:
            break
        time.sleep(1)
    assert status == 200 and body["messages"], body
    assert "Anmeldung" in body["messages"][0]["text"]


def errors_since(topology: Topology, offset: int) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in topology.log()[offset:].splitlines() if line.startswith("{")]
    return [r for r in records if r.get("level") in ("error", "critical", "exception")]


def wait_for_answer(topology: Topology, session: str, text: str, language: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body, _ = topology.widget_ask(session, text, language)
        if status == 200:
            return dict(body)
        time.sleep(1)
    raise AssertionError(f"no answer after the outage: {body}")


def test_a_database_outage_is_logged_users_still_get_answers_and_it_recovers(topology: Topology) -> None:
    pids = {name: topology.pid(name) for name in ("rasa-1", "rasa-2")}
    session = topology.widget_session()
    person = Sessions.sender(session)
    assert topology.widget_ask(session, "Wann hat das Bürgerbüro offen?", "de")[0] == 200
    offset = len(topology.log())
    topology.postgres.down()
    try:
        # Rasa's fail-safe tracker store answers from memory while PostgreSQL is away
        status, body, seconds = topology.widget_ask(session, "Wann hat das Bürgerbüro offen? Quallenlampe", "de")
        assert status == 200 and "Bürgerbüro" in body["messages"][0]["text"], body
        assert seconds < 7.5
    finally:
        topology.postgres.up()
    assert any("SQLTrackerStore" in str(e.get("event")) for e in errors_since(topology, offset))
    stored = topology.stored_events(person)
    body = wait_for_answer(topology, session, "Wo melde ich mich an?", "de")
    assert "Anmeldung" in body["messages"][0]["text"]
    assert topology.stored_events(person) > stored, "after the outage conversations are stored again"
    assert {name: topology.pid(name) for name in pids} == pids, "recovery needed a restart"


def test_a_redis_outage_gives_the_apology_and_recovers_without_a_restart(topology: Topology) -> None:
    pids = {name: topology.pid(name) for name in ("rasa-1", "rasa-2")}
    session = topology.widget_session()
    assert topology.widget_ask(session, "Wann hat das Bürgerbüro offen?", "de")[0] == 200
    offset = len(topology.log())
    topology.redis.down()
    try:
        status, body, seconds = topology.widget_ask(session, "Wann hat das Bürgerbüro offen? Quallenlampe", "de")
        assert status == 503 and body["message"] == unavailable(texts("de"), city_facts().phone), body
        assert seconds < 7.5
    finally:
        topology.redis.up()
    assert any("LockError" in json.dumps(e) for e in errors_since(topology, offset))
    body = wait_for_answer(topology, session, "Wann hat das Bürgerbüro offen?", "de")
    assert "Bürgerbüro" in body["messages"][0]["text"]
    assert {name: topology.pid(name) for name in pids} == pids, "recovery needed a restart"


def test_the_retention_job_deletes_old_conversations_from_postgresql(topology: Topology) -> None:
    old, recent = sender("old"), sender("recent")
    for person in (old, recent):
        topology.send(person, "Hallo Zebrafisch")
    engine = sa.create_engine(topology.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = :s"), {"s": old}
        )
    engine.dispose()
    env = {**topology.env, "STADTLOTSE_ENDPOINTS": str(ROOT / "deploy" / "endpoints.yml"),
           "STADTLOTSE_ACTION_URL": f"http://127.0.0.1:{topology.base + 2}/webhook"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "bot.privacy", "purge", "--days", "30"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert topology.stored_events(old) == 0
    assert topology.stored_events(recent) > 0


def test_erasing_a_conversation_works_in_production(topology: Topology) -> None:
    session = topology.widget_session()
    assert topology.widget_ask(session, "Wo melde ich mich an? Zebrafisch", "de")[0] == 200
    person = Sessions.sender(session)
    assert topology.stored_events(person) > 0
    status, _ = http("POST", f"{topology.web}/api/delete", {"session": session})
    assert status == 200
    assert topology.stored_events(person) == 0


def post_update(url: str, update: dict[str, Any]) -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    request = urllib.request.Request(url, json.dumps(update).encode(), headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # Telegram's webhook answers "ok"
        return int(response.status)


def test_telegram_answers_a_redelivered_update_once_even_after_a_restart(
    topology: Topology, telegram_api: FakeTelegram
) -> None:
    url, chat = topology.env["TELEGRAM_WEBHOOK_URL"], 4242
    message = telegram_api.user_message(chat, "de", text="Wo ist das Standesamt?")
    update = {"update_id": random.randrange(10**9), "message": message}  # Redis keeps ids for a day
    mark = telegram_api.mark()
    assert post_update(url, update) == 200
    assert "Standesamt" in telegram_api.replies(mark, chat)[0].text
    old = topology.pid("telegram")
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while topology.pid("telegram") == old and time.monotonic() < deadline:
        time.sleep(0.5)
    topology.wait_ready(topology.state()["telegram"]["ready_url"], timeout=120)
    assert post_update(url, update) == 200  # Telegram delivers it again, to the restarted process
    time.sleep(3)
    assert len(telegram_api.calls_since(mark, "sendMessage", chat)) == 1  # the update ids live in Redis


def test_a_corrupted_model_is_refused_before_anything_starts(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really a model")
    base = free_port_block()
    done = subprocess.run(
        [sys.executable, "-m", "bot.production", "--model", str(broken), "--port", str(base),
         "--internal-port", str(base + 1), "--action-port", str(base + 2), "--web-port", str(base + 3),
         "--replica-port-base", str(base + 10), "--action-port-base", str(base + 20), "--state", str(tmp_path / "s")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"Not started: Model {broken} is corrupted or truncated" in done.stderr
    assert not (tmp_path / "s").exists()


def test_the_logs_are_json_with_no_message_text_and_no_sender_id(topology: Topology) -> None:
    log = topology.log()
    lines = [line for line in log.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) > 20
    services = {r.get("service") for r in records}
    assert services >= {"rasa-1", "action-1", "public-balancer", "web", "telegram", "supervisor"}
    for word in SECRET_WORDS:
        assert word not in log
    assert f"prod-alternating-{RUN}" not in log and f"prod-restart-{RUN}" not in log
    human = [line for line in lines if not line.startswith("{")]
    # only the supervisor's start-up banner is text for people; everything else is a JSON record
    banner = ("Stadtlotse", "  ", "Stop with", "2 action servers", "Web chat: demo page")
    assert all(line.startswith(banner) for line in human), human[:10]
