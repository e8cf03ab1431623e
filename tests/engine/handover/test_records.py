"""Handover records (engine/handover/records.py) against a real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

from redis.asyncio import Redis

from engine import keys
from engine.handover.records import Handovers


def test_a_long_handover_keeps_its_person_index_so_erasure_finds_it(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        store, sender = Handovers(redis, retention_seconds=3), uuid.uuid4().hex
        handover, _ = await store.create(
            sender,
            "SM" + uuid.uuid4().hex,
            category="general",
            city=None,
            language="fr",
            channel="sms",
            priority=False,
            reason="requested",
            team="hotline",
            organisation="remi",
            recent=[],
        )
        for _ in range(3):  # the conversation goes on past the first retention period
            time.sleep(1.2)
            await store.append(handover.id, "transcript", {"from": "migrant", "text": "..."})
        assert await redis.exists(keys.HANDOVERS_OF.key(sender))
        assert await store.erase_sender(sender) == 1
        assert not await redis.exists(store.key(handover.id))
        await redis.aclose()

    asyncio.run(scenario())
