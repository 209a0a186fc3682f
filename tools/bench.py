"""`make bench`: the held-out benchmark, our model side by side with Rasa's default pipeline.

Measures, in one run and through the real REST channel and tracker API:
routing accuracy per language (intent, and the service/office slot where the benchmark names one),
first-steps plan recognition (the `journey` slot, benchmark/plans/) and how often a single-service question
wrongly became a plan, FAQ accuracy (the `faq` slot, benchmark/faq/), emergency recall and false alarms
(benchmark/emergency/), language detection (the `language` slot after the first message), p50/p95 latency per message,
training time, peak memory (VmHWM) of the Rasa server. Results: bench-results/report.md and .json.
The baseline model is cached by the hash of its inputs (training it takes a quarter of an hour or more).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.servers import Assistant, running_assistant  # noqa: E402
from tools.train import inputs_hash  # noqa: E402

CACHE = ROOT / ".cache" / "bench"
RESULTS = ROOT / "bench-results"
FIXED_NOW = "2026-11-25T10:00"


PLANS = ROOT / "benchmark" / "plans"
FAQ = ROOT / "benchmark" / "faq"
EMERGENCY = ROOT / "benchmark" / "emergency"


def load_benchmark(folder: Path = ROOT / "benchmark") -> list[dict[str, Any]]:
    messages = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["messages"]:
            messages.append({**item, "language": data["language"]})
    return messages


def train(config: str, prefix: str, out: Path, cached: bool) -> tuple[Path, float, bool]:
    """Train (or reuse) a model; return its path, the training time and whether it came from the cache."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{inputs_hash(ROOT, config)}"
    model, timing = out / f"{name}.tar.gz", out / f"{name}.seconds"
    if cached and model.exists() and timing.exists():
        return model, float(timing.read_text()), True
    print(f"[bench] training {prefix} with {config} ...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", config, "--out", str(out), "--fixed-model-name", name],
        cwd=ROOT, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.monotonic() - started
    timing.write_text(f"{seconds:.1f}")
    return model, seconds, False


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def evaluate(assistant: Assistant, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Send every message as the first message of a new conversation; compare tracker with expectations."""
    for warmup in ("Hallo", "hello", "مرحبا"):
        assistant.send(f"warmup-{uuid.uuid4().hex[:6]}", warmup)
    rows = []
    for item in messages:
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        started = time.perf_counter()
        answers = assistant.send(sender, item["text"])
        latency = (time.perf_counter() - started) * 1000
        tracker = assistant.tracker(sender)
        slots, intent = tracker["slots"], tracker["latest_message"]["intent"]["name"]
        expected = item["intent"]
        intent_ok = intent == expected
        slot_ok = intent_ok
        if expected.startswith("service_"):
            slot_ok = intent_ok and slots.get("service") == expected.removeprefix("service_")
        if item.get("office"):
            slot_ok = intent_ok and slots.get("office") == item["office"]
        rows.append(
            {
                "language": item["language"], "text": item["text"], "expected": expected, "intent": intent,
                "intent_ok": intent_ok, "routing_ok": slot_ok, "detected": slots.get("language"),
                # asking for another language ("English please") rightly switches: not a detection test
                "language_ok": None if expected == "choose_language" else slots.get("language") == item["language"],
                "latency_ms": latency,
                "answered": len(answers) == 1, "fallback": intent == "nlu_fallback",
                "journey": slots.get("journey"),
            }
        )  # fmt: skip
    return {"rows": rows}


def evaluate_slot(assistant: Assistant, messages: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Each message opens a new conversation; the FAQ entry (`faq` slot) or the emergency (intent
    `emergency`) afterwards, against the expected value (None where nothing may fire)."""
    rows = []
    for item in messages:
        sender = f"bench-{key}-{uuid.uuid4().hex[:10]}"
        answers = assistant.send(sender, item["text"])
        tracker = assistant.tracker(sender)
        intent = tracker["latest_message"]["intent"]["name"]
        if key == "emergency":
            got = tracker["latest_message"].get("emergency") if intent == "emergency" else None
            first = str(answers[0].get("text", "")) if answers else ""
            ok = (got is not None) == (item[key] is not None) and (got is None or "112" in first.split("\n")[0])
        else:
            got = tracker["slots"].get("faq")
            ok = got == item[key]
        rows.append({"language": item["language"], "text": item["text"], "expected": item[key], "got": got,
                     "intent": intent, "ok": ok})  # fmt: skip
    return rows


def evaluate_plans(assistant: Assistant, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Situation descriptions (and near misses that ask for one service), each opening a new conversation:
    the `journey` slot afterwards against the expected plan id (None for a near miss)."""
    rows = []
    for item in messages:
        sender = f"bench-plan-{uuid.uuid4().hex[:10]}"
        assistant.send(sender, item["text"])
        tracker = assistant.tracker(sender)
        got = tracker["slots"].get("journey")
        rows.append({"language": item["language"], "text": item["text"], "expected": item["journey"], "got": got,
                     "intent": tracker["latest_message"]["intent"]["name"], "ok": got == item["journey"]})  # fmt: skip
    return rows


def throughput(assistant: Assistant, messages: list[dict[str, Any]], clients: int = 8) -> float:
    """Messages per second with several concurrent clients, each its own conversation."""
    texts = [m["text"] for m in messages]

    def one(index: int) -> None:
        assistant.send(f"load-{index}-{uuid.uuid4().hex[:6]}", texts[index % len(texts)])

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(len(texts))))
    return len(texts) / (time.perf_counter() - started)


def langid_alone(messages: list[dict[str, Any]]) -> float:
    """Accuracy of py3langid on its own (restricted to our 12 languages), for comparison."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from actions.languages import CODES

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CODES))
    return statistics.mean(identifier.classify(m["text"])[0] == m["language"] for m in messages)


