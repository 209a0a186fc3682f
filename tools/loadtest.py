"""Load test of the assistant's REST channel: many simulated users, each in multi-turn conversations.

Each simulated user speaks one language and holds conversations of 3–6 messages from the development set
(benchmark/dev/, never the held-out benchmark), thinking 1–4 s between messages; when a conversation ends
the same user starts a new one under a new sender id, so the offered load stays steady. Users start
evenly spread over the ramp-up (10 s by default); only messages sent in the steady-state window after it
are measured.
Every reply must be HTTP 200 with exactly one bot message (Stadtlotse answers each message with one
bubble); with a token or JWT secret the conversations' trackers are checked afterwards as well.

Why asyncio + aiohttp and not locust: locust installs cleanly in a venv of its own, but stores latencies
rounded to two significant digits (3432 ms becomes 3400 ms) — the very range a saturated server is in —,
would still need our own code for the one-answer checks and the steady-state window, and could only be
called from tools/bench.py across a subprocess into a second venv of 40 packages (gevent, Flask, pytest).
aiohttp is already in .venv, and one process of this generator is far from being the bottleneck: it reports
its own CPU use (3 % of a core at 22 msg/s here), so a saturated client would show.

    python tools/loadtest.py --url http://127.0.0.1:5005 --users 200 --duration 60 --token T --json out.json

Exit code 0 also when the figures are bad (a benchmark, not a test); 1 when the URL cannot be reached
before the start, 2 on usage errors. Targets off this machine need --allow-remote (a typo must not
load a city's production server).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import random
import socket
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "benchmark" / "dev"
CHANNEL_TIMEOUT_S = 5.0  # the channels apologise instead of waiting longer (bot/assistant.py)
TRACKER_CONCURRENCY = 8


class UnreachableError(RuntimeError):
    """The assistant did not answer at all before the run (wrong URL, server not started)."""


@dataclass
class Plan:
    """What to simulate. Defaults: 200 users, ~80 msg/s offered when the server keeps up."""

    url: str
    users: int = 200
    duration: float = 60.0
    ramp: float = 10.0
    think: tuple[float, float] = (1.0, 4.0)
    turns: tuple[int, int] = (3, 6)
    timeout: float = 30.0
    seed: int | None = None
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])


@dataclass
class Sample:
    """One message sent and what came back."""

    language: str
    started: float  # seconds since the run's start
    latency_ms: float
    outcome: str  # "answered" (HTTP 200, a JSON list), or an error: "http_<status>", "timeout", "connection", ...
    answers: int  # bot messages in the reply


def load_texts(folder: Path = DEV_SET) -> dict[str, list[str]]:
    """Message texts per language from a benchmark folder (one YAML file per language)."""
    texts: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts[str(data["language"])] = [str(item["text"]) for item in data["messages"]]
    if not texts:
        raise ValueError(f"no message files in {folder}")
    return texts


def is_local(url: str) -> bool:
    """Whether every address the URL's host resolves to is on this machine."""
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the nearest ranks of the raw values (no bucketing)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bot_answers(body: Any) -> int:
    """Number of bot messages in a REST channel reply (a message has text, buttons, an image or custom data)."""
    if not isinstance(body, list):
        return -1
    keys = ("text", "buttons", "image", "custom", "attachment")
    return sum(1 for m in body if isinstance(m, dict) and any(m.get(k) for k in keys))


