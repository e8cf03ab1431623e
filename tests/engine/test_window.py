"""WhatsApp's 24-hour window (engine/window.py): opened by each stored message, closed 24 h
after the last one, never a rule for SMS."""

from __future__ import annotations

import asyncio
import time

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from engine import keys
from engine.identity import Contact, ContactCipher
from engine.inbox import InboundMessage, Inbox
from engine.window import WINDOW_SECONDS, Window, WindowState, failure_reason, is_open


def test_the_window_is_open_for_24_hours_after_the_last_message():
    now = 1_000_000.0
    assert is_open("whatsapp", now - WINDOW_SECONDS + 60, now)
    assert not is_open("whatsapp", now - WINDOW_SECONDS - 1, now)
    assert not is_open("whatsapp", None, now)
    assert WindowState("whatsapp", now - 3600, now).seconds_left == WINDOW_SECONDS - 3600


def test_sms_has_no_window():
    state = WindowState("sms", None, 1_000_000.0)
    assert state.open and not state.applies and state.seconds_left == 0


def test_63016_is_a_window_failure_and_a_delivery_failure_is_not():
    assert "24-hour" in (failure_reason("63016") or "")
    assert failure_reason("30003") is None and failure_reason(None) is None


def test_a_stored_message_opens_the_window(redis_url):
    async def go():
        redis = Redis.from_url(redis_url)
        try:
            box = Inbox(redis, ContactCipher(Fernet.generate_key().decode()), 3600)
            sender = "s-window-1"
            before = await Window(redis).state(sender, "whatsapp")
            message = InboundMessage(sid="SMwin1", sender=sender, channel="whatsapp", body="sannu", received_at=0.0)
            await box.store(message, Contact("whatsapp:+22790000000", "whatsapp"))
            after = await Window(redis).state(sender, "whatsapp")
            ttl = await redis.ttl(keys.LAST_INBOUND.key(sender))
            return before, after, ttl
        finally:
            await redis.aclose()

    before, after, ttl = asyncio.run(go())
    assert not before.open
    assert after.open and after.seconds_left > WINDOW_SECONDS - 60
    assert abs((after.last_inbound_at or 0) - time.time()) < 60
    assert WINDOW_SECONDS < ttl <= WINDOW_SECONDS + 3600
