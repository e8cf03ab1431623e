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

import logging
import uuid

from redis.asyncio import Redis

from engine import keys
from engine.audit import Audit
from engine.insight.store import Insight
from engine.lock import SenderLock
from engine.storage import as_text

log = logging.getLogger("remi.erasure")


# Families keyed by the sender that erasure leaves to their owner: the lock is the worker's
# (it holds it during this erasure), and the handovers are erased by the handover desk
# (erase_sender), which finds them through their index.
NOT_HERE = {keys.LOCK, keys.HANDOVERS_OF}


class SenderBusy(Exception):
    """A worker held the person's conversation for too long: try again."""


class Erasure:
    def __init__(self, redis: Redis, audit: Audit, retention_seconds: int, handovers=None, subscriptions=None):
        self.redis, self.audit = redis, audit
        self.ttl = retention_seconds
        self.handovers = handovers  # engine.handover.desk.HandoverDesk (its erase_sender)
        self.subscriptions = subscriptions  # engine.alerts.subscriptions.Subscriptions (town indexes, alerts)
        self.insight: Insight | None = None  # set by engine/assembly.py

    async def for_worker(self, sender: str) -> tuple[str, int]:
        """The worker's hook, called with the sender's lock held, on the confirming message (the
        head of the inbox): messages the person sent after it are new ones and are kept."""
        return await self.erase(sender, actor="migrant", keep_queued=True)

    async def erase_person(self, sender: str, actor: str, wait: float = 30.0) -> tuple[str, int]:
        """An administrator's erasure: waits for the worker to finish the person's current turn
        (their lock), so nothing is written back after the erasure."""
        lock = SenderLock(self.redis, sender)
        if not await lock.acquire_within(wait):
            raise SenderBusy()
        try:
            return await self.erase(sender, actor=actor, keep_queued=False)
        finally:
            await lock.release()

    async def erase(self, sender: str, actor: str, keep_queued: bool = False) -> tuple[str, int]:
        """Delete everything about one sender; returns the erasure's id in the audit log and how
        many records were deleted. What to delete comes from engine/keys.py: every family keyed
        by the sender, by one of their messages, by a reply to them or by its Twilio id."""
        r = self.redis
        inbox, index = keys.INBOX.key(sender), keys.SIDS.key(sender)
        spared = {as_text(s) for s in await r.lrange(inbox, 1, -1)} if keep_queued else set()
        sids = {as_text(s) for s in await r.smembers(index)} - spared
        refs = [as_text(ref) for ref in await r.smembers(keys.OUTREFS.key(sender))]
        twilio_sids = [as_text(t) for t in [await r.hget(keys.OUT.key(ref), "twilio_sid") for ref in refs] if t]
        # Messages still queued after the confirming one are new: their queue, index and the
        # contact record that answers them stay.
        kept = {keys.CONTACT, keys.INBOX, keys.SIDS} if spared else {keys.SIDS}
        names = [f.key(sender) for f in keys.of_person(keys.SENDER) if f not in kept | NOT_HERE]
        names += [f.key(sid) for f in keys.of_person(keys.MESSAGE) for sid in sids]
        names += [f.key(ref) for f in keys.of_person(keys.REPLY) for ref in refs]
        names += [f.key(t) for f in keys.of_person(keys.TWILIO_REPLY) for t in twilio_sids]
        if not spared:
            names.append(index)
        async with r.pipeline(transaction=True) as pipe:
            pipe.delete(*names)
            for ref in refs:
                pipe.lrem(keys.FAILED_OUTBOUND.key(), 0, ref)
            if spared:
                pipe.delete(index)
                pipe.sadd(index, *spared)
                pipe.expire(index, self.ttl)
            else:
                pipe.srem(keys.PENDING.key(), sender)
                pipe.zrem(keys.READY.key(), sender)
            deleted = (await pipe.execute())[0]
        if self.handovers is not None and hasattr(self.handovers, "erase_sender"):
            deleted += await self.handovers.erase_sender(sender)
        if self.subscriptions is not None:
            deleted += await self.subscriptions.erase_sender(sender)
        if self.insight is not None:  # their raw events and missed questions; the daily figures stay
            self.insight.erase_sender(sender)
        erasure_id = uuid.uuid4().hex
        await self.audit.record(actor, "erasure", f"erasure:{erasure_id}", records=str(deleted))
        log.info("erasure %s done (%d records)", erasure_id, deleted)
        return erasure_id, deleted
