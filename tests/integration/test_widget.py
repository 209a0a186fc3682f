"""The web chat widget in a real browser (Debian's chromium via Playwright) against the trained assistant."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.integration.servers import ROOT, Assistant, SwitchableProxy, free_port, wait_for

ALLOWED_ORIGIN = "https://www.beckum.example"
ARABIC = re.compile(r"[\u0600-\u06ff]")
SCREENSHOTS = ROOT / "docs"


class Widget:
    """The widget server (python -m bot.web) in front of a switchable path to the assistant."""

    def __init__(self, url: str, proxy: SwitchableProxy | None = None, log: Path | None = None):
        self.url = url
        self.proxy = proxy
        self.log = log

    def post(self, path: str, body: dict[str, Any], origin: str | None = None) -> tuple[int, dict[str, Any], Any]:
        headers = {"Content-Type": "application/json"}
        if origin:
            headers["Origin"] = origin
        request = urllib.request.Request(self.url + path, json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.load(response), response.headers
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), error.headers


@pytest.fixture(scope="module")
def widget(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Widget]:
    proxy = SwitchableProxy(assistant.rasa_url)
    proxy.mode = "up"
    port = free_port()
    log = tmp_path_factory.mktemp("widget") / "widget.log"
    env = {**os.environ, "WIDGET_PORT": str(port), "RASA_URL": proxy.url, "RASA_AUTH_TOKEN": "integration-test-token",
           "STADTLOTSE_ENDPOINTS": str(assistant.endpoints), "WIDGET_ALLOWED_ORIGINS": ALLOWED_ORIGIN}  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, timeout=60)
            yield Widget(f"http://127.0.0.1:{port}", proxy, log)
        finally:
            process.terminate()
            process.wait(timeout=15)
            proxy.server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail(f"no Chromium at {executable}: run `make test` (it installs Debian's chromium) or set CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


def open_page(browser: Browser, widget: Widget, locale: str = "de-DE", width: int = 1280, height: int = 800) -> Page:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(widget.url + "/")
    expect(page.locator(".stl-launcher")).to_be_visible()
    return page


@pytest.fixture()
def page(browser: Browser, widget: Widget) -> Iterator[Page]:
    page = open_page(browser, widget)
    yield page
    page.context.close()


def bot_messages(page: Page) -> list[str]:
    return page.locator(".stl-msg.stl-bot:not(.stl-typing)").all_inner_texts()


def ask(page: Page, text: str) -> str:
    """Type a question, send it with Enter, return the new answer's text."""
    before = len(bot_messages(page))
    page.locator("#stl-input").fill(text)
    page.locator("#stl-input").press("Enter")
    expect(page.locator(".stl-msg.stl-bot:not(.stl-typing)")).to_have_count(before + 1)
    return bot_messages(page)[-1]


def save_screenshot(page: Page, name: str) -> None:
    """Screenshots for the README: written when missing or with UPDATE_SCREENSHOTS=1."""
    target = SCREENSHOTS / name
    if not target.exists() or os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(target))


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_german_question_in_the_demo_page(page: Page) -> None:
    page.get_by_role("button", name="Fragen an die Stadt? Chat öffnen").click()
    expect(page.locator("#stl-input")).to_be_focused()
    assert "automatischer Assistent" in bot_messages(page)[0]
    answer = ask(page, "Wo melde ich meine Wohnung an?")
    assert "Bürgerbüro" in answer and "02521 29-3333" in answer
    langs = page.locator(".stl-msg").evaluate_all("nodes => nodes.map(n => n.getAttribute('lang'))")
    assert set(langs) == {"de"}
    link = page.locator(".stl-msg a").last
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"
    assert_accessible(page)
    save_screenshot(page, "widget-de.png")


def test_arabic_visitor_gets_arabic_right_to_left(browser: Browser, widget: Widget) -> None:
    page = open_page(browser, widget, locale="ar")  # an Arabic phone on a German city page
    page.locator(".stl-launcher").click()
    expect(page.locator("#stl-panel")).to_have_attribute("dir", "rtl")
    expect(page.locator("#stadtlotse")).to_have_attribute("lang", "ar")
    assert ARABIC.search(page.locator(".stl-launcher").inner_text())
    answer = ask(page, "وين بقدر اطلب Wohngeld؟ الايجار غالي كتير")
    assert len(ARABIC.findall(answer)) > 40 and "02521 29-5036" in answer
    langs = page.locator(".stl-msg").evaluate_all("nodes => nodes.map(n => n.getAttribute('lang'))")
    assert set(langs) == {"ar"}
    assert_accessible(page)
    save_screenshot(page, "widget-ar.png")
    page.context.close()


