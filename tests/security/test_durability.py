"""Nothing is acknowledged to Twilio before it is stored; with Redis gone the webhook answers
5xx within seconds (Twilio retries, or uses the fallback URL); when Redis comes back every
acknowledged message is answered, once. Redis here is the test's own (own_system), stopped
the hard way in the middle of a conversation and started again on its append-only file."""

from __future__ import annotations

import json
import time
from collections import Counter

from tests.support import parts, traces
from tests.support.system import new_number


def test_redis_down_mid_conversation_loses_and_duplicates_nothing(own_system):
    system = own_system
    number = new_number()
    system.converse("Bonjour", number)
    first = len(system.twilio.sent_to(number))

    acknowledged: list[str] = []
    for text in ("Je suis à Agadez", "la police a pris mes papiers", "que puis-je faire", "merci beaucoup"):
        form = system.form(text, number)
        assert system.post_webhook(form).status_code == 200
        acknowledged.append(form["MessageSid"])
    parts.kill(system, "redis")  # while the worker is in the middle of these

    refused = system.form("vous êtes là ?", number)
    started = time.monotonic()
    response = system.post_webhook(refused)
    assert response.status_code >= 500
    assert time.monotonic() - started < 5, "the webhook must answer before Twilio gives up (15 s)"
    time.sleep(3)  # the worker keeps meeting a dead Redis for a while

    parts.start_redis(system)
    assert system.post_webhook(refused).status_code == 200  # Twilio's retry of the refused one
    acknowledged.append(refused["MessageSid"])

    records = traces.wait_done(system, acknowledged, timeout=90)
    assert {sid: rec.get("state") for sid, rec in records.items()} == {sid: "done" for sid in acknowledged}
    sent = system.twilio.wait_quiet(number, quiet=3.0)[first:]
    expected = [text for sid in acknowledged for text in json.loads(records[sid]["replies"])]
    assert [m.body for m in sent] == expected  # every reply, each once, in order
    r = traces.client(system)
    twilio_sids = [
        r.hget(f"remi:out:{sid}:{i}", "twilio_sid")
        for sid in acknowledged
        for i in range(len(json.loads(records[sid]["replies"])))
    ]
    assert Counter(t.decode() for t in twilio_sids) == Counter(m.sid for m in sent)
    # One Rasa turn per message (the first "Bonjour" included).
    texts = [e["text"] for e in traces.user_events(system, traces.sender_of(system, number))]
    assert Counter(texts)["vous êtes là ?"] == 1 and len(texts) == len(set(texts))


def test_webhook_answers_5xx_quickly_while_redis_is_down(own_system):
    system = own_system
    parts.kill(system, "redis")
    try:
        for _ in range(3):
            started = time.monotonic()
            response = system.post_webhook(system.form("Bonjour", new_number()))
            assert response.status_code == 503
            assert time.monotonic() - started < 5
    finally:
        parts.start_redis(system)
    # And the service is whole again.
    assert system.converse("Bonjour", new_number())


def test_webhook_answers_5xx_quickly_while_redis_hangs(own_system):
    """A hung Redis (no answer, no refusal) must not hold the webhook past Twilio's 15 s: the
    client's socket timeouts end it in a few seconds, and the message is stored once Redis
    answers again (Twilio's retry)."""
    system = own_system
    number = new_number()
    form = system.form("Bonjour, vous êtes là ?", number)
    with parts.frozen(system, "redis"):
        started = time.monotonic()
        response = system.post_webhook(form)
        took = time.monotonic() - started
    assert response.status_code == 503 and took < 6
    assert system.post_webhook(form).status_code == 200
    assert traces.wait_done(system, [form["MessageSid"]])[form["MessageSid"]].get("state") == "done"
    assert system.twilio.wait_for(number)
