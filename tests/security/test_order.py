"""One person's messages are handled in the order they were received, each once, with no
interleaved turns: twenty at once through one API process; and a stream through two API
processes (each with its worker, the second with its own Rasa replica) sharing one Redis, where
both workers run turns for the person."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support import parts, traces
from tests.support.system import ACCOUNT_SID, PUBLIC_BASE_URL, new_number
from tools.twilio_standin import TwilioStandIn, signed_webhook


def post_at(system, api_url: str, form: dict[str, str]) -> int:
    body, headers = signed_webhook(PUBLIC_BASE_URL + "/webhooks/twilio/messages", system.auth_token, form)
    return httpx.post(api_url + "/webhooks/twilio/messages", content=body, headers=headers, timeout=20).status_code


def assert_handled_in_order(system, number: str, forms: list[dict[str, str]], twilio=None, db: int = 0) -> dict:
    sids = [f["MessageSid"] for f in forms]
    records = traces.wait_done(system, sids, timeout=120, db=db)
    assert all(rec.get("state") == "done" for rec in records.values()), "not every message was answered"
    # The order received is the order the store script queued them in (Redis's clock).
    received = sorted(sids, key=lambda sid: float(records[sid]["queued_at"]))
    answered = sorted(sids, key=lambda sid: float(records[sid]["answered_at"]))
    assert answered == received
    text_of = {f["MessageSid"]: f["Body"] for f in forms}

    # Rasa's tracker shows the same order, and each turn complete before the next one began.
    events = traces.tracker(system, traces.sender_of(system, number))["events"]
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    ours = [i for i in users if events[i]["text"] in text_of.values()]
    assert [events[i]["text"] for i in ours] == [text_of[sid] for sid in received]
    for start, end in zip(users, users[1:] + [len(events)], strict=False):
        turn = events[start + 1 : end]
        assert any(e["event"] == "bot" for e in turn), "a turn without its answer: turns interleaved"
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", "turns interleaved"

    # And the person received the replies in that order.
    sent = [m.body for m in (twilio or system.twilio).wait_quiet(number, quiet=2.0)]
    expected = [text for sid in received for text in traces.replies_sent(records[sid])]
    assert sent == expected if twilio else sent[-len(expected) :] == expected
    return records


def send_twenty_at_once(system, number: str, api_urls: list[str]) -> list[dict[str, str]]:
    # Each one French enough to set the language, so every one goes to Rasa; twenty is also
    # INBOUND_PER_SENDER_PER_MINUTE, so none is held back.
    forms = [system.form(f"Bonjour, question numéro {i}", number) for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda i: post_at(system, api_urls[i % len(api_urls)], forms[i]), range(20)))
    assert statuses == [200] * 20
    return forms


def test_twenty_messages_at_once_are_handled_in_order(system):
    number = new_number()
    forms = send_twenty_at_once(system, number, [system.api_url])
    assert_handled_in_order(system, number, forms)


ORDER_DB = 2  # the two-process test's own Redis database: only its two workers take its messages


@pytest.fixture(scope="module")
def two_workers(system):
    """Two API processes, each with its worker (one task each, so that Redis hands the person to
    one then the other), the second with a Rasa replica of its own, on a Redis database of their
    own, and a Twilio stand-in of their own that answers each send after 0.4 s: a turn lasts long
    enough for the next messages to arrive while it runs."""
    twilio = TwilioStandIn(ACCOUNT_SID, system.auth_token, delay=0.4).start()
    common = {
        "REDIS_URL": f"redis://127.0.0.1:{system.redis_port}/{ORDER_DB}",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "API_WORKER": "true",
        "WORKER_CONCURRENCY": "1",
    }
    rasa, rasa_url = parts.start_rasa_replica(system, "rasa-2")
    first, first_url = parts.start_api(system, "api-order-1", **common)
    second, second_url = parts.start_api(system, "api-order-2", RASA_URL=rasa_url, **common)
    yield [first_url, second_url], twilio
    second.stop()
    first.stop()
    rasa.stop()
    twilio.stop()


def test_one_persons_messages_through_two_workers_are_answered_once_each_and_in_order(system, two_workers):
    """Waves of four messages (two through each API, at once); the next wave once the person's
    lock is free again. Each wave is taken by whichever worker Redis hands the person to, while
    the other worker is offered the person as each message of the wave arrives (and must keep
    off: the lock). Both workers must have run turns, never two at once."""
    api_urls, twilio = two_workers
    number, r = new_number(), traces.client(system, ORDER_DB)
    sender = traces.sender_of(system, number)
    forms = []
    for wave in range(5):
        batch = [system.form(f"Bonjour, question {wave} numéro {i}", number) for i in range(4)]
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(post_at, [system] * 4, [api_urls[i % 2] for i in range(4)], batch))
        assert statuses == [200] * 4
        forms += batch
        records = traces.wait_done(system, [f["MessageSid"] for f in batch], timeout=60, db=ORDER_DB)
        assert all(rec.get("state") == "done" for rec in records.values()), f"wave {wave} not answered"
        deadline = time.monotonic() + 10
        while r.exists(f"remi:lock:{sender}") and time.monotonic() < deadline:
            time.sleep(0.05)

    records = assert_handled_in_order(system, number, forms, twilio=twilio, db=ORDER_DB)
    by_worker = Counter(rec["worker"] for rec in records.values())
    assert len(by_worker) == 2, f"one worker ran every turn: {by_worker}"
    # One turn at a time: each turn (Rasa and the records) ended before the next one started,
    # whichever worker ran them.
    turns = sorted((float(rec["started_at"]), float(rec["answered_at"]), rec["worker"]) for rec in records.values())
    for (_, ended, one), (began, _, other) in zip(turns, turns[1:], strict=False):
        assert began >= ended, f"two turns of one person at once ({one} and {other})"
    # And every message was answered once: one turn each in Rasa, each reply once at the phone.
    assert len(traces.user_events(system, sender)) == len(forms)
