"""Read aloud: an answer as speech, synthesised on this machine with espeak-ng and encoded as OGG/Opus.

For people who read little. Nothing leaves the machine: espeak-ng (Debian package) speaks the text,
soundfile's bundled libsndfile encodes it as OGG/Opus (what Telegram plays as a voice message and
browsers play in an <audio> element). Web addresses and bullets are left out of the spoken text.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

from actions import languages

MAX_CHARS = 2000  # about two minutes of speech
SAMPLE_RATE = 24000  # Opus accepts 8, 12, 16, 24 or 48 kHz; espeak-ng speaks at 22.05 kHz
URL = re.compile(r"https?://\S+")
INVISIBLE = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069•·"), " ")
# espeak-ng voice per language of the registry (all twelve have one; see the README for quality)
VOICES = {code: code for code in languages.CODES} | {"en": "en-gb", "fr": "fr-fr"}


class SpeechUnavailableError(Exception):
    """espeak-ng is not installed or failed; the message says what to do."""


def spoken_text(text: str) -> str:
    """What is read: the answer without web addresses, bullets and bidi marks."""
    return " ".join(URL.sub("", text).translate(INVISIBLE).split())[:MAX_CHARS]


def synthesise(text: str, language: str) -> bytes:
    """``text`` spoken in ``language`` as OGG/Opus bytes."""
    import numpy as np
    import soundfile
    from scipy.signal import resample_poly

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SpeechUnavailableError("espeak-ng is not installed: sudo apt-get install espeak-ng")
    voice = VOICES.get(languages.get(language).code, languages.DEFAULT)
    try:
        result = subprocess.run(
            [espeak, "-v", voice, "-s", "150", "-b", "1", "--stdout"],
            input=spoken_text(text).encode("utf-8"), capture_output=True, timeout=60, check=True,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as error:
        raise SpeechUnavailableError(f"espeak-ng failed for voice {voice}: {type(error).__name__}") from error
    samples, rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    resampled = resample_poly(samples, SAMPLE_RATE, rate).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, np.clip(resampled, -1.0, 1.0), SAMPLE_RATE, format="OGG", subtype="OPUS")
    return out.getvalue()
