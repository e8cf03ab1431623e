"""Partner webhooks through the real stack: an organisation's case-management system (here a
small local HTTP server) receives each referral of its teams, signed, retried when it fails,
and kept in the dead-letter list after the last try."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.handover.partners import NOT_DELIVERED
from tests.support.operators import operator
from tests.support.system import new_number

SECRET = "partner-secret-" + "x" * 24


class CaseSystem:
    """A partner's receiver: answers each POST with the next status of `answers` (then 200)."""

    def __init__(self, answers: list[int]):
        self.answers, self.received = list(answers), []
        self._lock = threading.Lock()
        system = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with system._lock:
                    status = system.answers.pop(0) if system.answers else 200
                    system.received.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/referrals"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, referral_id: str, event: str = "referral.created") -> list[tuple[dict, dict, int, bytes]]:
        """(headers, JSON, status answered, raw body) of each POST about this referral and event."""
        with self._lock:
            rows = [(h, json.loads(b), s, b) for h, b, s in self.received]
        return [r for r in rows if r[1]["referral"]["id"] == referral_id and r[1]["event"] == event]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner(system):
    """The `partner` organisation's supervisor, able to register its webhook."""
    client = operator(system, "protection", role="supervisor")
    yield client
    client.request("DELETE", "/api/v1/organisations/partner/webhook")


def emergency_referral(system, partner) -> str:
    before = partner.ids()
    number = new_number()
    system.converse("Bonjour", number)
    system.converse("au secours ils vont me tuer", number)  # emergency: protection, the partner's team
    return partner.new_handover(before)["id"]


def wait_for(check, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)


def test_referral_reaches_a_partner_that_fails_twice_exactly_once(system, partner):
    receiver = CaseSystem([500, 503])
    try:
        registered = partner.request(
            "PUT", "/api/v1/organisations/partner/webhook", json={"url": receiver.url, "secret": SECRET}
        )
        assert registered.status_code == 200, registered.text
        referral = emergency_referral(system, partner)
        wait_for(lambda: any(r[2] == 200 for r in receiver.of(referral)))
        time.sleep(2)  # long enough for any further retry (WEBHOOK_BACKOFF_SECONDS=0.2 in the tests)
        tries = receiver.of(referral)
        assert [r[2] for r in tries] == [500, 503, 200]  # received once, after two failures
        assert len({r[0]["X-Remi-Delivery"] for r in tries}) == 1  # one delivery id: a receiver can dedupe
        for headers, _, _, raw in tries:
            expected = hmac.new(
                SECRET.encode(), headers["X-Remi-Timestamp"].encode() + b"." + raw, hashlib.sha256
            ).hexdigest()
            assert headers["X-Remi-Signature"] == "sha256=" + expected
            assert abs(time.time() - int(headers["X-Remi-Timestamp"])) < 60
        body = tries[-1][1]
        assert body["referral"]["category"] == "protection" and body["referral"]["priority"] is True
        assert body["referral"]["team"] == "protection"
        assert "sender" not in body["referral"] and "text" not in json.dumps(body)  # no person, no words

        # A status change is sent too.
        assert partner.post(f"/api/v1/handovers/{referral}/claim").status_code == 200
        wait_for(lambda: receiver.of(referral, "referral.claimed"))
        assert [r[1]["referral"]["status"] for r in receiver.of(referral, "referral.claimed")] == ["active"]
    finally:
        receiver.stop()


def test_referral_a_partner_never_takes_goes_to_the_dead_letter_list(system, partner):
    receiver = CaseSystem([500] * 20)
    try:
        assert (
            partner.request(
                "PUT", "/api/v1/organisations/partner/webhook", json={"url": receiver.url, "secret": SECRET}
            ).status_code
            == 200
        )
        referral = emergency_referral(system, partner)

        def dead():
            letters = partner.get("/api/v1/organisations/partner/webhook/dead-letters").json()
            return [d for d in letters if d["event"] == "referral.created" and len(receiver.of(referral)) >= 4]

        wait_for(dead)
        letters = dead()
        assert (
            letters and letters[0]["attempts"] == 4 and letters[0]["last_error"] == NOT_DELIVERED
        )  # one text, whatever the cause
        time.sleep(1.5)
        assert len(receiver.of(referral)) == 4  # WEBHOOK_MAX_ATTEMPTS in the tests, then no more
    finally:
        receiver.stop()


def test_only_the_organisation_or_an_admin_manages_its_webhook(system, partner):
    outsider = operator(system, "hotline", role="supervisor")  # organisation remi
    plain = operator(system, "protection")  # the partner's, but not a supervisor
    for client in (outsider, plain):
        assert (
            client.request(
                "PUT", "/api/v1/organisations/partner/webhook", json={"url": "http://127.0.0.1:9/x"}
            ).status_code
            == 404
        )
        assert client.get("/api/v1/organisations/partner/webhook/dead-letters").status_code == 404
    generated = partner.request("PUT", "/api/v1/organisations/partner/webhook", json={"url": "http://127.0.0.1:9/x"})
    assert generated.status_code == 200 and len(generated.json()["secret"]) >= 32  # generated, shown once
    shown = partner.get("/api/v1/organisations/partner/webhook").json()
    assert shown["url"] == "http://127.0.0.1:9/x" and "secret" not in shown
    assert (
        partner.request("PUT", "/api/v1/organisations/partner/webhook", json={"url": "ftp://example.org/x"}).status_code
        == 422
    )
