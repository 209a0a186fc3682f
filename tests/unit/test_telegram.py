"""The Telegram channel's pure parts: configuration, rendering, ids, secrets in logs (no network)."""

from __future__ import annotations

import logging

import pytest
from telegram import Message

from bot.assistant import Button, _messages
from bot.telegram.__main__ import RedactSecrets
from bot.telegram.app import addressed_to_bot, sender_id
from bot.telegram.render import CALLBACK_LIMIT, ButtonRegistry, escape, keyboard, split_text
from bot.telegram.settings import DEFAULT_API_URL, Settings, SettingsError, api_base_url
from bot.telegram.webhook import RecentUpdates

TOKEN = "123456:ABC-secret"


# --------------------------------------------------------------------------- settings


def test_polling_is_the_default() -> None:
    settings = Settings.from_environment({"TELEGRAM_TOKEN": TOKEN})
    assert not settings.webhook_mode
    assert settings.api_url == DEFAULT_API_URL


def test_webhook_mode_needs_a_valid_secret() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_environment({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.de/tg"})
    with pytest.raises(SettingsError, match="A-Z"):
        Settings.from_environment({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.de/tg",
                                   "TELEGRAM_WEBHOOK_SECRET": "has spaces!"})  # fmt: skip
    settings = Settings.from_environment({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.de/tg",
                                          "TELEGRAM_WEBHOOK_SECRET": "s3cret_-x"})  # fmt: skip
    assert settings.webhook_mode and settings.webhook_path == "/tg"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", DEFAULT_API_URL),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
        ("https://tg.example/api/bot{token}/test", "https://tg.example/api/bot{token}/test"),
    ],
)
def test_api_url_is_python_telegram_bots_base_url(given: str, expected: str) -> None:
    assert api_base_url(given) == expected


@pytest.mark.parametrize("env", [{}, {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_URL": "telegram.local"},
                                 {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_PORT": "99999"}])  # fmt: skip
def test_configuration_errors_say_what_is_wrong(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_"):
        Settings.from_environment(env)


# --------------------------------------------------------------------------- rendering


def test_long_answers_are_split_at_line_boundaries_within_the_limit() -> None:
    paragraph = "Bürgerbüro, Weststraße 46. " * 30
    text = "\n\n".join([paragraph.strip()] * 10)
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert all(p.endswith("46.") for p in pieces)
    assert " ".join(pieces).split() == text.split()  # nothing lost


def test_text_without_any_boundary_is_cut_hard() -> None:
    pieces = split_text("x" * 10000)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


def test_escaping_for_html_parse_mode() -> None:
    assert escape("a < b & c > d <b>") == "a &lt; b &amp; c &gt; d &lt;b&gt;"


def test_callback_data_stays_within_64_bytes() -> None:
    registry = ButtonRegistry(size=2)
    short = '/choose_language{"language":"ar"}'
    assert registry.data_for(short) == short
    long = '/service_registration{"note":"' + "ü" * 40 + '"}'
    key = registry.data_for(long)
    assert len(key.encode()) <= CALLBACK_LIMIT and registry.payload_of(key) == long
    registry.data_for("#x")
    registry.data_for("/" + "y" * 70)
    assert registry.payload_of(key) is None  # forgotten: the user is asked to type instead


def test_keyboard_rows_depend_on_title_length() -> None:
    registry = ButtonRegistry()
    languages = keyboard([Button(t, "/x") for t in ("Deutsch", "Kurdî (Kurmancî)", "Türkçe", "Polski")], registry)
    assert [len(row) for row in languages.inline_keyboard] == [2, 2]
    services = keyboard([Button("Wohnberechtigungsschein (WBS)", "/a"), Button("Wohngeld", "/b")], registry)
    assert [len(row) for row in services.inline_keyboard] == [1, 1]
    assert keyboard([], registry) is None


def test_rest_answers_are_read_defensively() -> None:
    messages = _messages([{"text": "Hallo"}, {"buttons": [{"title": "A", "payload": "/a"}, {"title": ""}]},
                          {"image": "x"}, "junk"])  # fmt: skip
    assert [m.text for m in messages] == ["Hallo", ""]
    assert messages[1].buttons == [Button("A", "/a")]


# --------------------------------------------------------------------------- ids, groups, logs


def test_sender_id_is_a_stable_keyed_hash_of_the_chat() -> None:
    settings = Settings(token=TOKEN)
    assert sender_id(settings, 4711) == sender_id(settings, 4711)
    assert sender_id(settings, 4711) != sender_id(settings, 4712)
    assert sender_id(settings, 4711) != sender_id(Settings(token="other:token"), 4711)
    assert "4711" not in sender_id(settings, 4711)


def group_message(text: str, entities: list[dict[str, object]], reply_from: int | None = None) -> Message:
    data: dict[str, object] = {"message_id": 1, "date": 0, "chat": {"id": -1, "type": "group", "title": "g"},
                               "from": {"id": 7, "is_bot": False, "first_name": "A"}, "text": text,
                               "entities": entities}  # fmt: skip
    if reply_from is not None:
        bot = {"id": reply_from, "is_bot": True, "first_name": "B"}
        data["reply_to_message"] = {"message_id": 0, "date": 0, "chat": {"id": -1, "type": "group"}, "from": bot}
    return Message.de_json(data, None)


@pytest.mark.parametrize(
    ("text", "entities", "reply_from", "addressed"),
    [
        ("wann ist das Rathaus offen?", [], None, False),
        ("@stadtlotse_bot wann ist das Rathaus offen?", [{"type": "mention", "offset": 0, "length": 15}], None, True),
        ("@other_bot hallo", [{"type": "mention", "offset": 0, "length": 10}], None, False),
        ("/start@stadtlotse_bot", [{"type": "bot_command", "offset": 0, "length": 21}], None, True),
        ("/start@other_bot", [{"type": "bot_command", "offset": 0, "length": 16}], None, False),
        ("danke", [], 99, True),
        ("danke", [], 98, False),
    ],
)
def test_group_messages_addressed_to_the_bot(text: str, entities: list[dict[str, object]], reply_from: int | None,
                                             addressed: bool) -> None:  # fmt: skip
    assert addressed_to_bot(group_message(text, entities, reply_from), "stadtlotse_bot", 99) is addressed


def test_each_update_id_counts_once() -> None:
    recent = RecentUpdates(size=2)
    assert recent.first_time(1) and not recent.first_time(1)
    assert recent.first_time(2) and recent.first_time(3)
    assert recent.first_time(1)  # forgotten after `size` newer ones


def test_the_token_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    redact = RedactSecrets(TOKEN, None)
    logger.addFilter(redact)
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    assert TOKEN not in caplog.text and "<redacted>" in caplog.text
