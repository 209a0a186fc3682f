"""Babel extractor for the staff data: every text the assistant shows from ``data/catalogue/``.

Used by ``babel.cfg`` (``[actions.i18n_extract.extract_catalogue: data/catalogue/*.yml]``), so
``make translations`` puts service names, summaries, office and document names, closure days and the
names of public holidays into ``locales/messages.pot`` next to the texts from the Python code.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any, Iterator

from ruamel.yaml import YAML

Message = tuple[int, str, str, list[str]]

# (top-level key, field) -> what the translator should know
FIELDS = {
    ("services", "name"): "Name of a city service, short",
    ("services", "summary"): "What the service is, in plain language (Einfache Sprache); keep it short",
    ("offices", "name"): "Name of an office; the German name is shown next to it",
    ("documents", "name"): "A document people bring to an office",
    ("closures", "name"): "A day on which city offices are closed",
    ("journeys", "name"): "Title of a first-steps plan for newcomers",
    ("journeys", "summary"): "For whom a first-steps plan is, one plain sentence",
}


def extract_catalogue(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Message]:
    """Yield (line, function, message, comments) for every translatable text in one catalogue file."""
    root = YAML(typ="rt").load(fileobj.read().decode("utf-8"))
    if not isinstance(root, dict):
        return
    for key, items in root.items():
        if key == "city":
            yield from _holiday_names(items)
            continue
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for field, value in item.items():
                comment = FIELDS.get((key, field))
                if comment is None or not isinstance(value, str):
                    continue
                line = item.lc.key(field)[0] + 1
                ident = item.get("id", item.get("name", index))
                text = " ".join(value.split())
                yield line, "_", text, [f"{comment} ({key[:-1]} {ident})"]
            for step in item.get("steps") or []:  # plan steps: the deadline sentence
                if isinstance(step, dict) and isinstance(step.get("deadline"), str):
                    line = step.lc.key("deadline")[0] + 1
                    comment = f"By when a plan step must be done; keep the law reference (plan {item.get('id')})"
                    yield line, "_", " ".join(step["deadline"].split()), [comment]


def _holiday_names(city: dict[str, Any]) -> Iterator[Message]:
    """German names of the public holidays of the city's state, this year and the next two."""
    import holidays

    this_year = dt.date.today().year
    calendar = holidays.country_holidays(
        city.get("holidays_country", "DE"),
        subdiv=city.get("holidays_subdivision"),
        years=range(this_year, this_year + 3),
        language="de",
    )
    line = city.lc.key("holidays_subdivision")[0] + 1 if "holidays_subdivision" in city else 1
    for name in sorted(set(calendar.values())):
        yield line, "_", name, ["Name of a public holiday"]


def extract_faq(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]) -> Iterator[Message]:
    """The heading and the answer of one FAQ entry (``data/faq/<id>.yml``); placeholders stay as they are."""
    root = YAML(typ="rt").load(fileobj.read().decode("utf-8"))
    if not isinstance(root, dict):
        return
    ident = root.get("id", "?")
    comments = {
        "question": f"Heading of the FAQ entry {ident}",
        "answer": f"Answer of the FAQ entry {ident}, plain language. Keep every {{placeholder}} exactly as it is "
        "(the assistant fills in phone numbers, addresses and opening hours) and keep German office and document "
        "names in brackets after your translation, e.g. 'registration certificate (Meldebescheinigung)'",
    }
    for field, comment in comments.items():
        value = root.get(field)
        if isinstance(value, str):
            yield root.lc.key(field)[0] + 1, "_", " ".join(value.split()), [comment]
