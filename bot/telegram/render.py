"""Turn the assistant's answers into Telegram messages: length limit, HTML escaping, inline keyboards."""

from __future__ import annotations

import hashlib
import html
from collections import OrderedDict
from typing import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.assistant import Button

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CALLBACK_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64 bytes
ROW_WIDTHS = ((10, 3), (18, 2))  # titles up to 10 characters go three to a row, up to 18 two, longer alone
HASHED = "#"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line or word boundary where possible."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        # the last paragraph, line or word boundary in the second half of the window; else a hard cut
        cut = next((pos for sep in ("\n\n", "\n", " ") if (pos := window.rfind(sep)) >= limit // 2), limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def escape(text: str) -> str:
    """Text for ``parse_mode=HTML``: every <, > and & escaped, nothing interpreted as markup."""
    return html.escape(text, quote=False)


class ButtonRegistry:
    """Callback data for buttons: the payload itself when it fits in 64 bytes, else a short key.

    Keys of long payloads are remembered for the most recent ``size`` buttons; an older key (or one from
    before a restart) is reported as unknown and the user is asked to type the question instead.
    """

    def __init__(self, size: int = 10_000):
        self.size = size
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_LIMIT and payload.isprintable() and not payload.startswith(HASHED):
            return payload
        key = HASHED + hashlib.sha256(payload.encode()).hexdigest()[:32]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.size:
            self._payloads.popitem(last=False)
        return key

    def payload_of(self, data: str) -> str | None:
        if data.startswith(HASHED):
            return self._payloads.get(data)
        return data


def keyboard(buttons: Sequence[Button], registry: ButtonRegistry) -> InlineKeyboardMarkup | None:
    """An inline keyboard: short titles several to a row, long ones (service names) one to a row."""
    if not buttons:
        return None
    longest = max(len(b.title) for b in buttons)
    per_row = next((n for width, n in ROW_WIDTHS if longest <= width), 1)
    keys = [InlineKeyboardButton(b.title, callback_data=registry.data_for(b.payload)) for b in buttons]
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])
