"""`own_system`: a second whole stack (its own Redis, Rasa, action server, API and Twilio
stand-in) for tests that stop and restart parts, so the shared `system` is never disturbed."""

from __future__ import annotations

import secrets

import pytest

from tests.support.system import System, start_system

PREVIOUS_AUTH_TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="session")
def own_system(tmp_path_factory) -> System:
    running = start_system(tmp_path_factory.mktemp("own-system"))
    yield running
    running.stack.stop()
    running.twilio.stop()


@pytest.fixture(scope="session")
def limited_api(system) -> str:
    """A second API process on the shared system with low limits, so that tests can reach them,
    and a previous Twilio auth token (PREVIOUS_AUTH_TOKEN) as during a rotation: its own Redis
    database (1), the shared Rasa and Twilio stand-in. Returns its URL."""
    from tests.support import parts

    child, url = parts.start_api(
        system,
        "api-limited",
        REDIS_URL=f"redis://127.0.0.1:{system.redis_port}/1",
        INBOUND_PER_SENDER_PER_MINUTE="5",
        OUTBOUND_SEGMENTS_PER_SENDER_PER_DAY="4",
        TWILIO_TIMEOUT_SECONDS="1",
        TWILIO_AUTH_TOKEN_PREVIOUS=PREVIOUS_AUTH_TOKEN,
    )
    yield url
    child.stop()
