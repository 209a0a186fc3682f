"""`make bench`, production part: load on the production topology with 1 and 2 replicas, and pip-audit.

For each number of replicas: ``python -m bot.production`` on a fresh PostgreSQL database and the machine's
Redis, then tools/loadtest.py — 200 simulated users in 12 languages, multi-turn conversations, 60 s
measured after a 10 s ramp-up — through the public balancer (the REST channel), and afterwards every
conversation's tracker is checked: one user event per message sent, each answered. Then pip-audit over
requirements.lock (tools/audit.py). Results: bench-results/production.md and .json.

Think time: 2–5 s between a user's messages, so 200 users offer about 55 messages/s to a fast server
(people in a chat take longer; this is a load, not a model of them). ``--think 1 4`` offers ~80/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.servers import running_topology  # noqa: E402
from tools.audit import audit  # noqa: E402
from tools.audit import markdown as audit_markdown  # noqa: E402
from tools.loadtest import run_load  # noqa: E402

RESULTS = ROOT / "bench-results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Where the CPU goes, by kind of process: the topology's services by name, the shared servers by command
GROUPS = (("Rasa replicas", "rasa-"), ("action servers", "action-"), ("balancers", "balancer"),
          ("web, Telegram, supervisor", ""))  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def servers(command: str) -> list[int]:
    """PIDs of the machine's processes whose name is ``command`` (postgres, redis-server)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if stat.read_text().strip() == command:
                pids.append(int(stat.parent.name))
    return pids


def cpu_by_group(state: dict[str, Any], supervisor: int) -> dict[str, float]:
    """CPU seconds so far per kind of process of the topology, the databases and this load generator."""
    totals = {name: 0.0 for name, _ in GROUPS}
    for service, info in state.items():
        if isinstance(info, dict) and "pid" in info:
            group = next(name for name, prefix in GROUPS if prefix in service)
            totals[group] += cpu_seconds(int(info["pid"]))
    totals["web, Telegram, supervisor"] += cpu_seconds(supervisor)
    totals["PostgreSQL"] = sum(cpu_seconds(pid) for pid in servers("postgres"))
    totals["Redis"] = sum(cpu_seconds(pid) for pid in servers("redis-server"))
    totals["load generator"] = time.process_time()
    return totals


def machine_speed() -> float:
    """Milliseconds a fixed pure-Python loop takes (median of five): this shared machine's speed changes
    by up to a half between minutes, and a slow minute shows in every latency below."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(replicas: int, users: int, duration: float, think: tuple[float, float]) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"stadtlotse-prod-{replicas}-"))
    print(f"[bench] production topology with {replicas} replica(s): starting ...", flush=True)
    with running_topology(folder, replicas) as topology:
        print(f"[bench] {users} users for {duration:.0f} s ...", flush=True)
        speed_before = machine_speed()
        cpu_before, wall = cpu_by_group(topology.state(), topology.process.pid), time.monotonic()
        report = run_load(
            topology.public, users=users, duration=duration, think=think, tracker_url=topology.internal,
            jwt_secret=topology.env["RASA_JWT_SECRET"], tracker_sample=0,
        )  # fmt: skip
        cpu_after, wall = cpu_by_group(topology.state(), topology.process.pid), time.monotonic() - wall
        report["cpu_percent"] = {k: 100 * (cpu_after[k] - cpu_before[k]) / wall for k in cpu_after}
        report["machine_speed_ms"] = [speed_before, machine_speed()]
    report["log"] = str(folder / "topology.log")
    return report


def table(runs: dict[int, dict[str, Any]]) -> str:
    def row(label: str, value: Any) -> str:
        cells = [str(value(r["results"], r.get("tracker") or {})) for r in runs.values()]
        return f"| {label} | " + " | ".join(cells) + " |"

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    return "\n".join([
        "| | " + " | ".join(f"{n} replica{'s' if n > 1 else ''}" for n in runs) + " |",
        "|---|" + "---|" * len(runs),
        row("messages sent in the measured window", lambda r, t: r["sent"]),
        row("offered / answered (msg/s)", lambda r, t: f"{r['offered_msg_per_s']:.1f} / {r['answered_msg_per_s']:.1f}"),
        row("latency p50 / p95 / p99 (ms)", lambda r, t: f"{ms(r['p50_ms'])} / {ms(r['p95_ms'])} / {ms(r['p99_ms'])}"),
        row("errors (by kind)", lambda r, t: ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "none"),
        row("exactly one answer", lambda r, t: f"{r['exactly_one_answer']} of {r['sent']}"),
        row("lost / duplicate answers", lambda r, t: f"{r['lost']} / {r['duplicate_answers']}"),
        row("trackers: conversations checked", lambda r, t: t.get("conversations_checked", "–")),
        row("trackers: messages missing / unanswered", lambda r, t: (
            f"{t.get('user_event_mismatches', '–')} / {t.get('unanswered_user_events', '–')}")),
        *[cpu_row(runs, group) for group in next(iter(runs.values())).get("cpu_percent", {})],
        "| machine speed check before / after (ms for a fixed loop; lower is faster) | " + " | ".join(
            "{:.0f} / {:.0f}".format(*r["machine_speed_ms"]) if "machine_speed_ms" in r else "–"
            for r in runs.values()) + " |",
    ])  # fmt: skip


def cpu_row(runs: dict[int, dict[str, Any]], group: str) -> str:
    """CPU use of one kind of process during the load (ramp-up, measured window and tracker check)."""
    cells = [f"{r['cpu_percent'][group]:.0f}" if "cpu_percent" in r else "–" for r in runs.values()]
    return f"| CPU, {group} (% of one core) | " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-audit", action="store_true")
    args = parser.parse_args()
    runs = {n: measure(n, args.users, args.duration, tuple(args.think)) for n in args.replicas}
    text = "## Production topology under load\n\n" + table(runs) + "\n"
    audit_result = None if args.no_audit else audit(ROOT / "requirements.lock")
    if audit_result is not None:
        text += "\n## pip-audit (requirements.lock)\n\n" + audit_markdown(audit_result) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "production.md").write_text(text, encoding="utf-8")
    payload = {"runs": runs, "audit": audit_result}
    (RESULTS / "production.json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    print(text)
    print("[bench] written to bench-results/production.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
