"""Fixtures: `system` is the whole real stack, started once per test session."""

from __future__ import annotations

import pytest

from tests.support.system import System, start_system


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> System:
    running = start_system(tmp_path_factory.mktemp("system"))
    yield running
    running.stack.stop()
    running.twilio.stop()
