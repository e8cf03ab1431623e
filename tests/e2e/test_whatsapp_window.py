"""WhatsApp's 24-hour window through the real stack (issue 14): after 24 hours without a
message from the person, an operator's free text would be refused by WhatsApp (Twilio error
63016). The reply is refused with the reason, the approved invitation template goes out
instead (a ContentSid message), the operator's message waits and goes out when the person
writes back; a 63016 reported by a status callback shows in the transcript as a failure, and
is listed for supervisors."""

from __future__ import annotations

import re

import pytest
import redis

from engine import keys
from tests.support.operators import claimed_handover, console_client
from tests.support.traces import sender_of


def whatsapp_handover(system):
    return claimed_handover(system, whatsapp=True)


def close_window(system, number: str) -> None:
    """As if the person last wrote more than 24 hours ago (the key expires an hour after)."""
    redis.Redis.from_url(system.redis_url).delete(keys.LAST_INBOUND.key(sender_of(system, number)))


def test_a_reply_outside_the_window_sends_the_invitation_and_goes_out_when_the_person_writes(system):
    desk, number, hid = whatsapp_handover(system)
    address = "whatsapp:" + number
    close_window(system, number)

    text = "Bonjour, ici la conseillère. Avez-vous trouvé un abri ?"
    refused = desk.post(f"/api/v1/handovers/{hid}/messages", json={"text": text})
    assert refused.status_code == 409 and "24 hours" in refused.json()["detail"]

    sent_before = len(system.twilio.sent_to(address))
    held = desk.post(f"/api/v1/handovers/{hid}/messages", json={"text": text, "invite": True})
    assert held.status_code == 201 and held.json()["status"] == "held"
    invitation = system.twilio.wait_for(address, sent_before + 1)[-1]
    assert invitation.content_sid == "HXinvitefr" + "0" * 24 and invitation.body == ""
    assert text not in [m.body for m in system.twilio.sent_to(address)]  # not yet: it waits

    system.send("oui je suis là", number, whatsapp=True)  # the person writes back: the window opens
    released = system.twilio.wait_for(address, sent_before + 2)[-1]
    assert released.body == text
    ours = [e for e in desk.detail(hid)["transcript"] if e["from"] == "operator"]
    assert ours[-1]["status"] != "held"


def test_the_console_explains_a_closed_window_and_offers_the_invitation(system):
    desk, number, hid = whatsapp_handover(system)
    browser = console_client(system, desk.username)
    # The console speaks French unless the operator chose another language (issue 14).
    assert "ouvert encore 23 h" in browser.get(f"/console/handovers/{hid}").text

    close_window(system, number)
    page = browser.get(f"/console/handovers/{hid}").text
    assert "La fenêtre de 24 heures de WhatsApp est fermée" in page and 'id="send-invitation"' in page
    form = {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1),
        "text": "Sannu, muna nan don mu taimaka.",
        "invite": "1",
    }
    before = len(system.twilio.sent_to("whatsapp:" + number))
    assert browser.post(f"/console/handovers/{hid}/reply", data=form).status_code == 303
    assert system.twilio.wait_for("whatsapp:" + number, before + 1)[-1].content_sid
    assert "en attente d&#39;une réponse de la personne" in browser.get(f"/console/handovers/{hid}").text


@pytest.mark.parametrize("status", ["failed", "undelivered"])  # Twilio reports 63016 with either
def test_63016_from_a_status_callback_shows_as_a_failure_in_the_transcript(system, status):
    desk, number, hid = whatsapp_handover(system)
    address = "whatsapp:" + number
    before = len(system.twilio.sent_to(address))
    assert desk.post(f"/api/v1/handovers/{hid}/messages", json={"text": "Bonjour, où êtes-vous ?"}).status_code == 201
    message = system.twilio.wait_for(address, before + 1)[-1]

    callback = {"MessageSid": message.sid, "MessageStatus": status, "ErrorCode": "63016", "AccountSid": "AC"}
    assert system.post_webhook(callback, path="/webhooks/twilio/status").status_code == 204

    ours = [e for e in desk.detail(hid)["transcript"] if e["from"] == "operator"]
    assert ours[-1]["status"] == status and "24-hour window" in ours[-1]["details"]["reason"]
    failed = [r.decode() for r in redis.Redis.from_url(system.redis_url).lrange(keys.FAILED_OUTBOUND.key(), 0, 20)]
    assert any(ref.startswith(f"handover:{hid}:") for ref in failed)  # listed for supervisors
