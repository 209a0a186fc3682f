"""The conversation's language: the NLU's per-message ranking combined with what the conversation knows.

One short message says little ("ok", "Kita", "Jobcenter?"), so the language only switches when the new
message is clearly in another language; a hint from the channel (Telegram ``language_code``, the
widget's language) decides only when the message itself is ambiguous.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from actions import languages

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# A message this long (in words) and this certain switches the conversation to its language.
SWITCH_MIN_WORDS = 3
SWITCH_MIN_CONFIDENCE = 0.80
# Very clear short messages ("спасибо", "شكرا") switch too.
SHORT_SWITCH_CONFIDENCE = 0.97
# The first message decides alone when the detector is at least this sure, else the hint wins.
FIRST_MESSAGE_CONFIDENCE = 0.60


def ranking_of(parse_data: dict[str, Any]) -> list[tuple[str, float]]:
    """The language ranking the NLU pipeline added to a parsed message, best first."""
    ranking = parse_data.get("language_ranking") or []
    return [(str(item["name"]), float(item["confidence"])) for item in ranking]


def evidence_of(parse_data: dict[str, Any]) -> int | None:
    """How many words of the message carry language information (None: not measured)."""
    value = parse_data.get("language_evidence")
    return int(value) if value is not None else None


def decide(
    text: str,
    ranking: Sequence[tuple[str, float]],
    previous: str | None,
    hint: str | None = None,
    evidence: int | None = None,
) -> str:
    """The language to answer in.

    ``evidence`` is the number of words in the message that are not vocabulary shared by all languages
    ("Jobcenter", "Kita"); with none, the message cannot change the language of a conversation and a
    channel hint beats the detector.
    """
    previous = languages.resolve(previous)
    hint = languages.resolve(hint)
    fallback = previous or hint or languages.DEFAULT
    if not ranking or text.startswith("/"):
        return fallback
    top, confidence = ranking[0]
    if top not in languages.LANGUAGES:
        return fallback
    if evidence == 0:
        # only words every language uses ("Kindergeld", "WBS"): they are German words
        return previous or hint or languages.DEFAULT
    if previous is None:
        if hint is None or confidence >= FIRST_MESSAGE_CONFIDENCE:
            return top
        return hint
    if top == previous:
        return previous
    words = len(WORD.findall(text))
    if words >= SWITCH_MIN_WORDS and confidence >= SWITCH_MIN_CONFIDENCE:
        return top
    if confidence >= SHORT_SWITCH_CONFIDENCE:
        return top
    return previous


def requested_language(text: str) -> str | None:
    """A language named in ``text`` ("English please", "по-русски", "بالعربي"), if any."""
    from components.normalize import normalize

    folded = normalize(text)
    words = WORD.findall(folded)
    for code, names in _language_names().items():
        for name in names:
            if len(name) >= 4 and (name in folded or any(w.startswith(name) for w in words)):
                return code
    return None


_NAMES: dict[str, list[str]] | None = None


def _language_names() -> dict[str, list[str]]:
    """Stems of every language's name in all our languages (from Babel's locale data)."""
    global _NAMES
    if _NAMES is None:
        from babel import Locale

        from components.normalize import normalize

        names: dict[str, set[str]] = {code: set() for code in languages.CODES}
        for display in languages.LANGUAGES.values():
            locale = Locale.parse(display.babel_locale)
            for code, language in languages.LANGUAGES.items():
                candidates = [locale.languages.get(code, ""), language.native_name, language.english_name]
                for candidate in candidates:
                    for word in WORD.findall(normalize(candidate)):
                        if len(word) >= 4:
                            names[code].add(word[:5])
        # a stem shared by two languages names neither
        counts: dict[str, int] = {}
        for stems in names.values():
            for stem in stems:
                counts[stem] = counts.get(stem, 0) + 1
        _NAMES = {code: sorted(s for s in stems if counts[s] == 1) for code, stems in names.items()}
    return _NAMES