async def send(
    session: aiohttp.ClientSession, endpoint: str, sender: str, text: str, timeout: float
) -> tuple[str, int]:
    """Post one message; return the outcome and the number of bot messages in the reply."""
    try:
        async with session.post(
            endpoint, json={"sender": sender, "message": text}, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            raw = await response.read()
            if response.status != 200:
                return f"http_{response.status}", 0
        answers = bot_answers(json.loads(raw))
    except asyncio.TimeoutError:  # before ClientError: aiohttp's timeouts are both
        return "timeout", 0
    except aiohttp.ClientConnectionError:
        return "connection", 0
    except aiohttp.ClientError:
        return "client_error", 0
    except ValueError:
        return "bad_json", 0
    return ("answered", answers) if answers >= 0 else ("not_a_list", 0)


async def simulated_user(
    number: int, session: aiohttp.ClientSession, plan: Plan, texts: dict[str, list[str]],
    samples: list[Sample], sent: dict[str, int], origin: float,
) -> None:  # fmt: skip
    """One person: one language, conversation after conversation until the window closes."""
    rng = random.Random(None if plan.seed is None else plan.seed * 100_003 + number)
    languages = sorted(texts)
    language = languages[number % len(languages)]
    end = plan.ramp + plan.duration
    endpoint = f"{plan.url.rstrip('/')}/webhooks/rest/webhook"
    await asyncio.sleep(plan.ramp * number / plan.users)
    conversation = 0
    while time.monotonic() - origin < end:
        sender = f"load-{plan.run}-{number}-{conversation}"
        turns = min(rng.randint(*plan.turns), len(texts[language]))
        for text in rng.sample(texts[language], turns):
            started = time.monotonic() - origin
            if started >= end:
                return
            sent[sender] = sent.get(sender, 0) + 1
            clock = time.perf_counter()
            outcome, answers = await send(session, endpoint, sender, text, plan.timeout)
            samples.append(Sample(language, started, (time.perf_counter() - clock) * 1000, outcome, answers))
            await asyncio.sleep(rng.uniform(*plan.think))
        conversation += 1


def summarise(samples: list[Sample], plan: Plan) -> dict[str, Any]:
    """Figures of the steady-state window (messages by the time they were sent)."""
    window = [s for s in samples if plan.ramp <= s.started < plan.ramp + plan.duration]
    answered = [s for s in window if s.outcome == "answered"]
    latencies = [s.latency_ms for s in answered]
    errors: dict[str, int] = {}
    for s in window:
        if s.outcome != "answered":
            errors[s.outcome] = errors.get(s.outcome, 0) + 1
    return {
        "sent": len(window),
        "sent_whole_run": len(samples),
        "offered_msg_per_s": len(window) / plan.duration,
        "answered_msg_per_s": len(answered) / plan.duration,
        "exactly_one_answer": sum(1 for s in answered if s.answers == 1),
        "lost": sum(1 for s in answered if s.answers == 0),
        "duplicate_answers": sum(1 for s in answered if s.answers > 1),
        "errors": errors,
        "errors_whole_run": sum(1 for s in samples if s.outcome != "answered"),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=None),
        "over_channel_timeout": sum(1 for v in latencies if v > CHANNEL_TIMEOUT_S * 1000),
        "timeline": timeline(samples, plan),
        "p95_ms_by_language": {
            lang: percentile([s.latency_ms for s in answered if s.language == lang], 95)
            for lang in sorted({s.language for s in window})
        },
    }


