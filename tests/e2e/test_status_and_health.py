"""Delivery status callbacks are checked and recorded; /healthz tells what answers."""

from __future__ import annotations

import time

import redis

from tests.support.system import PUBLIC_BASE_URL, new_number


def test_status_callbacks_update_the_reply_record(system):
    store = redis.Redis.from_url(system.redis_url)
    system.twilio.send_status_callbacks = True
    system.twilio.callback_proxy = (PUBLIC_BASE_URL, system.api_url)
    try:
        number = new_number()
        system.converse("Hello", number)
        sids = {m.sid for m in system.twilio.sent_to(number)}
        deadline = time.monotonic() + 10
        statuses = {}
        while time.monotonic() < deadline:
            statuses = {}
            for key in store.scan_iter("remi:out:*"):
                record = store.hgetall(key)
                if record.get(b"twilio_sid", b"").decode() in sids:
                    statuses[record[b"twilio_sid"].decode()] = record.get(b"status", b"").decode()
            if len(statuses) == len(sids) and set(statuses.values()) == {"delivered"}:
                break
            time.sleep(0.2)
        assert statuses and set(statuses.values()) == {"delivered"}
    finally:
        system.twilio.send_status_callbacks = False


def test_a_forged_status_callback_is_refused(system):
    response = system.post_webhook(
        {"MessageSid": "SM" + "0" * 32, "MessageStatus": "failed"}, path="/webhooks/twilio/status", signature="Zm9yZ2Vk"
    )
    assert response.status_code == 403


def test_healthz_reports_each_part(system):
    response = system.http.get(system.api_url + "/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": True, "rasa": True, "action_server": True}
