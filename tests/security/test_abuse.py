"""Abuse and cost: a per-sender limit on inbound messages (beyond it: acknowledged, not
answered, an emergency always answered), a per-sender cap on SMS segments sent per day (an
emergency still answered), and request bodies over MAX_BODY_BYTES refused with 413.

The limits are low on the `limited_api` process (5 messages a minute, 4 segments a day)."""

from __future__ import annotations

import json

from remi import sms
from tests.support import traces
from tests.support.system import PUBLIC_BASE_URL, new_number
from tools.twilio_standin import signed_webhook

DANGER = "au secours ils me frappent"


def test_messages_over_the_inbound_limit_are_acknowledged_not_answered_but_an_emergency_is(system, limited_api):
    number = new_number()  # on WhatsApp, where the SMS segment cap does not apply
    forms = [
        system.form(text, number, whatsapp=True)
        for text in ("Bonjour", "MENU", "AIDE", "MENU", "AIDE", "MENU", "AIDE", DANGER)
    ]
    statuses = [system.post_webhook(form, api_url=limited_api).status_code for form in forms]
    assert statuses == [200] * len(forms)  # Twilio must not retry them
    r = traces.client(system, db=1)
    stored = [f["MessageSid"] for f in forms if r.exists(f"remi:msg:{f['MessageSid']}")]
    assert stored == [f["MessageSid"] for f in forms[:5]] + [forms[-1]["MessageSid"]]
    assert all(r.exists(f"remi:seen:{f['MessageSid']}") for f in forms)  # a retry stays dropped

    records = traces.wait_done(system, stored, db=1)
    sent = [m.body for m in system.twilio.wait_quiet("whatsapp:" + number, quiet=2.0)]
    assert sent == [text for sid in stored for text in traces.replies_sent(records[sid], channel="whatsapp")]
    assert json.loads(records[forms[-1]["MessageSid"]]["replies"])  # the emergency was answered


def sms_segments_sent(system, number: str) -> int:
    return sum(sms.segments(m.body).count for m in system.twilio.sent_to(number))


def test_sms_segments_per_day_are_capped_but_an_emergency_is_answered(system, limited_api):
    number = new_number()
    for text in ("Bonjour", "MENU", "AIDE"):  # the welcome and menus: more than 4 segments
        form = system.form(text, number)
        system.post_webhook(form, api_url=limited_api)
        traces.wait_done(system, [form["MessageSid"]], db=1)
    r = traces.client(system, db=1)
    sender = traces.sender_of(system, number)
    statuses = [
        r.hget(k, "status").decode() for k in r.scan_iter("remi:out:*") if r.hget(k, "sender") == sender.encode()
    ]
    assert "capped" in statuses
    assert sms_segments_sent(system, number) <= 4

    danger = system.form(DANGER, number)
    system.post_webhook(danger, api_url=limited_api)
    record = traces.wait_done(system, [danger["MessageSid"]], db=1)[danger["MessageSid"]]
    replies = traces.replies_sent(record)
    sent = [m.body for m in system.twilio.wait_quiet(number, quiet=2.0)]
    assert sent[-len(replies) :] == replies  # sent past the cap


def test_whatsapp_replies_are_not_capped_by_sms_segments(system, limited_api):
    number = new_number()
    forms = [system.form(text, number, whatsapp=True) for text in ("Bonjour", "MENU", "AIDE")]
    for form in forms:
        system.post_webhook(form, api_url=limited_api)
        traces.wait_done(system, [form["MessageSid"]], db=1)
    r = traces.client(system, db=1)
    replies = [text for f in forms for text in json.loads(r.hget(f"remi:msg:{f['MessageSid']}", "replies"))]
    sent = [m.body for m in system.twilio.wait_quiet("whatsapp:" + number, quiet=1.5)]
    assert sent == replies and sum(sms.segments(t).count for t in sent) > 4


def test_body_over_the_limit_is_refused_with_413_and_not_stored(system):
    number = new_number()
    form = system.form("x" * (64 * 1024), number)  # MAX_BODY_BYTES is 64 KiB
    body, headers = signed_webhook(PUBLIC_BASE_URL + "/webhooks/twilio/messages", system.auth_token, form)
    url = system.api_url + "/webhooks/twilio/messages"
    with_length = system.http.post(url, content=body, headers=headers)
    assert with_length.status_code == 413

    def chunks():  # no Content-Length: the limit holds on what is actually sent
        data = body.encode()
        for i in range(0, len(data), 8192):
            yield data[i : i + 8192]

    chunked = system.http.post(url, content=chunks(), headers=headers)
    assert chunked.status_code == 413
    assert not traces.client(system).exists(f"remi:seen:{form['MessageSid']}", f"remi:msg:{form['MessageSid']}")

    just_under = system.form("x" * (60 * 1024), number)
    assert system.post_webhook(just_under).status_code == 200  # the control: the limit is the limit
