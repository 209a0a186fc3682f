"""The real Telegram bot (``python -m bot.telegram``) end to end: a local Bot API server, the trained assistant."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from bot.telegram.app import sender_id
from bot.telegram.settings import Settings
from tests.integration.servers import ROOT, Assistant, SwitchableProxy, free_port
from tests.integration.telegram_api import BOT_USER, FakeTelegram

TOKEN = "123456:TEST-token_for-the-fake-api"
SECRET = "webhook-secret_42"
CONTACT_PHONE = "02521 29-0"
ARABIC = range(0x0600, 0x0700)


def arabic_letters(text: str) -> int:
    return sum(ord(ch) in ARABIC for ch in text)


def sender_of(chat_id: int) -> str:
    return sender_id(Settings(token=TOKEN), chat_id)


@contextmanager
def telegram_bot(api: FakeTelegram, log: Path, rasa_url: str, endpoints: Path, **env: str) -> Iterator[Any]:
    """Run ``python -m bot.telegram`` against the fake API until the block ends; its log in ``log``."""
    environment = {
        **os.environ, "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url, "RASA_URL": rasa_url,
        "RASA_AUTH_TOKEN": "integration-test-token", "STADTLOTSE_ENDPOINTS": str(endpoints), **env,
    }  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.telegram"], cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            ready = "setWebhook" if env.get("TELEGRAM_WEBHOOK_URL") else "getUpdates"
            while not any(call.method == ready for call in api.calls):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"bot did not start: {log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def polling_bot(api: FakeTelegram, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    log = tmp_path_factory.mktemp("telegram") / "bot.log"
    with telegram_bot(api, log, assistant.rasa_url, assistant.endpoints):
        yield log


def test_german_user_gets_the_office_with_phone_and_a_map_pin(api: FakeTelegram, polling_bot: Path,
                                                            assistant: Assistant) -> None:  # fmt: skip
    chat = 1001
    mark = api.mark()
    api.send(chat, "Wo kann ich meine Wohnung anmelden?", language_code="de")
    answer = api.replies(mark, chat)[0]
    assert "Bürgerbüro" in answer.text and "02521 29-3333" in answer.text
    assert api.calls_since(mark, "sendChatAction", chat)[0].params["action"] == "typing"
    venue = api.wait_for(mark, lambda calls: len(calls) == 1, method="sendVenue", chat_id=chat)[0]
    assert venue.params["title"] == "Bürgerbüro" and "Weststraße 46" in venue.params["address"]
    state = assistant.tracker(sender_of(chat))["slots"]
    assert (state["service"], state["language"], state["office"]) == ("registration", "de", "citizens_office")


def test_arabic_user_gets_an_arabic_answer(api: FakeTelegram, polling_bot: Path, assistant: Assistant) -> None:
    chat = 1002
    mark = api.mark()
    api.send(chat, "وين بقدر اطلب Wohngeld؟ الايجار غالي كتير", language_code="ar")
    answer = api.replies(mark, chat)[0]
    assert arabic_letters(answer.text) > 40
    assert "02521 29-5036" in answer.text
    assert assistant.tracker(sender_of(chat))["slots"]["language"] == "ar"


def test_start_offers_languages_and_a_click_switches(api: FakeTelegram, polling_bot: Path,
                                                     assistant: Assistant) -> None:  # fmt: skip
    chat = 1003
    mark = api.mark()
    api.send(chat, "/start", language_code="en")
    welcome = api.replies(mark, chat)[0]
    assert "automated assistant" in welcome.text and "/privacy" in welcome.text
    assert "https://www.beckum.de/datenschutz" in welcome.text
    buttons = welcome.buttons
    assert len(buttons) == 12
    arabic = next(b for b in buttons if b["text"] == "العربية")

    mark = api.mark()
    api.click(chat, arabic["callback_data"], language_code="en")
    api.wait_for(mark, lambda calls: len(calls) == 1, method="answerCallbackQuery")
    confirmation = api.replies(mark, chat)[0]
    assert arabic_letters(confirmation.text) > 10
    assert assistant.tracker(sender_of(chat))["slots"]["language"] == "ar"

    mark = api.mark()
    api.send(chat, "/privacy", language_code="en")
    assert arabic_letters(api.replies(mark, chat)[0].text) > 40  # the bot's own texts follow the conversation


def test_language_command_shows_the_menu(api: FakeTelegram, polling_bot: Path) -> None:
    chat = 1004
    mark = api.mark()
    api.send(chat, "/language", language_code="tr")
    menu = api.replies(mark, chat)[0]
    assert {b["text"] for b in menu.buttons} >= {"Deutsch", "Türkçe", "فارسی", "Kurdî (Kurmancî)"}


def test_unsure_answer_buttons_continue_the_conversation(api: FakeTelegram, polling_bot: Path,
                                                         assistant: Assistant) -> None:  # fmt: skip
    chat = 1005
    mark = api.mark()
    api.send(chat, "xqzv blorp frumble", language_code="de")
    offered = api.replies(mark, chat)[0].buttons
    assert 2 <= len(offered) <= 12
    mark = api.mark()
    api.click(chat, offered[0]["callback_data"])
    api.replies(mark, chat)
    assert assistant.tracker(sender_of(chat))["latest_message"]["text"] == offered[0]["callback_data"]


def events_stored(assistant: Assistant, sender: str) -> int:
    with sqlite3.connect(assistant.log_dir / "tracker.db") as db:
        return int(db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0])


def test_delete_erases_the_conversation(api: FakeTelegram, polling_bot: Path, assistant: Assistant) -> None:
    chat = 1006
    mark = api.mark()
    api.send(chat, "Wann hat die Bibliothek offen?")
    api.replies(mark, chat)
    assert events_stored(assistant, sender_of(chat)) > 0
    mark = api.mark()
    api.send(chat, "/delete")
    assert "gelöscht" in api.replies(mark, chat)[0].text
    assert events_stored(assistant, sender_of(chat)) == 0


@pytest.mark.parametrize(
    "content",
    [
        {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
        {"sticker": {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]},
        {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "pass.pdf"}},
        {"location": {"latitude": 51.75, "longitude": 8.04}},
    ],
    ids=["voice", "sticker", "photo", "document", "location"],
)  # fmt: skip
def test_what_is_not_text_gets_a_polite_answer(api: FakeTelegram, polling_bot: Path, content: dict[str, Any]) -> None:
    chat = 1007
    mark = api.mark()
    api.send_update("message", api.user_message(chat, "uk", **content))
    answer = api.replies(mark, chat)[0].text
    assert "текст" in answer.lower()  # Ukrainian: "I can only read text"


def test_edited_message_gets_a_note(api: FakeTelegram, polling_bot: Path) -> None:
    chat = 1008
    mark = api.mark()
    api.send_update("edited_message", {**api.user_message(chat, "en", text="where is the town hall"),
                                       "edit_date": int(time.time())})  # fmt: skip
    assert "new message" in api.replies(mark, chat)[0].text


def test_groups_silent_unless_addressed(api: FakeTelegram, polling_bot: Path) -> None:
    group = -5001
    mark = api.mark()
    api.send(group, "Weiß jemand, wann das Rathaus offen hat?")
    time.sleep(2)
    assert api.calls_since(mark, "sendMessage", group) == []
    text = f"@{BOT_USER['username']} wo ist das Bürgerbüro?"
    message = api.user_message(group, "de", text=text,
                               entities=[{"type": "mention", "offset": 0, "length": len(BOT_USER["username"]) + 1}])
    api.send_update("message", message)  # fmt: skip
    answer = api.replies(mark, group)[0].text
    assert f"https://t.me/{BOT_USER['username']}" in answer


def test_log_has_no_message_texts_names_or_token(api: FakeTelegram, polling_bot: Path) -> None:
    chat = 1009
    mark = api.mark()
    api.send(chat, "Geheimfrage zum Kindergeld für Familie Mustermann")
    api.replies(mark, chat)
    log = polling_bot.read_text(errors="replace")
    assert "Geheimfrage" not in log and "Mustermann" not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert str(chat) not in log


# --------------------------------------------------------------------------- backend down, slow, back


def test_backend_down_or_slow_gives_an_apology_then_recovers(assistant: Assistant, tmp_path: Path) -> None:
    proxy = SwitchableProxy(assistant.rasa_url)
    chat = 2001
    with FakeTelegram(TOKEN) as api, telegram_bot(api, tmp_path / "bot.log", proxy.url, assistant.endpoints):
        for mode in ("down", "slow"):
            proxy.mode = mode
            mark, sent = api.mark(), time.monotonic()
            api.send(chat, "Wo bekomme ich einen Personalausweis?")
            apology = api.replies(mark, chat, timeout=15)[0]
            assert "Entschuldigung" in apology.text and CONTACT_PHONE in apology.text, mode
            assert apology.at - sent < 7.5, mode  # 5 s timeout, plus polling
        proxy.mode = "up"
        mark = api.mark()
        api.send(chat, "Wo bekomme ich einen Personalausweis?")
        assert "02521 29-3333" in api.replies(mark, chat)[0].text
    proxy.server.shutdown()


# --------------------------------------------------------------------------- webhook mode


def post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_webhook_mode_checks_the_secret_and_answers_each_update_once(assistant: Assistant, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    env = {"TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_WEBHOOK_PORT": str(port)}
    chat = 3001
    with FakeTelegram(TOKEN) as api, telegram_bot(api, tmp_path / "bot.log", assistant.rasa_url,
                                                  assistant.endpoints, **env):  # fmt: skip
        assert api.webhook is not None
        assert (api.webhook["url"], api.webhook["secret_token"]) == (url, SECRET)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as health:
            assert health.status == 200

        mark = api.mark()
        update = {"update_id": 9001, "message": api.user_message(chat, "de", text="Wo ist das Standesamt?")}
        assert post_update(url, update, None) == 403
        assert post_update(url, update, "wrong-secret") == 403
        assert post_update(url, update, SECRET[:-1]) == 403
        time.sleep(2)
        assert api.calls_since(mark, "sendMessage") == []

        assert post_update(url, update, SECRET) == 200
        assert post_update(url, update, SECRET) == 200  # Telegram delivers it again
        api.replies(mark, chat)
        time.sleep(2)
        assert len(api.calls_since(mark, "sendMessage", chat)) == 1
        assert "02521 29-0" in api.calls_since(mark, "sendMessage", chat)[0].text


def test_show_in_german_for_the_counter(api: FakeTelegram, polling_bot: Path, assistant: Assistant) -> None:
    chat = 1010
    mark = api.mark()
    api.send(chat, "شو بدي جيب معي لحتى اعمل Anmeldung؟", language_code="ar")
    answer = api.replies(mark, chat)[0]
    german = next(b for b in answer.buttons if b["text"] == "عرض بالألمانية")
    mark = api.mark()
    api.click(chat, german["callback_data"], language_code="ar")
    shown = api.replies(mark, chat)[0].text
    assert "Bitte mitbringen:" in shown and "Wohnungsgeberbestätigung" in shown
    assert assistant.tracker(sender_of(chat))["slots"]["language"] == "ar"  # the conversation stays Arabic


def test_read_aloud_sends_a_voice_message(api: FakeTelegram, polling_bot: Path) -> None:
    chat = 1011
    mark = api.mark()
    api.send(chat, "Wann hat die Bibliothek offen?", language_code="de")
    read = next(b for b in api.replies(mark, chat)[0].buttons if b["text"] == "Vorlesen")
    mark = api.mark()
    api.click(chat, read["callback_data"])
    voice = api.wait_for(mark, lambda calls: len(calls) == 1, method="sendVoice", chat_id=chat)[0]
    assert voice.params["voice"][:4] == b"OggS"


def test_plan_checklist_is_ticked_in_place_and_plan_shows_what_is_left(api: FakeTelegram, polling_bot: Path,
                                                                       assistant: Assistant) -> None:  # fmt: skip
    chat = 1012
    mark = api.mark()
    api.send(chat, "wir sind aus syrien geflüchtet und seit 5 tagen in beckum, was sollen wir als erstes tun")
    api.replies(mark, chat)
    plan = api.latest_sent(chat)
    assert "1. Wohnung anmelden (Anmeldung) – Bürgerbüro" in plan["text"]
    steps = [b for row in plan["reply_markup"]["inline_keyboard"] for b in row if b["text"].startswith("☐ 1.")]
    mark = api.mark()
    api.click(chat, steps[0]["callback_data"], message_id=plan["message_id"])
    api.wait_for(mark, lambda calls: len(calls) == 1, method="editMessageText", chat_id=chat)
    ticked = api.latest_sent(chat)
    assert ticked["message_id"] == plan["message_id"]  # the same message, updated
    assert "✓ 1. Wohnung anmelden (Anmeldung) (erledigt)" in ticked["text"]
    assert any(b["text"].startswith("☑ 1.") for row in ticked["reply_markup"]["inline_keyboard"] for b in row)
    assert not api.calls_since(mark, "sendMessage", chat)  # no new message for a tick
    assert assistant.tracker(sender_of(chat))["slots"]["plan_done"] == ["registration"]
    mark = api.mark()
    api.send(chat, "/plan")
    assert "Schritte zu tun" in api.replies(mark, chat)[0].text
    mark = api.mark()
    api.send(chat, "/delete")
    api.replies(mark, chat)
    mark = api.mark()
    api.send(chat, "/plan")
    assert "Sie haben noch keinen Plan" in api.replies(mark, chat)[0].text
