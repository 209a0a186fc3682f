"""Spelling-tolerant normalisation of user text, shared by the NLU components and the actions.

People type without diacritics ("burgerburo", "yabancilar"), mix Arabic and Persian letter forms and
leave out zero-width joiners; the intent features should not depend on any of that.
"""

from __future__ import annotations

import unicodedata

_TABLE = str.maketrans(
    {
        "ß": "ss",
        "ı": "i",
        "ł": "l",
        "đ": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        # Arabic and Persian letter variants written interchangeably on phones
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ی",
        "ي": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,
        "\u200e": None,
        "\u200f": None,
        "ё": "е",
    }
)


def normalize(text: str) -> str:
    """Lower-case, fold letter variants and strip diacritics and Arabic vowel marks."""
    folded = text.lower().translate(_TABLE)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)