def test_language_menu_switches_labels_and_conversation(page: Page) -> None:
    page.locator(".stl-launcher").click()
    page.get_by_label("Sprache").select_option("fa")
    expect(page.locator("#stl-panel")).to_have_attribute("dir", "rtl")
    expect(page.locator(".stl-msg.stl-bot:not(.stl-typing)")).to_have_count(4)  # 3 welcome + confirmation
    assert re.search(r"[\u0600-\u06ff]", bot_messages(page)[-1])


def test_a_suggestion_button_continues_the_conversation(page: Page) -> None:
    page.locator(".stl-launcher").click()
    ask(page, "xqzv blorp frumble")
    choice = page.locator(".stl-choice").first
    title = choice.inner_text()
    before = len(bot_messages(page))
    choice.click()
    expect(page.locator(".stl-msg.stl-bot:not(.stl-typing)")).to_have_count(before + 1)
    assert page.locator(".stl-msg.stl-user").last.inner_text().endswith(title)


def test_keyboard_alone(page: Page) -> None:
    for _ in range(10):  # the page's links first, then the launcher
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('stl-launcher')"):
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.rstrip("px")) >= 2, "focus must be visible"
    page.keyboard.press("Enter")
    expect(page.locator("#stl-input")).to_be_focused()
    page.keyboard.type("Wann hat die Bibliothek offen?")
    page.keyboard.press("Enter")
    expect(page.locator(".stl-msg.stl-bot:not(.stl-typing)")).to_have_count(4)
    page.keyboard.press("Tab")  # send button
    page.keyboard.press("Tab")  # no trap: focus leaves the panel
    assert page.evaluate("!document.getElementById('stl-panel').contains(document.activeElement)")
    page.locator("#stl-input").focus()
    page.keyboard.press("Escape")
    expect(page.locator("#stl-panel")).to_be_hidden()
    expect(page.locator(".stl-launcher")).to_be_focused()


