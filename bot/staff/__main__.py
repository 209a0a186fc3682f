"""Staff commands: ``python -m bot.staff check | preview | translations`` (the Makefile wraps them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actions.catalogue import DEFAULT_DIRECTORY
from actions.i18n import LOCALES_DIR
from bot.staff.check import EMERGENCY_FILE, FAQ_DIRECTORY, NLU_DIR, check_all
from bot.staff.translations import report as translation_report


def check(args: argparse.Namespace) -> int:
    report = check_all(
        Path(args.catalogue), Path(args.locales), Path(args.nlu), Path(args.faq), Path(args.emergency)
    )
    for item in report.errors + report.warnings:
        label = "FEHLER/ERROR" if item.severity == "error" else "HINWEIS/WARNING"
        print(f"{label}  {item.for_staff()}\n")
    summary = report.summary()
    print(f"{summary.german}\n{summary.english}")
    return 0 if report.ok else 1


def translations(args: argparse.Namespace) -> int:
    print(translation_report(Path(args.locales), details=not args.summary))
    return 0


def preview_command(args: argparse.Namespace) -> int:
    import datetime as dt

    from actions import languages
    from bot.staff.preview import preview

    if args.lang and languages.resolve(args.lang) is None:
        print(f"--lang {args.lang}: not one of our languages ({', '.join(languages.CODES)})", file=sys.stderr)
        return 2
    try:
        now = dt.datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        print(f"--now {args.now}: not a date and time like 2026-12-24T10:00", file=sys.stderr)
        return 2
    result = preview(args.question, languages.resolve(args.lang), now, Path(args.catalogue) if args.catalogue else None)
    print(f"intent: {result.intent} ({result.confidence:.2f}) -> {result.action}; language: {result.language}; "
          f"slots: {result.slots}\n")  # fmt: skip
    print(result.text)
    for title in result.buttons:
        print(f"  [{title}]")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="check catalogue, opening hours, links, contacts, catalogs, NLU data")
    checking.add_argument("--catalogue", default=str(DEFAULT_DIRECTORY))
    checking.add_argument("--locales", default=str(LOCALES_DIR))
    checking.add_argument("--nlu", default=str(NLU_DIR))
    checking.add_argument("--faq", default=str(FAQ_DIRECTORY))
    checking.add_argument("--emergency", default=str(EMERGENCY_FILE))
    coverage = commands.add_parser("translations", help="translation coverage per language; where texts are missing")
    coverage.add_argument("--locales", default=str(LOCALES_DIR))
    coverage.add_argument("--summary", action="store_true", help="only the table")
    previewing = commands.add_parser("preview", help="what the assistant would answer, at a given date and time")
    previewing.add_argument("question")
    previewing.add_argument("--lang", help="the conversation's language (de, en, ar, ...); default: detected")
    previewing.add_argument("--now", help="local date and time, e.g. 2026-12-24T10:00; default: now")
    previewing.add_argument("--catalogue", help="a working copy of data/catalogue to preview")
    args = parser.parse_args(argv)
    return {"check": check, "translations": translations, "preview": preview_command}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
