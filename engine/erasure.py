"""Erasing one person: after they confirm EFFACER / DELETE / GOGE, or on an administrator's
request (POST /admin/erasures). Everything held under their keyed hash goes: profile, contact
record, inbox and queues, recent turns, stored messages and the records of the replies sent
to them, their rate and cost counters, Rasa's tracker, and their handovers.

The audit log records that an erasure happened (who asked, when, how many records), under an
erasure id of its own: never the number, the keyed hash or any text, so the log cannot tell
whether a given person used the service.

What stays: remi:seen:<MessageSid> markers ("1", nothing else), so that Twilio delivering an
old message again cannot bring it back; they expire with the retention period.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from redis.asyncio import Redis

from engine.audit import Audit

log = logging.getLogger("remi.erasure")

# Rasa's RedisTrackerStore and RedisLockStore, with key_prefix "rasa" (tools/stack.py): keys are
# "rasa:tracker:<sender id>" and "rasa:lock:<sender id>".
RASA_TRACKER = "rasa:tracker:"
RASA_LOCK = "rasa:lock:"
LOCK_MS = 30_000  # as engine/worker.py: the per-sender lock the worker holds while it drains
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


class SenderBusy(Exception):
    """A worker held the person's conversation for too long: try again."""


class Erasure:
    def __init__(self, redis: Redis, audit: Audit, retention_seconds: int, handovers=None):
        self.redis, self.audit = redis, audit
        self.ttl = retention_seconds
        self.handovers = handovers  # engine.handover.desk.HandoverDesk (its erase_sender)

    async def for_worker(self, sender: str) -> tuple[str, int]:
        """The worker's hook, called with the sender's lock held, on the confirming message (the
        head of the inbox): messages the person sent after it are new ones and are kept."""
        return await self.erase(sender, actor="migrant", keep_queued=True)

    async def erase_person(self, sender: str, actor: str, wait: float = 30.0) -> tuple[str, int]:
        """An administrator's erasure: waits for the worker to finish the person's current turn
        (their lock), so nothing is written back after the erasure."""
        lock, token = f"remi:lock:{sender}", uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not await self.redis.set(lock, token, nx=True, px=LOCK_MS):
            if loop.time() > deadline:
                raise SenderBusy()
            await asyncio.sleep(0.1)
        try:
            return await self.erase(sender, actor=actor, keep_queued=False)
        finally:
            await self.redis.eval(_RELEASE, 1, lock, token)

    async def erase(self, sender: str, actor: str, keep_queued: bool = False) -> tuple[str, int]:
        """Delete everything about one sender; returns the erasure's id in the audit log and how
        many records were deleted."""
        r = self.redis
        inbox, index = f"remi:inbox:{sender}", f"remi:sids:{sender}"
        spared = {s.decode() for s in await r.lrange(inbox, 1, -1)} if keep_queued else set()
        sids = {s.decode() for s in await r.smembers(index)} - spared
        refs = [ref.decode() for ref in await r.smembers(f"remi:outrefs:{sender}")]
        twilio_sids = [t.decode() for t in [await r.hget(f"remi:out:{ref}", "twilio_sid") for ref in refs] if t]
        keys = [
            f"remi:profile:{sender}",
            f"remi:recent:{sender}",
            f"remi:outrefs:{sender}",
            f"remi:rate:{sender}",
            f"remi:segments:{sender}",
            RASA_TRACKER + sender,
            RASA_LOCK + sender,
            index,
        ]
        keys += [f"remi:msg:{sid}" for sid in sids] + [f"remi:handover:from:{sid}" for sid in sids]
        keys += [f"remi:out:{ref}" for ref in refs] + [f"remi:twilio:{t}" for t in twilio_sids]
        if not spared:
            keys += [f"remi:contact:{sender}", inbox]
        async with r.pipeline(transaction=True) as pipe:
            pipe.delete(*keys)
            for ref in refs:
                pipe.lrem("remi:outbound:failed", 0, ref)
            if spared:
                pipe.sadd(index, *spared)
                pipe.expire(index, self.ttl)
            else:
                pipe.srem("remi:pending", sender)
                pipe.lrem("remi:ready", 0, sender)
            deleted = (await pipe.execute())[0]
        if self.handovers is not None and hasattr(self.handovers, "erase_sender"):
            deleted += await self.handovers.erase_sender(sender)
        erasure_id = uuid.uuid4().hex
        await self.audit.record(actor, "erasure", f"erasure:{erasure_id}", records=str(deleted))
        log.info("erasure %s done (%d records)", erasure_id, deleted)
        return erasure_id, deleted
