"""Known vulnerabilities in the pinned packages (requirements.lock), found by pip-audit from a venv of its own.

pip-audit lives in .cache/venv-audit, pinned by tools/audit-requirements.lock: its own pins (packaging 26,
CacheControl 0.14) clash with Rasa 3.6's, and `pip check` must keep passing in .venv. It reads the exact pins
without resolving anything (--no-deps --disable-pip) and asks a vulnerability service: PyPI's JSON API (the
default) or OSV.

Offline-safe: when the service or the install cannot be reached the result is "not checked" and the exit
code 0. So is the case pip-audit itself reports as a clean bill of health: when PyPI answers 404 for every
version (a mirror or proxy that serves only the package index), pip-audit skips every package and still prints
"No known vulnerabilities found".

    python tools/audit.py [--json audit.json] [--service osv] [--strict]

Exit code 0 when the audit ran or could not run for lack of network (with --strict: 1 when something was
found); 1 when pip-audit failed otherwise; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "venv-audit"
LOCK = ROOT / "tools" / "audit-requirements.lock"
STAMP = VENV / ".installed"  # holds the hash of the lock the venv was built from
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out", "Temporary failure")
SERVICES = {"pypi": "PyPI JSON API", "osv": "OSV"}


class NotChecked(Exception):  # noqa: N818 (a result, not a failure)
    """The audit could not run for lack of network (no pip-audit, no vulnerability service)."""


def find_python() -> str:
    """The project's Python 3.10, as `make install` finds it."""
    result = subprocess.run(["sh", str(ROOT / "tools" / "find-python.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or "no Python 3.10 found")
    return result.stdout.strip()


def ensure_venv() -> Path:
    """Create or reuse .cache/venv-audit; rebuilt whenever tools/audit-requirements.lock changes."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    pip_audit = VENV / "bin" / "pip-audit"
    if pip_audit.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return pip_audit
    print(f"[audit] installing pip-audit into {VENV.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
    subprocess.run([find_python(), "-m", "venv", "--clear", str(VENV)], check=True)
    install = subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "-r", str(LOCK)],
        capture_output=True, text=True,
    )  # fmt: skip
    if install.returncode != 0:
        STAMP.unlink(missing_ok=True)
        raise NotChecked(f"pip-audit could not be installed: {last_line(install.stderr)}")
    STAMP.write_text(wanted)
    return pip_audit


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


def run_pip_audit(pip_audit: Path, requirements: Path, service: str, osv_url: str | None) -> dict[str, Any]:
    """pip-audit's JSON report; NotChecked when the service cannot be reached."""
    command = [
        str(pip_audit), "-r", str(requirements), "--no-deps", "--disable-pip", "--format", "json",
        "--desc", "on", "--aliases", "on", "--progress-spinner", "off", "-s", service,
        "--cache-dir", str(ROOT / ".cache" / "pip-audit"),
    ]  # fmt: skip
    if osv_url:
        command += ["--osv-url", osv_url]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as error:
        raise NotChecked(f"{SERVICES[service]} did not answer within {error.timeout:.0f} s") from error
    try:
        return dict(json.loads(result.stdout))
    except ValueError:
        if any(marker in result.stderr for marker in NETWORK_ERRORS):
            raise NotChecked(f"{SERVICES[service]} cannot be reached: {last_line(result.stderr)}") from None
        raise RuntimeError(f"pip-audit failed (exit {result.returncode}): {last_line(result.stderr)}") from None


def short(text: str, limit: int = 100) -> str:
    """First sentence or line of an advisory, for a table cell."""
    first = " ".join(text.split()).split(". ")[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def classify(report: dict[str, Any]) -> dict[str, Any]:
    """Findings, and whether the packages were really checked (skipped ones were not)."""
    dependencies = report.get("dependencies") or []
    skipped = [{"name": d["name"], "reason": d["skip_reason"]} for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    findings = [
        {
            "package": d["name"], "version": d.get("version", ""), "id": v.get("id", ""),
            "aliases": v.get("aliases") or [], "fixed_in": v.get("fix_versions") or [],
            "description": short(v.get("description") or ""),
        }
        for d in audited
        for v in d.get("vulns") or []
    ]  # fmt: skip
    if not audited:
        status = "not checked"
    elif skipped:
        status = "partly checked"
    else:
        status = "checked"
    return {"status": status, "packages": len(dependencies), "audited": len(audited), "skipped": skipped,
            "findings": findings}  # fmt: skip


def markdown(result: dict[str, Any]) -> str:
    """A one-line verdict and the table of findings."""
    head = f"pip-audit ({result['service']}) over {result['requirements']}: **{result['status']}**"
    if result.get("reason"):
        head += f" — {result['reason']}"
    else:
        head += f" — {result['audited']} of {result['packages']} packages audited"
    lines = [head]
    if result["status"] == "partly checked":
        names = ", ".join(s["name"] for s in result["skipped"][:10])
        more = f" and {len(result['skipped']) - 10} more" if len(result["skipped"]) > 10 else ""
        lines.append(f"\nNot audited: {names}{more} (first reason: {result['skipped'][0]['reason']})")
    if result["status"] != "not checked":
        lines += ["", "| package | version | vulnerability | fixed in | description |", "|---|---|---|---|---|"]
        for f in result["findings"]:
            ids = " / ".join([f["id"], *f["aliases"]])
            lines.append(
                f"| {f['package']} | {f['version']} | {ids} | {', '.join(f['fixed_in']) or '–'} | "
                f"{f['description'].replace('|', '/')} |"
            )
        if not result["findings"]:
            lines.append("| – | | no known vulnerability | | |")
    return "\n".join(lines) + "\n"


def audit(requirements: Path, service: str = "pypi", osv_url: str | None = None) -> dict[str, Any]:
    """Run the audit; the result's status is "checked", "partly checked" or "not checked"."""
    base = {"requirements": str(requirements.relative_to(ROOT) if requirements.is_relative_to(ROOT) else requirements),
            "service": SERVICES[service], "reason": None}  # fmt: skip
    try:
        report = run_pip_audit(ensure_venv(), requirements, service, osv_url)
    except NotChecked as error:
        return {**base, "status": "not checked", "reason": str(error), "packages": 0, "audited": 0,
                "skipped": [], "findings": []}  # fmt: skip
    result = {**base, **classify(report)}
    if result["status"] == "not checked" and result["skipped"]:
        result["reason"] = (
            f"{SERVICES[service]} answered for none of the {result['packages']} pinned packages "
            f"(first: {result['skipped'][0]['reason']})"
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--service", choices=sorted(SERVICES), default="pypi", help="vulnerability service")
    parser.add_argument("--osv-url", help="an OSV-compatible API instead of osv.dev (implies --service osv)")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a vulnerability was found (for CI)")
    args = parser.parse_args()
    if not args.requirements.is_file():
        parser.error(f"{args.requirements} does not exist")

    try:
        result = audit(args.requirements.resolve(), "osv" if args.osv_url else args.service, args.osv_url)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"audit: {error}", file=sys.stderr)
        return 1
    print(markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"written to {args.json}")
    return 1 if args.strict and result["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
