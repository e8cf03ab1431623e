"""The outbox (engine/outbox.py) against the Twilio stand-in: every SMS is folded to GSM-7 here
and only here, whoever wrote it; WhatsApp keeps its letters; a reply is sent once."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from engine.config import Settings
from engine.identity import Contact
from engine.outbox import Outbox
from tools.twilio_standin import TwilioStandIn

ACCOUNT, TOKEN = "AC" + "2" * 32, "t" * 32


@pytest.fixture(scope="module")
def twilio():
    standin = TwilioStandIn(ACCOUNT, TOKEN).start()
    yield standin
    standin.stop()


def send(redis_url: str, twilio: TwilioStandIn, contact: Contact, body: str, ref: str, **settings) -> str:
    async def go() -> str:
        redis = Redis.from_url(redis_url)
        outbox = Outbox(
            Settings(twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN, twilio_api_base_url=twilio.base_url,
                     rasa_token="x" * 32, sender_hash_key="x" * 32, contact_encryption_key="x", **settings),
            redis,
        )  # fmt: skip
        try:
            return await outbox.send("s-out", contact, body, ref=ref)
        finally:
            await outbox.aclose()
            await redis.aclose()

    return asyncio.run(go())


HAUSA = "Wani daga cikin ma'aikatanmu zai amsa muku Litinin daga ƙarfe 08:00."


def test_an_sms_leaves_folded_to_gsm7(redis_url, twilio):
    send(redis_url, twilio, Contact("+22790000001", "sms"), HAUSA, ref="SMa:0")
    assert twilio.messages[-1].body == HAUSA.replace("ƙ", "k")


def test_whatsapp_keeps_hausa_letters(redis_url, twilio):
    send(redis_url, twilio, Contact("whatsapp:+22790000002", "whatsapp"), HAUSA, ref="SMb:0")
    assert twilio.messages[-1].body == HAUSA


def test_folding_can_be_turned_off(redis_url, twilio):
    send(redis_url, twilio, Contact("+22790000003", "sms"), HAUSA, ref="SMc:0", sms_gsm_folding=False)
    assert twilio.messages[-1].body == HAUSA


def test_a_reply_is_sent_once_whatever_the_retries(redis_url, twilio):
    before = len(twilio.messages)
    for _ in range(3):
        send(redis_url, twilio, Contact("+22790000004", "sms"), "Bonjour", ref="SMd:0")
    assert len(twilio.messages) == before + 1


def test_a_send_in_flight_while_its_person_is_erased_writes_nothing_back(redis_url, twilio):
    """Twilio takes a second to answer; meanwhile erasure deletes the send's record. The answer
    must not write the record (or Twilio's id for it) back: the person would not be erased."""

    async def go() -> tuple[int, int]:
        redis = Redis.from_url(redis_url)
        outbox = Outbox(
            Settings(twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN, twilio_api_base_url=twilio.base_url,
                     rasa_token="x" * 32, sender_hash_key="x" * 32, contact_encryption_key="x"),
            redis,
        )  # fmt: skip
        sending = asyncio.create_task(outbox.send("s-erased", Contact("+22790000005", "sms"), "Bonjour", ref="SMe:0"))
        await asyncio.sleep(0.4)  # claimed, and waiting for Twilio
        await redis.delete("remi:out:SMe:0")  # what erasure does to the person's sends
        await sending
        left = await redis.exists("remi:out:SMe:0")
        twilio_ids = len([k async for k in redis.scan_iter("remi:twilio:*") if await redis.get(k) == b"SMe:0"])
        await outbox.aclose()
        await redis.aclose()
        return left, twilio_ids

    twilio.delay = 1.0
    try:
        left, twilio_ids = asyncio.run(go())
    finally:
        twilio.delay = 0.0
    assert (left, twilio_ids) == (0, 0)
