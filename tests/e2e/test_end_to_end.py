"""A migrant's message goes Twilio → API → worker → Rasa → action → content → Twilio, for real.

Read as transcripts: what the phone sends, what it receives."""

from __future__ import annotations

import time

from tests.support.system import new_number


def test_french_greeting_gets_a_french_menu(system):
    replies = system.converse("Bonjour", new_number())
    text = "\n".join(replies)
    assert "Bienvenue" in text
    assert "1 Droits" in text and "4 Parler" in text


def test_hausa_greeting_gets_a_hausa_menu(system):
    text = "\n".join(system.converse("Sannu", new_number()))
    assert "Barka da zuwa" in text
    assert "1 Hakkoki" in text


def test_english_greeting_gets_an_english_menu(system):
    text = "\n".join(system.converse("Hello", new_number()))
    assert "Welcome to Re.Mi." in text
    assert "1 Rights" in text and "4 Talk to someone" in text


def test_whatsapp_message_is_answered_on_whatsapp(system):
    number = new_number()
    replies = system.converse("Hello", number, whatsapp=True)
    assert replies
    sent = system.twilio.sent_to("whatsapp:" + number)
    assert sent and all(m.from_ == "whatsapp:+22780000000" for m in sent)
    assert not system.twilio.sent_to(number)  # nothing went out by SMS


def test_guidance_topic_comes_from_content(system):
    number = new_number()
    system.converse("Hello", number)
    replies = system.converse("the police arrested my brother, what can he do?", number)
    text = "\n".join(replies)
    assert "arrest" in text.lower() or "detain" in text.lower()


def test_bad_signature_is_refused_and_not_answered(system):
    number = new_number()
    forged = system.post_webhook(system.form("Bonjour", number), signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403
    unsigned = system.http.post(
        system.api_url + "/webhooks/twilio/messages",
        content="MessageSid=SMx&From=%2B227&Body=Bonjour",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 403
    time.sleep(2)
    assert system.twilio.sent_to(number) == []


def test_message_delivered_twice_is_answered_once(system):
    number = new_number()
    form = system.form("Bonjour", number)
    assert system.post_webhook(form).status_code == 200
    assert system.post_webhook(form).status_code == 200
    replies = system.twilio.wait_quiet(number, quiet=2.0)
    first = system.converse("Bonjour", new_number())  # the same message, delivered once
    assert len(replies) == len(first)
