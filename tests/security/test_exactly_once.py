"""Twilio delivers webhooks at least once: the same MessageSid delivered ten times (five in a
row, five at once) gives one Rasa turn and one reply."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import traces
from tests.support.system import PUBLIC_BASE_URL, new_number
from tools.twilio_standin import signed_webhook


def deliver(system, form: dict[str, str]) -> int:
    body, headers = signed_webhook(PUBLIC_BASE_URL + "/webhooks/twilio/messages", system.auth_token, form)
    return httpx.post(
        system.api_url + "/webhooks/twilio/messages", content=body, headers=headers, timeout=20
    ).status_code


def test_same_message_delivered_ten_times_gets_one_turn_and_one_reply(system):
    number = new_number()
    sender = traces.sender_of(system, number)
    form = system.form("Bonjour, je voudrais connaître mes droits", number)
    statuses = [deliver(system, form) for _ in range(5)]
    with ThreadPoolExecutor(5) as pool:
        statuses += list(pool.map(lambda _: deliver(system, form), range(5)))
    assert statuses == [200] * 10  # each delivery acknowledged, so Twilio stops retrying

    record = traces.wait_done(system, [form["MessageSid"]])[form["MessageSid"]]
    assert record.get("state") == "done"
    replies = traces.replies_sent(record)
    sent = system.twilio.wait_quiet(number, quiet=2.0)
    assert [m.body for m in sent] == replies  # each reply once, in order
    user_turns = traces.user_events(system, sender)
    assert [e["text"] for e in user_turns] == [form["Body"]]  # one Rasa turn
