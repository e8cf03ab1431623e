"""Fixtures: `system` is the whole real stack, started once per test session."""

from __future__ import annotations

import os

import pytest

from tests.support.system import System, start_system

# The service is in production unless told otherwise (engine/config.py); what the tests build in
# their own process (settings, apps) is the tests' environment. The stack's children get theirs
# from tests/support/system.py.
os.environ.setdefault("ENVIRONMENT", "test")


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> System:
    running = start_system(tmp_path_factory.mktemp("system"))
    yield running
    running.stack.stop()
    running.twilio.stop()
