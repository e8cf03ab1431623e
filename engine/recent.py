"""The last turns of each conversation (what the person wrote, what the bot answered), so a
handover carries "the recent conversation" to the operator. Kept under the sender's hash,
capped, and expiring with the retention period."""

from __future__ import annotations

import json
import time

from redis.asyncio import Redis

from engine import keys

KEEP = 20


class RecentTurns:
    def __init__(self, redis: Redis, ttl_seconds: int):
        self.redis, self.ttl = redis, ttl_seconds

    @staticmethod
    def key(sender: str) -> str:
        return keys.RECENT.key(sender)

    async def add(self, sender: str, message, bot_texts: list[str]) -> None:
        now = time.time()
        entries = [{"from": "migrant", "text": message.body, "media": len(message.media), "at": message.received_at}]
        entries += [{"from": "bot", "text": text, "at": now} for text in bot_texts]
        key = self.key(sender)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *[json.dumps(e, ensure_ascii=False) for e in entries])
            pipe.ltrim(key, -KEEP, -1)
            pipe.expire(key, self.ttl)
            await pipe.execute()

    async def get(self, sender: str) -> list[dict]:
        return [json.loads(raw) for raw in await self.redis.lrange(self.key(sender), 0, -1)]