def percent(values: list[bool]) -> str:
    return f"{100 * statistics.mean(values):.1f}" if values else "–"


def report(results: dict[str, dict[str, Any]], messages: list[dict[str, Any]]) -> str:
    names = list(results)
    languages = sorted({m["language"] for m in messages})
    lines = ["## Routing accuracy per language (%, intent and service/office slot right)", ""]
    lines.append("| language | n | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for language in languages + ["all"]:
        cells = []
        for name in names:
            rows = [r for r in results[name]["rows"] if language in ("all", r["language"])]
            cells.append(percent([r["routing_ok"] for r in rows]))
        count = sum(1 for m in messages if language in ("all", m["language"]))
        lines.append(f"| {language} | {count} | " + " | ".join(cells) + " |")
    lines += ["", "## Language detection (% right, first message of a conversation; requests to switch excluded)", ""]
    lines.append("| language | " + " | ".join(names) + " | py3langid alone |")
    lines.append("|---|" + "---|" * (len(names) + 1))
    for language in languages + ["all"]:
        cells = []
        for name in names:
            rows = [r for r in results[name]["rows"] if language in ("all", r["language"])]
            cells.append(percent([r["language_ok"] for r in rows if r["language_ok"] is not None]))
        subset = [m for m in messages if language in ("all", m["language"]) and m["intent"] != "choose_language"]
        lines.append(f"| {language} | " + " | ".join(cells) + f" | {100 * langid_alone(subset):.1f} |")
    lines += plans_report(results, languages)
    lines += faq_report(results, languages)
    lines += emergency_report(results, languages)
    lines += ["", "## Speed and size", "", "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    def row(label: str, key: str, fmt: str) -> None:
        lines.append(f"| {label} | " + " | ".join(fmt.format(results[n][key]) for n in names) + " |")
    for name in names:
        latencies = [r["latency_ms"] for r in results[name]["rows"]]
        results[name]["p50"] = statistics.median(latencies)
        results[name]["p95"] = statistics.quantiles(latencies, n=100)[94]
        results[name]["intent_acc"] = 100 * statistics.mean(r["intent_ok"] for r in results[name]["rows"])
        results[name]["fallbacks"] = sum(r["fallback"] for r in results[name]["rows"])
    row("intent accuracy, all (%)", "intent_acc", "{:.1f}")
    row("asked back (nlu_fallback), messages", "fallbacks", "{}")
    row("latency p50 per message (ms, REST round trip)", "p50", "{:.0f}")
    row("latency p95 per message (ms)", "p95", "{:.0f}")
    row("throughput, 8 concurrent clients (messages/s)", "throughput", "{:.0f}")
    row("training time (s)", "training_s", "{:.0f}")
    row("peak memory of the Rasa server (MB, VmHWM)", "peak_mb", "{:.0f}")
    row("model file (MB)", "model_mb", "{:.1f}")
    misses = [r for r in results[names[0]]["rows"] if not r["routing_ok"] or r["language_ok"] is False]
    lines += ["", f"## Misses of {names[0]} ({len(misses)})", ""]
    for r in misses:
        lines.append(
            f"- [{r['language']}→{r['detected']}] expected `{r['expected']}`, got `{r['intent']}`: {r['text']}"
        )
    return "\n".join(lines) + "\n"


def split(results: dict[str, dict[str, Any]], names: list[str], key: str, language: str) -> tuple[dict, dict]:
    """Per candidate, the rows of ``key`` in ``language`` ("all": every one) that expect something, and
    those that expect nothing (near misses, look-alikes)."""
    rows = {n: [r for r in results[n][key] if language in ("all", r["language"])] for n in names}
    expecting = {n: [r for r in rows[n] if r["expected"]] for n in names}
    return expecting, {n: [r for r in rows[n] if not r["expected"]] for n in names}


def miss_lines(title: str, rows: list[dict[str, Any]]) -> list[str]:
    misses = [r for r in rows if not r["ok"]]
    return ["", f"{title} ({len(misses)}):", ""] + [
        f"- [{r['language']}] expected `{r['expected']}`, got `{r['got']}` ({r['intent']}): {r['text']}" for r in misses
    ]


def plans_report(results: dict[str, dict[str, Any]], languages: list[str]) -> list[str]:
    """Plan recognition per language, near misses kept single, and single-service questions turned into plans."""
    names = [n for n in results if results[n].get("plans")]
    if not names:
        return []
    lines = ["", "## First-steps plans (held-out situation descriptions, `journey` slot right, %)", ""]
    lines.append("| language | plans n | " + " | ".join(names) + " | near misses n | " +
                 " | ".join(f"{n}: stayed single" for n in names) + " |")  # fmt: skip
    lines.append("|---|---|" + "---|" * len(names) + "---|" + "---|" * len(names))
    for language in languages + ["all"]:
        plans, near = split(results, names, "plans", language)
        lines.append(f"| {language} | {len(plans[names[0]])} | " + " | ".join(percent([r["ok"] for r in plans[n]])
                     for n in names) + f" | {len(near[names[0]])} | " +
                     " | ".join(percent([r["ok"] for r in near[n]]) for n in names) + " |")  # fmt: skip
    lines.append("")
    for name in names:
        single = [r for r in results[name]["rows"] if r["expected"].startswith("service_")]
        turned = [r for r in single if r["journey"]]
        lines.append(f"- {name}: single-service questions of the routing benchmark that became a plan: "
                     f"{len(turned)} of {len(single)} ({percent([bool(r['journey']) for r in single])} %)")
    return lines + miss_lines(f"Plan misses of {names[0]}", results[names[0]]["plans"])


def faq_report(results: dict[str, dict[str, Any]], languages: list[str]) -> list[str]:
    """FAQ entry found (`faq` slot) per language on held-out paraphrases."""
    names = [n for n in results if results[n].get("faq")]
    if not names:
        return []
    lines = ["", "## FAQ (held-out paraphrases, `faq` slot right, %)", "",
             "| language | n | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]  # fmt: skip
    for language in [*languages, "all"]:
        rows = {n: [r for r in results[n]["faq"] if language in ("all", r["language"])] for n in names}
        if rows[names[0]]:
            lines.append(f"| {language} | {len(rows[names[0]])} | " +
                         " | ".join(percent([r["ok"] for r in rows[n]]) for n in names) + " |")  # fmt: skip
    for name in names:
        single = [r for r in results[name]["rows"] if r["expected"].startswith("service_")]
        lines.append("")
        lines.append(f"- {name}: service questions of the routing benchmark that landed on an FAQ entry: "
                     f"{sum(r['intent'] == 'faq' for r in single)} of {len(single)}")  # fmt: skip
    return lines + miss_lines(f"FAQ misses of {names[0]}", results[names[0]]["faq"])


def emergency_report(results: dict[str, dict[str, Any]], languages: list[str]) -> list[str]:
    """Emergency recall (112/110 in the first line) and false alarms on ordinary look-alikes."""
    names = [n for n in results if results[n].get("emergency")]
    if not names:
        return []
    lines = ["", "## Emergencies (held-out): recall and false alarms", "",
             "| language | emergencies n | " + " | ".join(f"{n}: recall %" for n in names) +
             " | look-alikes n | " + " | ".join(f"{n}: false alarms" for n in names) + " |",
             "|---|---|" + "---|" * len(names) + "---|" + "---|" * len(names)]  # fmt: skip
    for language in [*languages, "all"]:
        real, calm = split(results, names, "emergency", language)
        lines.append(f"| {language} | {len(real[names[0]])} | " + " | ".join(percent([r["ok"] for r in real[n]])
                     for n in names) + f" | {len(calm[names[0]])} | " +
                     " | ".join(str(sum(not r["ok"] for r in calm[n])) for n in names) + " |")  # fmt: skip
    lines += miss_lines(f"Emergency misses and false alarms of {names[0]}", results[names[0]]["emergency"])
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true", help="skip Rasa's default pipeline")
    parser.add_argument("--retrain-baseline", action="store_true", help="do not reuse a cached baseline")
    parser.add_argument("--response-selector", action="store_true",
                        help="also measure Rasa's ResponseSelector for the FAQ (tools/response-selector-config.yml)")
    parser.add_argument(
        "--dev", action="store_true",
        help="error analysis on the development set benchmark/dev/ (our model only; not the benchmark)",
    )  # fmt: skip
    args = parser.parse_args()

    messages = load_benchmark(ROOT / "benchmark" / "dev") if args.dev else load_benchmark()
    plan_messages = [] if args.dev else load_benchmark(PLANS)
    faq_messages = [] if args.dev else load_benchmark(FAQ)
    emergency_messages = [] if args.dev else load_benchmark(EMERGENCY)
    if args.dev:
        args.no_baseline = True
    print(f"[bench] {len(messages)} held-out messages in {len({m['language'] for m in messages})} languages")
    candidates = {"Stadtlotse (config.yml)": ("config.yml", "stadtlotse", CACHE / "ours", False)}
    if not args.no_baseline:
        candidates["Rasa default (baseline)"] = (
            "tools/baseline-config.yml", "baseline", CACHE / "baseline", not args.retrain_baseline,
        )  # fmt: skip
    if args.response_selector:
        candidates["ResponseSelector for FAQ"] = (
            "tools/response-selector-config.yml", "response-selector", CACHE / "response-selector", True,
        )  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    for name, (config, prefix, out, cached) in candidates.items():
        model, seconds, from_cache = train(config, prefix, out, cached)
        print(f"[bench] {name}: model {model.name}, training {seconds:.0f} s{' (cached)' if from_cache else ''}")
        log_dir = RESULTS / "logs" / prefix
        log_dir.mkdir(parents=True, exist_ok=True)
        # the benchmark's questions must not land in the staff report's figures (var/records.db)
        env = {"STADTLOTSE_NOW": FIXED_NOW, "STADTLOTSE_RECORDS_DB": f"sqlite:///{log_dir / 'records.db'}"}
        with running_assistant(log_dir, env, model=model) as assistant:
            result = evaluate(assistant, messages)
            result["plans"] = evaluate_plans(assistant, plan_messages)
            result["faq"] = evaluate_slot(assistant, faq_messages, "faq")
            result["emergency"] = evaluate_slot(assistant, emergency_messages, "emergency")
            result["throughput"] = throughput(assistant, messages)
            result["peak_mb"] = peak_memory_mb(assistant.processes["rasa"].pid)
        result["training_s"] = seconds
        result["model_mb"] = model.stat().st_size / 1e6
        results[name] = result
    text = report(results, messages)
    RESULTS.mkdir(exist_ok=True)
    stem = "dev-report" if args.dev else "report"
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(text)
    print(f"[bench] written to {RESULTS.relative_to(ROOT)}/{stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
