"""A broadcast to 2,000 subscribers against the Twilio stand-in, with the API process (and its
worker) killed mid-way and started again: every subscriber gets the alert exactly once, those
who wrote STOP or were erased during the broadcast get nothing, and conversation replies keep
their latency while it goes. Subscribers are written straight into Redis by the subscription
module (tests/support/alerts.py); the send path is the real one."""

from __future__ import annotations

import statistics
import time

from engine import keys
from tests.support import parts, traces
from tests.support.alerts import subscribe_directly
from tests.support.operators import operator
from tests.support.system import new_number
from tools import stack

SUBSCRIBERS = 2000
HEADING = "Alerte Re.Mi., Agadez :"


def alert_messages(system, number: str) -> list:
    return [m for m in system.twilio.sent_to(number) if m.body.startswith(HEADING)]


def reply_seconds(system, number: str, text: str) -> float:
    started = time.monotonic()
    before = len(system.twilio.sent_to(number))
    system.send(text, number)
    system.twilio.wait_for(number, before + 1, timeout=30)
    return time.monotonic() - started


def latencies(system, number: str, rounds: int = 6) -> list[float]:
    found = []
    for i in range(rounds):
        found.append(reply_seconds(system, number, "MENU" if i % 2 else "j'ai perdu mon passeport"))
        time.sleep(0.3)
    return found


def test_a_broadcast_killed_mid_way_resumes_and_sends_each_subscriber_one_message(own_system):
    system = own_system
    numbers = [new_number() for _ in range(SUBSCRIBERS)]
    senders = subscribe_directly(system, numbers, "Agadez", "fr")
    author, approver = operator(system, "hotline", "supervisor"), operator(system, "hotline", "supervisor")
    admin = operator(system, "hotline", "admin")
    talker = new_number()
    system.converse("Bonjour", talker)
    quiet = latencies(system, talker)

    alert = author.post(
        "/api/v1/alerts", json={"towns": ["Agadez"], "texts": {"fr": "Contrôles sur la route d'Arlit."}}
    )
    assert alert.status_code == 201, alert.text
    alert_id = alert.json()["id"]
    assert approver.post(f"/api/v1/alerts/{alert_id}/approve").status_code == 200
    recipients = [s.decode() for s in traces.client(system).lrange(keys.ALERT_RECIPIENTS.key(alert_id), 0, -1)]
    assert len(recipients) == SUBSCRIBERS
    # The last ones write STOP, or are erased, before their turn comes.
    stopped = [senders[s] for s in recipients[-15:]]
    erased = [senders[s] for s in recipients[-25:-15]]
    for number in stopped:
        system.send("STOP", number)
    for number in erased:
        assert admin.post("/api/v1/admin/erasures", json={"phone": number}).status_code == 201

    busy = latencies(system, talker)  # replies while the alert goes out
    sent_before_kill = sum(1 for m in system.twilio.messages if m.body.startswith(HEADING))
    assert 0 < sent_before_kill < SUBSCRIBERS - 300, sent_before_kill  # really mid-way
    parts.kill(system, "api")
    port = int(system.api_url.rsplit(":", 1)[1])
    child = system.stack.start_api("127.0.0.1", port)
    stack.wait_for_http(system.api_url + "/healthz", child, 60)

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and author.get(f"/api/v1/alerts/{alert_id}").json()["status"] != "sent":
        time.sleep(1)
    final = author.get(f"/api/v1/alerts/{alert_id}").json()
    assert final["status"] == "sent", final

    by_number: dict[str, int] = {}
    for message in system.twilio.messages:
        if message.body.startswith(HEADING):
            by_number[message.to] = by_number.get(message.to, 0) + 1
    assert set(by_number.values()) == {1}  # nobody twice
    expected = set(numbers) - set(stopped) - set(erased)
    assert set(by_number) == expected  # everyone else once
    assert final["counts"].get("stopped", 0) + final["counts"].get("unsubscribed", 0) == len(stopped)
    assert final["counts"].get("erased") == len(erased)
    # Conversations first: replies during the broadcast as quick as without it (within noise).
    assert statistics.median(busy) <= statistics.median(quiet) * 1.5 + 0.3, (quiet, busy)
    assert max(busy) <= max(quiet) * 2 + 0.5, (quiet, busy)
