"""How long conversations are kept: one setting for the purge job, the privacy texts and the FAQ answer."""

from __future__ import annotations

import os

RETENTION_VARIABLE = "STADTLOTSE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    """How long conversations are kept (``STADTLOTSE_RETENTION_DAYS``, default 30)."""
    value = os.environ.get(RETENTION_VARIABLE, "")
    try:
        days = int(value) if value else DEFAULT_RETENTION_DAYS
    except ValueError:
        raise SystemExit(f"{RETENTION_VARIABLE}={value!r} is not a whole number of days") from None
    if days < 1:
        raise SystemExit(f"{RETENTION_VARIABLE} must be at least 1 (got {days})")
    return days
