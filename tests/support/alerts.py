"""Subscribers for alert tests, written straight into Redis through the subscription module
(engine/alerts/subscriptions.py) with their encrypted contact records, as thousands of people
who once wrote ALERTE would have left them; the send path under test stays the real one."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from engine import keys
from engine.alerts.subscriptions import Subscriptions
from engine.identity import Contact, ContactCipher, sender_id

RETENTION = 90 * 86400


def subscribe_directly(
    system, numbers: list[str], town: str, language: str = "fr", whatsapp: bool = False, last_seen: float | None = None
) -> dict[str, str]:
    """Subscribe `numbers` to `town`; returns {sender hash: number}."""

    async def write() -> dict[str, str]:
        redis = Redis.from_url(system.redis_url)
        subscriptions, cipher = Subscriptions(redis, RETENTION), ContactCipher(system.env["CONTACT_ENCRYPTION_KEY"])
        senders = {}
        try:
            for number in numbers:
                sender = sender_id(number, system.env["SENDER_HASH_KEY"])
                address = ("whatsapp:" if whatsapp else "") + number
                channel = "whatsapp" if whatsapp else "sms"
                await redis.set(keys.CONTACT.key(sender), cipher.seal(Contact(address, channel)), ex=RETENTION)
                await subscriptions.add_directly(sender, [town], language, channel, last_seen or time.time())
                senders[sender] = number
        finally:
            await redis.aclose()
        return senders

    return asyncio.run(write())
