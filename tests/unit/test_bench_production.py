"""The production benchmark's CPU accounting and report table (the load itself runs in `make bench`)."""

from __future__ import annotations

import os
import time

from tools.bench_production import cpu_by_group, cpu_seconds, machine_speed, table


def test_cpu_seconds_of_a_process_grow_with_its_work_and_vanish_with_it() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) >= before + 0.1
    assert cpu_seconds(2**22 + 12345) == 0.0  # no such process: nothing, not an error


def test_services_are_grouped_by_kind() -> None:
    state = {"rasa-1": {"pid": os.getpid()}, "actions-balancer": {"pid": 2**22 + 1}, "ready": True}
    totals = cpu_by_group(state, supervisor=2**22 + 2)
    assert totals["Rasa replicas"] > 0 and totals["balancers"] == 0.0 and totals["action servers"] == 0.0
    assert {"PostgreSQL", "Redis", "load generator"} <= set(totals)
    assert machine_speed() > 0


def test_report_has_a_cpu_row_per_kind_and_the_speed_check() -> None:
    results = {"sent": 10, "offered_msg_per_s": 5.0, "answered_msg_per_s": 5.0, "p50_ms": 20.0, "p95_ms": 40.0,
               "p99_ms": None, "errors": {}, "exactly_one_answer": 10, "lost": 0, "duplicate_answers": 0}
    run = {"results": results, "tracker": None, "cpu_percent": {"Rasa replicas": 61.4, "Redis": 1.0},
           "machine_speed_ms": [57.2, 101.0]}
    text = table({1: run, 2: run})
    assert "| CPU, Rasa replicas (% of one core) | 61 | 61 |" in text
    assert "| CPU, Redis (% of one core) | 1 | 1 |" in text
    assert "| 57 / 101 | 57 / 101 |" in text
    assert "| latency p50 / p95 / p99 (ms) | 20 / 40 / – | 20 / 40 / – |" in text
