"""Every stored record has a retention period (RETENTION_DAYS, 90 by default): after a
conversation, no key is left without an expiry except the few documented in docs/security.md,
and none is kept longer than the retention period."""

from __future__ import annotations

import fnmatch
import time

from engine import keys
from tests.support import traces
from tests.support.operators import operator
from tests.support.system import new_number

RETENTION = 90 * 86400
# Keys that hold no personal data or are trimmed otherwise: the families engine/keys.py declares
# without expiry (docs/security.md, "Retention"); any other key must expire.
WITHOUT_EXPIRY = [family.glob() for family in keys.without_expiry()]


def test_every_key_expires_within_the_retention_period(system):
    """Every kind of record is made before the scan: a conversation on both channels, an API
    session, a handover claimed, noted, answered with a reply Twilio refuses (a failed send) and
    closed, and a referral to a partner whose webhook does not answer (partner jobs)."""
    number, other = new_number(), new_number()
    hotline = operator(system, "hotline")  # an operator session
    partner = operator(system, "protection", role="supervisor")
    registered = partner.request(
        "PUT", "/api/v1/organisations/partner/webhook", json={"url": "http://127.0.0.1:9/nobody-listens"}
    )
    assert registered.status_code == 200, registered.text
    r = traces.client(system)
    failed_before = r.llen(keys.FAILED_OUTBOUND.key())
    try:
        assert system.converse("Bonjour, je suis à Niamey", number)
        assert system.converse("Hello, I need a doctor", number, whatsapp=True)
        waiting = hotline.ids()
        assert system.converse("je veux parler à quelqu'un", number)  # a handover: the bot then stays silent
        hid = hotline.new_handover(waiting)["id"]
        assert hotline.post(f"/api/v1/handovers/{hid}/claim").status_code == 200
        assert hotline.post(f"/api/v1/handovers/{hid}/notes", json={"text": "a note"}).status_code in (200, 201)
        system.twilio.failures[:] = [503] * 5  # SEND_MAX_ATTEMPTS: the reply fails for good
        assert hotline.post(f"/api/v1/handovers/{hid}/messages", json={"text": "Bonjour"}).status_code in (
            200,
            201,
            202,
        )
        deadline = time.monotonic() + 60
        while r.llen(keys.FAILED_OUTBOUND.key()) == failed_before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert hotline.post(f"/api/v1/handovers/{hid}/close").status_code == 200
        system.converse("Bonjour", other)
        system.converse("au secours ils vont me tuer", other)  # protection: the partner's team, a webhook job
        time.sleep(1.0)  # the first (failed) delivery tried
    finally:
        system.twilio.failures.clear()
        partner.request("DELETE", "/api/v1/organisations/partner/webhook")

    records = traces.dump(system)
    # The controls: each kind of record is there to be read.
    made = {rec.key.decode() for rec in records}
    assert any(k.startswith("rasa:tracker:") for k in made)
    for family in (keys.SESSION, keys.WEBHOOK, keys.HANDOVER):
        assert any(fnmatch.fnmatchcase(k, family.glob()) for k in made), family.glob()
    assert r.llen(keys.FAILED_OUTBOUND.key()) > failed_before, "the refused reply is not a failed send"
    assert hotline.detail(hid)["status"] == "closed"
    forever = sorted(
        rec.key.decode()
        for rec in records
        if rec.ttl == -1 and not any(fnmatch.fnmatchcase(rec.key.decode(), p) for p in WITHOUT_EXPIRY)
    )
    assert forever == []
    too_long = sorted(rec.key.decode() for rec in records if rec.ttl > RETENTION)
    assert too_long == []
