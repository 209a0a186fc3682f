from __future__ import annotations

from typing import Iterator

import pytest

from tests.integration.servers import Assistant, running_assistant

FIXED_NOW = "2026-11-25T10:00"  # a Wednesday morning: the library is open, the Wohngeldstelle too


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("assistant"), {"STADTLOTSE_NOW": FIXED_NOW}) as running:
        yield running
