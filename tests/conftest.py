"""Shared test set-up: the offline/online split and a fixed clock.

Tests under tests/unit/ must not open network connections (not even to localhost): a connect attempt
fails the test. Tests that start servers live under tests/integration/ and are marked ``integration``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _records_in_a_temporary_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Usage figures and unanswered questions of test runs never land in the real var/records.db."""
    os.environ["STADTLOTSE_RECORDS_DB"] = f"sqlite:///{tmp_path_factory.mktemp('records') / 'records.db'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _no_network_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("integration"):
        return
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family == socket.AF_UNIX:
            return original(self, address)  # type: ignore[arg-type]
        raise AssertionError(f"unit test tried to reach the network ({address!r}); mark it integration")

    monkeypatch.setattr(socket.socket, "connect", guarded)
