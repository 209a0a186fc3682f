"""The staff report page: data status, usage figures, unanswered questions, CSV exports.

Served by the web chat server under ``/staff/`` behind HTTP basic auth with ``STAFF_PASSWORD`` (off
without it). German by default, ``?lang=en`` for English. No personal data: usage counters hold no
text, unanswered questions are stored redacted and deleted after ``STADTLOTSE_UNANSWERED_DAYS``.
"""

from __future__ import annotations

import base64
import hmac
import html
import io
import os
from typing import Any, Awaitable, Callable

from aiohttp import web

from actions.catalogue import CatalogueError, load_catalogue, store
from actions.i18n import S_, staff_text
from actions.records import Records, records

PASSWORD_VARIABLE = "STAFF_PASSWORD"
MAX_ROWS = 500
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _password() -> str:
    return os.environ.get(PASSWORD_VARIABLE, "")


def authorised(request: web.Request) -> bool:
    """Basic auth with any user name and the staff password (constant-time comparison)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        _user, _, given = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given.encode(), _password().encode())


@web.middleware
async def staff_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/staff"):
        return await handler(request)
    if not _password():
        text = staff_text(S_("Der Bericht für Mitarbeitende ist ausgeschaltet: Setzen Sie STAFF_PASSWORD."))
        return web.Response(status=404, text=f"{text.german}\n{text.english}\n")
    if not authorised(request):
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="Stadtlotse staff"'})
    return await handler(request)


class Page:
    """HTML building in the language staff asked for (German default, English with ?lang=en)."""

    def __init__(self, english: bool):
        self.english = english
        self.parts: list[str] = []

    def say(self, message: str, **values: object) -> str:
        text = staff_text(message, **values)
        return html.escape(text.english if self.english else text.german)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def element(self, tag: str, message: str, attributes: str = "", **values: object) -> None:
        """``<tag>`` with a staff text inside (kept as a plain call so that gettext extraction finds it)."""
        self.add(f"<{tag}{attributes}>{self.say(message, **values)}</{tag}>")

    def table(self, caption: str, headers: list[str], rows: list[list[Any]]) -> None:
        head = "".join(f"<th scope='col'>{h}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        self.add(f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def chart(title: str, labels: list[str], series: dict[str, list[int]], horizontal: bool = False) -> str:
    """A bar chart as inline SVG (matplotlib); the same numbers are always in a table next to it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, max(2.5, 0.3 * len(labels)) if horizontal else 3.2))
    positions = list(range(len(labels)))
    bottom = [0] * len(labels)
    for (name, values), colour in zip(series.items(), ("#17497f", "#b34700", "#6b7785"), strict=False):
        if horizontal:
            axes.barh(positions, values, left=bottom, label=name, color=colour)
        else:
            axes.bar(positions, values, bottom=bottom, label=name, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
    else:
        axes.set_xticks(positions, labels, rotation=45, ha="right")
    axes.set_title(title)
    if len(series) > 1:
        axes.legend()
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :].replace("<svg", f"<svg role='img' aria-label='{html.escape(title)}'", 1)


def data_status(page: Page) -> None:
    page.element("h2", S_("Daten"))
    try:
        load_catalogue(store().directory)
    except CatalogueError as error:
        page.element(
            "p",
            S_(
                "Die Daten enthalten Fehler. Der Assistent arbeitet mit der letzten gültigen Fassung "
                "weiter, bis sie behoben sind."
            ),
            " class='bad'",
        )
        page.add("<ul>")
        for problem in error.problems:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            text = problem.english if page.english else problem.german
            page.add(f"<li><code>{html.escape(where)}</code> {html.escape(text)}</li>")
        page.add("</ul>")
        return
    page.element("p", S_("Alle Daten sind gültig und in Betrieb."))


def usage(page: Page, store_: Records) -> None:
    summary = store_.summary()
    page.element("h2", S_("Nutzung"))
    page.element(
        "p",
        S_("{questions} Fragen, davon {answered} beantwortet und {open} nicht beantwortet."),
        questions=summary["questions"],
        answered=summary["answered"],
        open=summary["not_answered"],
    )
    rows = store_.usage_rows()
    days = sorted({row["day"].isoformat() for row in rows})
    answered = [sum(r["count"] for r in rows if r["day"].isoformat() == d and r["answered"]) for d in days]
    unanswered = [sum(r["count"] for r in rows if r["day"].isoformat() == d and not r["answered"]) for d in days]
    if days:
        yes, no = page.say(S_("beantwortet")), page.say(S_("nicht beantwortet"))
        page.add(chart(page.say(S_("Fragen pro Tag")), days, {yes: answered, no: unanswered}))
        page.table(page.say(S_("Fragen pro Tag")), [page.say(S_("Tag")), yes, no],
                   [[d, a, u] for d, a, u in zip(days, answered, unanswered, strict=True)])  # fmt: skip
        for key, title, header in (("by_language", S_("Fragen pro Sprache"), S_("Sprache")),
                                   ("by_service", S_("Fragen pro Dienst"), S_("Dienst"))):  # fmt: skip
            items = [(str(k) or "–", v) for k, v in summary[key].items()]
            page.add(chart(page.say(title), [k for k, _ in items], {page.say(S_("Fragen")): [v for _, v in items]},
                           horizontal=True))  # fmt: skip
            page.table(page.say(title), [page.say(header), page.say(S_("Fragen"))], [list(i) for i in items])


