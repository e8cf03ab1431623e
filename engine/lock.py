"""The per-sender lock: one holder at a time works on a person's conversation.

The worker holds it for a whole turn (so turns run in order and Rasa needs no lock store of its
own), erasure holds it so nothing is written back after a person is erased, and the handover
desk holds it to clear a closed handover from the person's profile. A holder that dies leaves
the lock to expire after TTL_MS; a live holder renews it while it works (`held`), and learns
when it lost it (`lost`), so that it stops before writing over another holder's turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Self

from redis.asyncio import Redis
from redis.exceptions import RedisError

from engine import keys

log = logging.getLogger("remi.lock")

TTL_MS = 30_000
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
# The worker's last step for a message: take it off the head of the person's inbox, only if the
# lock is still ours (-1 if not: someone else has the person now) and the head is that message
# (0 if not: erasure emptied the inbox meanwhile). One script, so nothing happens in between.
_POP_HEAD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return 0 end
redis.call('LPOP', KEYS[2])
redis.call('DECR', KEYS[3])
return 1
"""
_EXTEND = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
)


class Lease:
    """A lock on one key with a random token, expiring unless renewed (`held`)."""

    def __init__(self, redis: Redis, key: str, ttl_ms: int = TTL_MS):
        self.redis, self.key, self.ttl_ms = redis, key, ttl_ms
        self.token = uuid.uuid4().hex
        self.lost = asyncio.Event()  # set when a renewal finds the lock gone or someone else's

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        return bool(await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    async def acquire_within(self, seconds: float, poll: float = 0.1) -> bool:
        """Wait up to `seconds` for the lock (the current turn finishing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not await self.acquire():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(poll)
        return True

    async def release(self) -> None:
        """Let go, only if the lock is still ours."""
        await self.redis.eval(_RELEASE, 1, self.key, self.token)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[Self]:
        """Renew the lock while the block runs (a slow Rasa or Twilio must not let a second
        holder in); release it at the end."""
        renewing = asyncio.create_task(self._renew())
        try:
            yield self
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            await self.release()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            try:
                renewed = await self.redis.eval(_EXTEND, 1, self.key, self.token, self.ttl_ms)
            except RedisError:
                continue  # Redis away: the lock may survive it; the next renewal tells
            if not renewed:
                log.warning("a lock (%s) was lost while its holder worked", self.key.split(":")[1])
                self.lost.set()
                return


class SenderLock(Lease):
    """The per-sender lock (remi:lock:<sender>)."""

    def __init__(self, redis: Redis, sender: str, ttl_ms: int = TTL_MS):
        super().__init__(redis, keys.LOCK.key(sender), ttl_ms)
        self.sender = sender

    async def pop_head(self, sid: str) -> bool:
        """Take the message `sid`, just handled, off the head of the person's inbox if the lock
        is still ours; False (and `lost` set) if it is not, leaving the inbox to its new holder."""
        done = await self.redis.eval(
            _POP_HEAD, 3, self.key, keys.INBOX.key(self.sender), keys.WAITING.key(), self.token, sid
        )
        if int(done) < 0:
            log.warning("a lock (%s) was lost before its holder took its message off the queue", self.key.split(":")[1])
            self.lost.set()
            return False
        return True
