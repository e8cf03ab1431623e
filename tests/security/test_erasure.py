"""EFFACER / DELETE / GOGE (once confirmed) and an administrator's request erase one person's
data everywhere: profile, contact record, queues, recent turns, stored messages and the records
of the replies sent, Rasa's tracker, handovers. The erasure is in the audit log, without the
person's number, hash or words."""

from __future__ import annotations

import hashlib
import time

from tests.support import traces
from tests.support.operators import operator
from tests.support.system import new_number


def a_person_with_a_history(system, number: str) -> list[str]:
    """A conversation on SMS and WhatsApp with a handover; returns the person's MessageSids."""
    sids = []
    for text, whatsapp in (
        ("Bonjour, je suis à Zinder", False),
        (f"Hello, I lost my papers, my name is {their_word(number)}", True),
        ("je veux parler à quelqu'un", False),
        ("BOT", False),
    ):
        form = system.form(text, number, whatsapp)
        sids.append(form["MessageSid"])
        before = len(system.twilio.sent_to(("whatsapp:" if whatsapp else "") + number))
        assert system.post_webhook(form).status_code == 200
        system.twilio.wait_for(("whatsapp:" if whatsapp else "") + number, before + 1)
        traces.wait_done(system, [form["MessageSid"]])
    return sids


def their_word(number: str) -> str:
    """A name only this person writes (a key can hold what they wrote without their hash or a
    MessageSid: a transcript, a recent turn, a partner's job)."""
    return "Kwa" + hashlib.sha256(number.encode()).hexdigest()[:8]


def held_about(system, sender: str, sids: list[str], number: str = "") -> list[str]:
    """Every key whose name or value holds the person's hash, one of their MessageSids, their
    number (digits) or the word only they wrote (remi:seen:<sid> markers, documented as kept,
    aside)."""
    extra = (number.lstrip("+"), their_word(number)) if number else ()
    marks = [m.encode() for m in (sender, *sids, *extra) if m]
    return sorted(
        rec.key.decode()
        for rec in traces.dump(system)
        if not rec.key.startswith(b"remi:seen:") and any(m in rec.key or m in rec.value for m in marks)
    )


def erasures_in_audit(system) -> list[dict]:
    rows = traces.client(system).xrange("remi:audit")
    return [
        {k.decode(): v.decode() for k, v in fields.items()} for _, fields in rows if fields[b"action"] == b"erasure"
    ]


def test_person_who_confirms_effacer_is_erased_everywhere(system):
    number = new_number()
    sender = traces.sender_of(system, number)
    system.twilio.send_status_callbacks = True  # late "delivered" callbacks must not bring records back
    try:
        sids = a_person_with_a_history(system, number)
        assert len(held_about(system, sender, sids)) > 8  # the control: there is a lot to erase
        assert held_about(system, "", [], number)  # the control: their word alone is found
        audited = len(erasures_in_audit(system))

        assert "1" in "\n".join(system.converse("EFFACER", number))
        done = system.converse("1", number)
        assert any("effac" in text.lower() for text in done)
        time.sleep(1.5)  # the confirmation's status callbacks
        assert held_about(system, sender, sids, number) == []
    finally:
        system.twilio.send_status_callbacks = False

    entries = erasures_in_audit(system)
    assert len(entries) == audited + 1
    entry = entries[-1]
    assert entry["actor"] == "migrant" and entry["target"].startswith("erasure:") and int(entry["records"]) > 8
    audit_text = str(traces.client(system).xrange("remi:audit"))
    assert sender not in audit_text and number.lstrip("+") not in audit_text


def test_message_sent_after_the_confirmation_is_kept_and_answered(system):
    """Erasure takes what was held before; a message written after it is a new conversation."""
    number = new_number()
    system.converse("Bonjour", number)
    system.converse("DELETE", number)
    confirm, after = system.form("1", number), system.form("Bonjour, c'est encore moi", number)
    assert system.post_webhook(confirm).status_code == 200
    assert system.post_webhook(after).status_code == 200
    records = traces.wait_done(system, [after["MessageSid"]])
    assert records[after["MessageSid"]].get("state") == "done"
    assert "Bienvenue" in records[after["MessageSid"]]["replies"]  # a new person now


def test_administrator_erases_a_person_by_number(system):
    number = new_number()
    sender = traces.sender_of(system, number)
    sids = a_person_with_a_history(system, number)
    url = "/api/v1/admin/erasures"
    assert system.http.post(system.api_url + url, json={"phone": number}).status_code == 401
    assert operator(system, "hotline", role="supervisor").post(url, json={"phone": number}).status_code == 403
    assert held_about(system, sender, sids)  # nothing was erased by the refused requests

    admin = operator(system, "hotline", role="admin")
    assert admin.post(url, json={"phone": "not a number"}).status_code == 422
    response = admin.post(url, json={"phone": "whatsapp:" + number})  # however the number is written
    assert response.status_code == 201, response.text
    assert response.json()["records"] > 8
    assert held_about(system, sender, sids) == []
    entry = erasures_in_audit(system)[-1]
    assert entry["actor"] == admin.username and entry["target"] == "erasure:" + response.json()["erasure_id"]
