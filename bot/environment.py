"""Defaults of the production settings that ``deploy/endpoints.yml`` reads from the environment.

One place for them: the production launcher gives them to every process, and the tools that open the
same stores by themselves (``python -m bot.privacy purge`` from cron) fill them in the same way. Values
set in the environment always win; the README's configuration table lists them.
"""

from __future__ import annotations

import os

PRODUCTION_DEFAULTS = {
    "STADTLOTSE_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/stadtlotse",
    "STADTLOTSE_REDIS_HOST": "127.0.0.1",
    "STADTLOTSE_REDIS_PORT": "6379",
    "STADTLOTSE_REDIS_DB": "1",
    "STADTLOTSE_REDIS_PASSWORD": "",
    "STADTLOTSE_ACTION_URL": "http://127.0.0.1:5055/webhook",
}


def fill_production_defaults() -> None:
    """Set every production variable that is not set yet to its default (in this process)."""
    for name, value in PRODUCTION_DEFAULTS.items():
        os.environ.setdefault(name, value)
