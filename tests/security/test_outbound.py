"""Replies go out once: retried with backoff when Twilio answers 429 or 5xx, never resent when
Twilio may have taken them (a timeout), and after the last try marked failed and shown to
supervisors."""

from __future__ import annotations

import time

import pytest

from tests.support import traces
from tests.support.operators import operator
from tests.support.system import new_number


def known_person(system, api_url: str | None = None, whatsapp: bool = False) -> str:
    number = new_number()
    system.post_webhook(system.form("Bonjour", number, whatsapp), api_url=api_url)
    system.twilio.wait_quiet(("whatsapp:" if whatsapp else "") + number, quiet=1.5)
    return number


def send_menu(system, number: str, api_url: str | None = None, whatsapp: bool = False) -> str:
    """MENU from a known person: one reply, rendered without Rasa. Returns the reply's record key."""
    form = system.form("MENU", number, whatsapp)
    assert system.post_webhook(form, api_url=api_url).status_code == 200
    return f"remi:out:{form['MessageSid']}:0"


def wait_status(r, key: str, wanted: set[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = (r.hget(key, "status") or b"").decode()
        if status in wanted:
            return status
        time.sleep(0.1)
    return (r.hget(key, "status") or b"").decode()


@pytest.fixture
def twilio(system):
    yield system.twilio
    system.twilio.failures.clear()
    system.twilio.delay = 0.0


def test_reply_refused_with_429_then_503_is_retried_and_arrives_once(system, twilio):
    number = known_person(system)
    before = len(twilio.sent_to(number))
    twilio.failures[:] = [429, 503]
    key = send_menu(system, number)
    r = traces.client(system)
    assert wait_status(r, key, {"queued", "sent", "delivered"}) == "queued"
    assert len(twilio.wait_quiet(number, quiet=2.0)) == before + 1  # exactly one message arrived
    assert r.hget(key, "attempts") == b"3"
    assert key.removeprefix("remi:out:").encode() not in r.lrange("remi:outbound:failed", 0, -1)


def test_reply_refused_every_time_is_marked_failed_and_shown_to_supervisors(system, twilio):
    number = known_person(system)
    before = len(twilio.sent_to(number))
    twilio.failures[:] = [503] * 5  # SEND_MAX_ATTEMPTS
    key = send_menu(system, number)
    r = traces.client(system)
    assert wait_status(r, key, {"failed"}) == "failed"
    ref = key.removeprefix("remi:out:")
    assert ref.encode() in r.lrange("remi:outbound:failed", 0, -1)
    assert len(twilio.sent_to(number)) == before

    supervisor = operator(system, "hotline", role="supervisor")
    listed = supervisor.get("/api/v1/supervision/outbound/failed")
    assert listed.status_code == 200
    row = next(row for row in listed.json() if row["ref"] == ref)
    assert row["status"] == "failed" and row["attempts"] == 5 and row["channel"] == "sms"
    assert number.lstrip("+") not in listed.text  # no number, and no text, only what happened
    # A partner organisation's supervisor does not see the bot's replies (the service's own,
    # `remi`'s, which holds the default team); an admin sees everything.
    partner = operator(system, "protection", role="supervisor")
    assert all(row["ref"] != ref for row in partner.get("/api/v1/supervision/outbound/failed").json())
    assert any(
        row["ref"] == ref
        for row in operator(system, "hotline", role="admin").get("/api/v1/supervision/outbound/failed").json()
    )
    assert operator(system, "hotline").get("/api/v1/supervision/outbound/failed").status_code == 403
    assert system.http.get(system.api_url + "/api/v1/supervision/outbound/failed").status_code == 401


def test_reply_twilio_does_not_answer_in_time_is_never_resent(system, twilio, limited_api):
    """TWILIO_TIMEOUT_SECONDS is 1 on this API: Twilio taking 2 s may still have sent the message.
    (On WhatsApp, so that this API's low SMS segment cap stays out of the way.)"""
    number = known_person(system, limited_api, whatsapp=True)
    address = "whatsapp:" + number
    before, requests = len(twilio.sent_to(address)), twilio.requests
    twilio.delay = 2.0
    key = send_menu(system, number, limited_api, whatsapp=True)
    r = traces.client(system, db=1)
    assert wait_status(r, key, {"unknown", "failed", "queued"}) == "unknown"
    time.sleep(3)  # long enough for a retry, had there been one
    assert twilio.requests == requests + 1
    assert len(twilio.sent_to(address)) == before + 1  # Twilio did take it: sent once, not twice
    assert key.removeprefix("remi:out:").encode() in r.lrange("remi:outbound:failed", 0, -1)