@pytest.mark.parametrize(("width", "height"), [(320, 640), (640, 400)], ids=["320px", "200%-zoom"])
def test_fits_small_screens_and_zoom(browser: Browser, widget: Widget, width: int, height: int) -> None:
    page = open_page(browser, widget, width=width, height=height)
    page.locator(".stl-launcher").click()
    box = page.locator("#stl-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("#stl-input")).to_be_in_viewport()
    assert_accessible(page)
    page.context.close()


def test_backend_outage_keeps_the_question_and_recovers(page: Page, widget: Widget) -> None:
    page.locator(".stl-launcher").click()
    assert widget.proxy is not None
    widget.proxy.mode = "down"
    try:
        question = "Wo bekomme ich einen Personalausweis?"
        page.locator("#stl-input").fill(question)
        page.locator("#stl-input").press("Enter")
        status = page.locator(".stl-status")
        expect(status).to_contain_text("nicht erreichbar")
        expect(status).to_contain_text("02521 29-0")
        expect(page.locator("#stl-input")).to_have_value(question)  # nothing lost
    finally:
        widget.proxy.mode = "up"
    page.locator("#stl-input").press("Enter")
    expect(page.locator(".stl-msg.stl-bot", has_text="02521 29-3333")).to_have_count(1)
    expect(status).to_contain_text("wieder erreichbar")


def test_api_sessions_origins_and_erase(widget: Widget, assistant: Assistant) -> None:
    status, body, _ = widget.post("/api/message", {"session": "forged.0000", "text": "hallo"})
    assert status == 401
    status, body, _ = widget.post("/api/session", {}, origin="https://evil.example")
    assert status == 403
    status, body, headers = widget.post("/api/session", {}, origin=ALLOWED_ORIGIN)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    session = body["session"]
    assert widget.post("/api/message", {"session": session, "text": "  "})[0] == 400
    status, body, _ = widget.post("/api/message", {"session": session, "text": "Kindergeld", "language": "uk"})
    assert status == 200 and body["language"] == "uk" and body["messages"]
    from bot.web.server import Sessions

    sender = Sessions.sender(session)
    with sqlite3.connect(assistant.log_dir / "tracker.db") as db:
        count = "SELECT count(*) FROM events WHERE sender_id = ?"
        assert db.execute(count, (sender,)).fetchone()[0] > 0
        status, body, _ = widget.post("/api/delete", {"session": session, "language": "uk"})
        assert status == 200 and body["message"]
        assert db.execute(count, (sender,)).fetchone()[0] == 0


def test_widget_log_has_no_message_texts(widget: Widget, page: Page) -> None:
    page.locator(".stl-launcher").click()
    ask(page, "Geheimfrage zum Kindergeld von Familie Mustermann")
    assert widget.log is not None and "Mustermann" not in widget.log.read_text(errors="replace")


def test_widget_server_restart_is_survived_without_reloading(browser: Browser, assistant: Assistant) -> None:
    port = free_port()
    env = {**os.environ, "WIDGET_PORT": str(port), "RASA_URL": assistant.rasa_url,
           "STADTLOTSE_ENDPOINTS": str(assistant.endpoints)}  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(f"http://127.0.0.1:{port}/health", process, timeout=60)
        return process

    server = start()
    page = open_page(browser, Widget(f"http://127.0.0.1:{port}"))
    page.locator(".stl-launcher").click()
    ask(page, "Wann hat die Bibliothek offen?")
    server.terminate()
    server.wait(timeout=15)
    page.locator("#stl-input").fill("Wo melde ich mich an?")
    page.locator("#stl-input").press("Enter")
    expect(page.locator(".stl-status")).to_contain_text("nicht erreichbar")
    server = start()  # a new process: new signing key, so the old session id is refused and renewed
    try:
        page.locator("#stl-input").press("Enter")
        expect(page.locator(".stl-msg.stl-bot", has_text="02521 29-3333")).to_have_count(1)
    finally:
        server.terminate()
        server.wait(timeout=15)
        page.context.close()


def test_show_in_german_button(browser: Browser, widget: Widget) -> None:
    page = open_page(browser, widget, locale="uk")
    page.locator(".stl-launcher").click()
    ask(page, "як зробити Anmeldung?")
    page.locator(".stl-german").last.click()
    expect(page.locator(".stl-msg.stl-bot[lang='de']")).to_have_count(1)
    german = page.locator(".stl-msg.stl-bot[lang='de']").inner_text()
    assert "Bitte mitbringen:" in german
    expect(page.locator("#stadtlotse")).to_have_attribute("lang", "uk")  # the widget stays Ukrainian
    page.context.close()


def test_read_aloud_plays_the_answer(page: Page) -> None:
    page.locator(".stl-launcher").click()
    ask(page, "Wann hat die Bibliothek offen?")
    page.locator(".stl-read").last.click()
    audio = page.locator(".stl-msg.stl-bot audio")
    expect(audio).to_have_count(1)
    assert audio.get_attribute("src").startswith("blob:")
    page.wait_for_function("document.querySelector('.stl-msg audio').duration > 1")


def test_plan_checklist_with_checkboxes(browser: Browser, widget: Widget) -> None:
    page = open_page(browser, widget, locale="tr")
    page.locator(".stl-launcher").click()
    answer = ask(page, "Türkiye'den kaçtık, iltica başvurusu yaptık ve Beckum'a gönderildik. şimdi ne yapmalıyız?")
    assert "1. " in answer and "(Anmeldung)" in answer
    boxes = page.locator(".stl-msg.stl-bot").last.locator(".stl-checklist input[type=checkbox]")
    assert boxes.count() >= 3
    count = len(bot_messages(page))
    boxes.first.check()  # tick step 1 off: the same answer is updated, no new message
    expect(page.locator(".stl-msg.stl-bot").last).to_contain_text("✓ 1.")
    assert len(bot_messages(page)) == count
    expect(page.locator(".stl-msg.stl-bot").last.locator(".stl-checklist input").first).to_be_checked()
    assert_accessible(page)
    page.reload()  # the ticked list is still there after a reload
    page.locator(".stl-launcher").click() if not page.locator("#stl-input").is_visible() else None
    expect(page.locator(".stl-msg.stl-bot").last.locator(".stl-checklist input").first).to_be_checked()
    page.context.close()