def timeline(samples: list[Sample], plan: Plan, step: float = 10.0) -> list[dict[str, Any]]:
    """Per slice of the whole run (ramp-up included): was the window really a steady state?"""
    slices = []
    start = 0.0
    while start < plan.ramp + plan.duration:
        part = [s for s in samples if start <= s.started < start + step]
        latencies = [s.latency_ms for s in part if s.outcome == "answered"]
        slices.append(
            {"from_s": start, "sent": len(part), "errors": len(part) - len(latencies),
             "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)}
        )  # fmt: skip
        start += step
    return slices


def bot_events_per_user_event(events: list[dict[str, Any]]) -> list[int]:
    """For each user event of a tracker, the number of bot events before the next user event."""
    counts: list[int] = []
    for event in events:
        if event.get("event") == "user":
            counts.append(0)
        elif event.get("event") == "bot" and counts:
            counts[-1] += 1
    return counts


def tracker_auth(token: str | None, jwt_secret: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Query parameters and headers for Rasa's tracker API (--auth-token or --jwt-secret)."""
    if jwt_secret:
        import jwt  # PyJWT, in .venv with Rasa

        bearer = jwt.encode({"user": {"username": "loadtest", "role": "admin"}}, jwt_secret, algorithm="HS256")
        return {}, {"Authorization": f"Bearer {bearer}"}
    return ({"token": token} if token else {}), {}


async def check_trackers(
    session: aiohttp.ClientSession, base: str, sent: dict[str, int], sample: int, seed: int | None,
    token: str | None, jwt_secret: str | None,
) -> dict[str, Any]:  # fmt: skip
    """Compare each conversation's tracker with what was sent: one user event per message, each answered."""
    senders = sorted(sent)
    if 0 < sample < len(senders):
        senders = random.Random(seed).sample(senders, sample)
    params, headers = tracker_auth(token, jwt_secret)
    limit = asyncio.Semaphore(TRACKER_CONCURRENCY)

    async def fetch(sender: str) -> tuple[str, Any]:
        async with limit:
            try:
                async with session.get(
                    f"{base.rstrip('/')}/conversations/{quote(sender, safe='')}/tracker", params=params,
                    headers=headers, timeout=aiohttp.ClientTimeout(total=30),
                ) as response:  # fmt: skip
                    if response.status != 200:
                        return sender, f"http_{response.status}"
                    return sender, await response.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                return sender, type(error).__name__

    result: dict[str, Any] = {
        "conversations_checked": 0, "fetch_errors": {}, "user_event_mismatches": 0, "mismatch_examples": [],
        "user_events": 0, "unanswered_user_events": 0, "user_events_with_several_bot_events": 0,
    }  # fmt: skip
    for sender, tracker in await asyncio.gather(*(fetch(s) for s in senders)):
        if not isinstance(tracker, dict):
            result["fetch_errors"][str(tracker)] = result["fetch_errors"].get(str(tracker), 0) + 1
            continue
        counts = bot_events_per_user_event(tracker.get("events") or [])
        result["conversations_checked"] += 1
        result["user_events"] += len(counts)
        result["unanswered_user_events"] += sum(1 for c in counts if c == 0)
        result["user_events_with_several_bot_events"] += sum(1 for c in counts if c > 1)
        if len(counts) != sent[sender]:
            result["user_event_mismatches"] += 1
            if len(result["mismatch_examples"]) < 5:
                result["mismatch_examples"].append({"sender": sender, "sent": sent[sender], "user_events": len(counts)})
    return result


async def reachable(session: aiohttp.ClientSession, url: str) -> None:
    """Any HTTP answer from the base URL counts (a balancer may answer 404 on /); no answer is fatal."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
            await response.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise UnreachableError(f"{url} does not answer ({type(error).__name__}: {error})") from error


async def _run(
    plan: Plan, texts: dict[str, list[str]], tracker_url: str | None, token: str | None, jwt_secret: str | None,
    tracker_sample: int,
) -> dict[str, Any]:  # fmt: skip
    samples: list[Sample] = []
    sent: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=0)  # one connection per waiting user, as real clients have
    async with aiohttp.ClientSession(connector=connector) as session:
        await reachable(session, plan.url)
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.gather(*(simulated_user(n, session, plan, texts, samples, sent, wall) for n in range(plan.users)))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        results = summarise(samples, plan)
        results["generator_cpu_percent"] = 100 * cpu / wall
        results["conversations"] = len(sent)
        tracker = None
        if token or jwt_secret:
            tracker = await check_trackers(
                session, tracker_url or plan.url, sent, tracker_sample, plan.seed, token, jwt_secret
            )
    config = {**asdict(plan), "languages": sorted(texts), "tracker_sample": tracker_sample}
    return {"config": config, "results": results, "tracker": tracker}


def run_load(
    url: str, users: int = 200, duration: float = 60.0, *, ramp: float = 10.0,
    think: tuple[float, float] = (1.0, 4.0), turns: tuple[int, int] = (3, 6), timeout: float = 30.0,
    texts: dict[str, list[str]] | None = None, tracker_url: str | None = None, token: str | None = None,
    jwt_secret: str | None = None, tracker_sample: int = 0, seed: int | None = None, allow_remote: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Run the load and return {"config", "results", "tracker"} (tracker is None without token/secret).

    Raises UnreachableError when the URL does not answer, ValueError on impossible settings.
    Takes ramp + duration + up to `timeout` seconds (plus the tracker check).
    """
    if users < 1 or duration <= 0 or ramp < 0 or not 0 <= think[0] <= think[1] or not 1 <= turns[0] <= turns[1]:
        raise ValueError("need users ≥ 1, duration > 0, ramp ≥ 0, 0 ≤ think min ≤ max, 1 ≤ turns min ≤ max")
    texts = texts or load_texts()
    if any(not messages for messages in texts.values()):
        raise ValueError("every language needs at least one message text")
    for target in filter(None, (url, tracker_url)):
        if not allow_remote and not is_local(target):
            raise ValueError(f"{target} is not on this machine; pass allow_remote (--allow-remote) to load it")
    plan = Plan(url, users, duration, ramp, think, turns, timeout, seed)
    return asyncio.run(_run(plan, texts, tracker_url, token, jwt_secret, tracker_sample))


def fmt(value: float | None, pattern: str = "{:.0f}") -> str:
    return "–" if value is None else pattern.format(value)


def markdown(report: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    c, r, t = report["config"], report["results"], report["tracker"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items())) or "none"
    think, turns = c["think"], c["turns"]
    rows = [
        ("simulated users / languages", f"{c['users']} / {len(c['languages'])}"),
        ("ramp-up, then measured window (s)", f"{fmt(c['ramp'])}, {fmt(c['duration'])}"),
        ("think time, messages per conversation", f"{think[0]:g}–{think[1]:g} s, {turns[0]}–{turns[1]}"),
        ("messages sent in the window (whole run)", f"{r['sent']} ({r['sent_whole_run']})"),
        ("offered load (msg/s)", fmt(r["offered_msg_per_s"], "{:.1f}")),
        ("answered (msg/s)", fmt(r["answered_msg_per_s"], "{:.1f}")),
        ("latency p50 / p95 / p99 / max (ms)",
         " / ".join(fmt(r[k]) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))),
        (f"answered later than {CHANNEL_TIMEOUT_S:g} s (channels give up)", str(r["over_channel_timeout"])),
        ("exactly one answer", f"{r['exactly_one_answer']} of {r['sent']}"),
        ("lost (HTTP 200, no answer) / duplicate answers", f"{r['lost']} / {r['duplicate_answers']}"),
        ("errors in the window, by kind", errors),
        ("errors in the whole run", str(r["errors_whole_run"])),
        ("load generator's CPU (% of one core)", fmt(r["generator_cpu_percent"], "{:.1f}")),
    ]  # fmt: skip
    if t is not None:
        fetch_errors = ", ".join(f"{k} {v}" for k, v in t["fetch_errors"].items())
        rows += [
            ("trackers checked (fetch errors)", f"{t['conversations_checked']} of {r['conversations']}"
             + (f" ({fetch_errors})" if fetch_errors else "")),
            ("trackers whose user events ≠ messages sent", str(t["user_event_mismatches"])),
            ("user events without a bot event / with several",
             f"{t['unanswered_user_events']} / {t['user_events_with_several_bot_events']} of {t['user_events']}"),
        ]  # fmt: skip
    lines = ["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of the assistant, e.g. http://127.0.0.1:5005")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="measured steady state, seconds")
    parser.add_argument("--ramp", type=float, default=10.0, help="users start spread over this many seconds")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"),
                        help="seconds between a reply and the next message (uniform)")  # fmt: skip
    parser.add_argument("--turns", type=int, nargs=2, default=(3, 6), metavar=("MIN", "MAX"),
                        help="messages per conversation")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--messages", type=Path, default=DEV_SET, help="folder of <lang>.yml message files")
    parser.add_argument("--tracker-url", help="Rasa server for the tracker check (default: --url)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--token", help="Rasa's --auth-token: enables the tracker check")
    auth.add_argument("--jwt-secret", help="Rasa's --jwt-secret (HS256): enables the tracker check")
    parser.add_argument("--tracker-sample", type=int, default=0, help="check this many conversations (0: all)")
    parser.add_argument("--seed", type=int, help="for a repeatable choice of messages and think times")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--allow-remote", action="store_true", help="allow a target that is not on this machine")
    args = parser.parse_args()

    try:
        texts = load_texts(args.messages)
        report = run_load(
            args.url, args.users, args.duration, ramp=args.ramp, think=tuple(args.think), turns=tuple(args.turns),
            timeout=args.timeout, texts=texts, tracker_url=args.tracker_url, token=args.token,
            jwt_secret=args.jwt_secret, tracker_sample=args.tracker_sample, seed=args.seed,
            allow_remote=args.allow_remote,
        )  # fmt: skip
    except (ValueError, OSError) as error:
        parser.error(str(error))
    except UnreachableError as error:
        print(f"loadtest: {error}. Is the assistant running?", file=sys.stderr)
        return 1
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
