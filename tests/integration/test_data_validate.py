"""`rasa data validate` finds nothing: domain, rules and NLU data agree."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.servers import ROOT


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
