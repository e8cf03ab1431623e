"""Messages the service starts (engine/outbox.py, `send_initiated`): a send a crash cut off is
checked with Twilio (the stand-in) and sent only if Twilio never got it; a WhatsApp recipient
outside the 24-hour window gets SMS or the approved template, as WHATSAPP_OUTSIDE_WINDOW says."""

from __future__ import annotations

import asyncio
import time

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from engine import keys
from engine.config import Settings
from engine.identity import Contact
from engine.outbox import Outbox
from tools import stack
from tools.twilio_standin import TwilioStandIn

ACCOUNT = "AC" + "1" * 32


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    run = tmp_path_factory.mktemp("outbox")
    port = stack.free_port()
    redis_server = stack.Stack(env={}, run_dir=run)
    redis_server.start_redis(port, run / "redis")
    twilio = TwilioStandIn(ACCOUNT, "token").start()
    yield port, twilio
    redis_server.stop()
    twilio.stop()


def run(parts, scenario, **settings):
    port, twilio = parts
    twilio.clear()
    config = Settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token="token",
        rasa_token="x",
        sender_hash_key="k",
        contact_encryption_key=Fernet.generate_key().decode(),
        twilio_api_base_url=twilio.base_url,
        **settings,
    )

    async def go():
        redis = Redis.from_url(f"redis://127.0.0.1:{port}/0")
        outbox = Outbox(config, redis)
        try:
            return await scenario(outbox, redis, twilio)
        finally:
            await outbox.aclose()
            await redis.aclose()

    return asyncio.run(go())


def interrupted(redis, ref: str):
    """The record a worker leaves when it dies during its first attempt."""
    return redis.hset(keys.OUT.key(ref), mapping={"status": "sending", "attempts": 1, "created_at": time.time() - 1})


def test_an_interrupted_send_twilio_got_is_not_sent_again(parts):
    async def scenario(outbox, redis, twilio):
        ref = f"alert:t1:{time.time()}"
        await outbox.client.messages.create_async(to="+22790000001", from_="+22700000000", body="Alerte")
        await interrupted(redis, ref)
        status = await outbox.send_initiated("s", Contact("+22790000001", "sms"), "Alerte", ref, time.time())
        return status, len(twilio.sent_to("+22790000001"))

    assert run(parts, scenario) == ("queued", 1)


def test_an_interrupted_send_twilio_never_got_is_sent_once(parts):
    async def scenario(outbox, redis, twilio):
        ref = f"alert:t2:{time.time()}"
        await interrupted(redis, ref)
        first = await outbox.send_initiated("s", Contact("+22790000002", "sms"), "Alerte", ref, time.time())
        again = await outbox.send_initiated("s", Contact("+22790000002", "sms"), "Alerte", ref, time.time())
        return first, again, len(twilio.sent_to("+22790000002"))

    assert run(parts, scenario) == ("queued", "queued", 1)


@pytest.mark.parametrize("choice", ["sms", "template"])
def test_whatsapp_outside_the_window_gets_what_the_setting_says(parts, choice):
    async def scenario(outbox, redis, twilio):
        contact = Contact("whatsapp:+22790000003", "whatsapp")
        inside = await outbox.send_initiated("s", contact, "A", f"w:{choice}:1", time.time() - 3600)
        outside = await outbox.send_initiated("s", contact, "B", f"w:{choice}:2", time.time() - 2 * 86400)
        return inside, outside, [(m.to, m.body, m.content_sid) for m in twilio.messages]

    template = {"whatsapp_alert_template_sid": "HX" + "0" * 32} if choice == "template" else {}
    _, _, sent = run(parts, scenario, whatsapp_outside_window=choice, **template)
    assert sent[0] == ("whatsapp:+22790000003", "A", None)  # inside 24 h: a free-form WhatsApp message
    if choice == "sms":
        assert sent[1] == ("+22790000003", "B", None)
    else:
        assert sent[1] == ("whatsapp:+22790000003", "", "HX" + "0" * 32)
