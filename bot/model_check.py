"""Refuse a model file that is corrupted or not ours, before a Rasa server tries to load it.

Rasa itself stops with a long traceback on a truncated archive, and happily serves a model trained for
another bot (every answer then wrong). Both launchers call ``check_model`` first and exit with one clear
sentence that names the file and says what to do.
"""

from __future__ import annotations

import json
import tarfile
import zlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA_SERIES = "3.6."


class ModelError(Exception):
    """The model file cannot be served; the message says why and what to do."""


def _contract_slots() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return set(domain.get("slots") or {})


def check_model(path: Path) -> dict:
    """The model's metadata, after checking the whole archive; ``ModelError`` otherwise."""
    retrain = "Delete it and run `make train` (or restore the file from the last deployment)."
    if not path.is_file() or path.stat().st_size == 0:
        raise ModelError(f"Model {path} is missing or empty. {retrain}")
    metadata = None
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:  # reads every byte: gzip checks its CRC at the end
                stream = archive.extractfile(member) if member.isfile() else None
                data = stream.read() if stream else b""
                if member.name.lstrip("./") == "metadata.json":
                    metadata = json.loads(data)
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as error:
        reason = f"{type(error).__name__}: {error}"
        raise ModelError(f"Model {path} is corrupted or truncated ({reason}). {retrain}") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"Model {path} is not a Rasa model (no metadata.json inside). {retrain}")
    version = str(metadata.get("rasa_open_source_version", "?"))
    if not version.startswith(RASA_SERIES):
        raise ModelError(f"Model {path} was trained with Rasa {version}; this server runs Rasa 3.6. {retrain}")
    slots = set((metadata.get("domain") or {}).get("slots") or {})
    missing = sorted(_contract_slots() - slots)
    if missing:
        raise ModelError(
            f"Model {path} is not a Stadtlotse model for this code: its domain lacks the slots "
            f"{', '.join(missing)}. It was trained for another assistant or an older version. {retrain}"
        )
    return metadata
