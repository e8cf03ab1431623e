"""Twenty messages from one person, sent at once, are handled in the order they were received,
with no interleaved turns: with one API process, and with two API processes (each with its
worker and its own Rasa replica) sharing one Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support import parts, traces
from tests.support.system import PUBLIC_BASE_URL, new_number
from tools.twilio_standin import signed_webhook


def post_at(system, api_url: str, form: dict[str, str]) -> int:
    body, headers = signed_webhook(PUBLIC_BASE_URL + "/webhooks/twilio/messages", system.auth_token, form)
    return httpx.post(api_url + "/webhooks/twilio/messages", content=body, headers=headers, timeout=20).status_code


def assert_handled_in_order(system, number: str, forms: list[dict[str, str]]) -> None:
    sids = [f["MessageSid"] for f in forms]
    records = traces.wait_done(system, sids, timeout=120)
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
    sent = [m.body for m in system.twilio.wait_quiet(number, quiet=2.0)]
    expected = [text for sid in received for text in traces.replies_sent(records[sid])]
    assert sent[-len(expected) :] == expected


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


@pytest.fixture(scope="module")
def second_api(system):
    """A second API process with its worker, and a second Rasa for it, on the same Redis."""
    rasa, rasa_url = parts.start_rasa_replica(system, "rasa-2")
    api, api_url = parts.start_api(system, "api-2", RASA_URL=rasa_url, API_WORKER="true")
    yield api_url
    api.stop()
    rasa.stop()


def test_twenty_messages_at_once_through_two_apis_and_two_rasas_are_handled_in_order(system, second_api):
    number = new_number()
    forms = send_twenty_at_once(system, number, [system.api_url, second_api])
    assert_handled_in_order(system, number, forms)
    # Both processes took messages in.
    logs = {c.name: c.log.read_text() for c in system.stack.children if c.name in ("api", "api-2")}
    for name, text in logs.items():
        assert any(f["MessageSid"] + " stored" in text for f in forms), f"{name} took none of the messages"