def unanswered(page: Page, store_: Records) -> None:
    entries = store_.unanswered_entries()
    page.element("h2", S_("Nicht beantwortete Fragen"))
    page.element(
        "p",
        S_(
            "Ohne Telefonnummern, E-Mail-Adressen, IBANs, Geburtsdaten und lange Zahlen; nach {days} "
            "Tagen automatisch gelöscht. Fügen Sie passende Fragen als Beispiele in data/nlu/ ein."
        ),
        days=store_.retention.days,
    )
    for key, title in (("language", S_("nach Sprache")), ("best_service", S_("nach wahrscheinlichstem Dienst"))):
        counts: dict[str, int] = {}
        for entry in entries:
            name = str(entry[key] or "–")
            counts[name] = counts.get(name, 0) + 1
        ordered = sorted(counts.items(), key=lambda item: -item[1])
        page.table(page.say(title), [page.say(S_("Gruppe")), page.say(S_("Fragen"))], [list(i) for i in ordered])
    page.table(
        page.say(S_("Die neuesten Fragen")),
        [page.say(S_("Tag")), page.say(S_("Sprache")), page.say(S_("Grund")), page.say(S_("Dienst")),
         page.say(S_("Frage (geschwärzt)"))],
        [[e["day"], e["language"], e["reason"], e["best_service"] or "–", e["text"]] for e in entries[:MAX_ROWS]],
    )  # fmt: skip


STYLE = """body{font:1rem/1.5 system-ui,sans-serif;color:#1b1b1b;max-width:60rem;margin:0 auto;padding:1rem}
table{border-collapse:collapse;margin:1rem 0;width:100%}caption{text-align:start;font-weight:700}
th,td{border:1px solid #6b7785;padding:.3rem .5rem;text-align:start;vertical-align:top}
.bad{color:#8a1c1c;font-weight:700}svg{max-width:100%;height:auto}a{color:#0b4a8b}"""


async def report_page(request: web.Request) -> web.Response:
    page = Page(english=request.query.get("lang") == "en")
    store_ = records()
    page.element("h1", S_("Stadtlotse – Bericht für Mitarbeitende"))
    csv_unanswered, csv_usage = page.say(S_("Nicht beantwortete Fragen als CSV")), page.say(S_("Nutzung als CSV"))
    other = ("de", "Deutsch") if page.english else ("en", "English")
    page.add(f"<p><a href='unanswered.csv'>{csv_unanswered}</a> · <a href='usage.csv'>{csv_usage}</a> · "
             f"<a href='?lang={other[0]}' lang='{other[0]}'>{other[1]}</a></p>")  # fmt: skip
    data_status(page)
    usage(page, store_)
    unanswered(page, store_)
    language = "en" if page.english else "de"
    body = "\n".join(page.parts)
    document = (f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'><meta name='viewport' "
                f"content='width=device-width, initial-scale=1'><title>Stadtlotse</title><style>{STYLE}</style>"
                f"</head><body><main>{body}</main></body></html>")  # fmt: skip
    return web.Response(text=document, content_type="text/html", headers={"Cache-Control": "no-store"})


async def unanswered_csv(_request: web.Request) -> web.Response:
    return web.Response(text=records().unanswered_csv(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": "attachment; filename=unanswered.csv"})  # fmt: skip


async def usage_csv(_request: web.Request) -> web.Response:
    return web.Response(text=records().usage_csv(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": "attachment; filename=usage.csv"})  # fmt: skip


async def to_report(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/staff/")


def add_routes(app: web.Application) -> None:
    app.middlewares.append(staff_only)
    app.router.add_get("/staff/", report_page)
    app.router.add_get("/staff", to_report)
    app.router.add_get("/staff/unanswered.csv", unanswered_csv)
    app.router.add_get("/staff/usage.csv", usage_csv)
