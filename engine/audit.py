"""Append-only audit log: who did what to which record, when; never a message body or a number,
nor a migrant's keyed hash (an entry outlives the person's erasure, and the hash would tie it
back to their number): a migrant acting is recorded as "migrant".

Stored in the Redis stream remi:audit (entries are only ever added; XADD ids give the order),
and kept RETENTION_DAYS like everything else (trimmed by age, never edited).
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from engine import keys
from engine.storage import Fields, as_text, text_fields

STREAM = keys.AUDIT.key()


class Audit:
    def __init__(self, redis: Redis, retention_days: int):
        self.redis, self.retention_days = redis, retention_days

    async def record(self, actor: str, action: str, target: str, **details: str) -> None:
        """actor: an operator's username, "system" or "migrant" ("migrant:<sender hash>" is recorded
        as "migrant"); action: a verb such as "handover.read", "handover.claim", "erasure"; target:
        an id, never a phone number or a sender's hash."""
        actor = "migrant" if actor.startswith("migrant:") else actor
        fields: Fields = {"at": f"{time.time():.3f}", "actor": actor, "action": action, "target": target}
        fields |= {k: str(v) for k, v in details.items()}
        min_id = f"{int((time.time() - self.retention_days * 86400) * 1000)}-0"
        await self.redis.xadd(STREAM, fields, minid=min_id, approximate=True)

    async def entries(self, count: int = 100) -> list[dict[str, str]]:
        rows = await self.redis.xrevrange(STREAM, count=count) or []
        return [text_fields(fields) | {"id": as_text(rid)} for rid, fields in rows]
