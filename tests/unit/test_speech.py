"""Read aloud: every language gets real OGG/Opus speech from espeak-ng on this machine."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from actions import languages
from actions.i18n import texts
from bot.speech import spoken_text, synthesise

SENTENCE = "Mit einem Menschen sprechen: {office}, Telefon {phone}."


@pytest.mark.parametrize("code", languages.CODES)
def test_each_language_is_spoken_as_ogg_opus_that_is_not_silent(code: str) -> None:
    text = texts(code)._(SENTENCE, office="Rathaus Beckum", phone="02521 29-0")
    audio = synthesise(text, code)
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:100]
    samples, rate = soundfile.read(io.BytesIO(audio), dtype="float32")
    assert len(samples) / rate > 1.0, "under a second of speech"
    assert float(np.sqrt(np.mean(samples**2))) > 0.01, "silent"


def test_web_addresses_and_marks_are_not_read() -> None:
    text = "Mehr: https://serviceportal.beckum.de\n• Pass \u206602521 29-0\u2069"
    assert spoken_text(text) == "Mehr: Pass 02521 29-0"
