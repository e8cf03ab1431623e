"""The worker: takes stored messages off the queue, one sender at a time and in the order
received, runs the conversation turn and sends the replies.

Order and scale-out: any number of workers (tasks in one process, or several processes) share
the queue; a sender is worked on by one holder of remi:lock:<sender> at a time, which drains
that sender's inbox oldest first. A worker that dies leaves its lock to expire and the sender
in remi:pending, where the sweeper finds it again.

Exactly one answer: the turn's replies are stored with the message (state "answered") before
they are sent, and each send is recorded once (api/outbox.py), so a message taken up again
after a crash is not given a second Rasa turn or a second send.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.conversation import Conversation, Outcome, touch
from api.inbox import Inbox
from api.outbox import Outbox
from api.profile import Profiles
from api.recent import RecentTurns

log = logging.getLogger("remi.worker")

LOCK_MS = 30_000
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


class Worker:
    def __init__(self, redis: Redis, inbox: Inbox, profiles: Profiles, conversation: Conversation,
                 outbox: Outbox, handovers=None, erase=None, concurrency: int = 32):
        self.redis, self.inbox, self.profiles = redis, inbox, profiles
        self.conversation, self.outbox = conversation, outbox
        self.handovers = handovers  # api.handover.Handovers, once a person can take over
        self.erase = erase  # async callable(sender): erases one person's data everywhere
        self.concurrency = concurrency
        self.recent = RecentTurns(redis, inbox.ttl)
        self._release = redis.register_script(_RELEASE)
        self._tasks: list[asyncio.Task] = []
        self._stopping = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(i)) for i in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._sweep()))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self, n: int) -> None:
        while not self._stopping.is_set():
            try:
                item = await self.redis.blpop(["remi:ready"], timeout=1)
                if item:
                    await self.drain(item[1].decode())
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                # Redis gone: wait and try again; what was stored is still there.
                log.warning("worker %d: redis unavailable (%s)", n, type(exc).__name__)
                await asyncio.sleep(1)
            except Exception:
                log.exception("worker %d: unexpected error", n)
                await asyncio.sleep(0.5)

    async def _sweep(self) -> None:
        """Requeue senders whose messages wait with nobody working on them (after a crash,
        or when Redis came back)."""
        while not self._stopping.is_set():
            try:
                for raw in await self.redis.smembers("remi:pending"):
                    sender = raw.decode()
                    if not await self.redis.exists(f"remi:lock:{sender}") and await self.redis.llen(f"remi:inbox:{sender}"):
                        await self.redis.rpush("remi:ready", sender)
            except asyncio.CancelledError:
                raise
            except RedisError:
                pass
            await asyncio.sleep(5)

    # -- one sender ------------------------------------------------------------------------
    async def drain(self, sender: str) -> None:
        lock, token = f"remi:lock:{sender}", uuid.uuid4().hex
        if not await self.redis.set(lock, token, nx=True, px=LOCK_MS):
            return  # another worker has this sender; it re-checks the inbox before letting go
        inbox = f"remi:inbox:{sender}"
        try:
            while True:
                sid = await self.redis.lindex(inbox, 0)
                if sid is None:
                    break
                await self.redis.pexpire(lock, LOCK_MS)
                await self.handle(sid.decode())
                await self.redis.lpop(inbox)
        finally:
            await self._release(keys=[lock], args=[token])
            if await self.redis.llen(inbox):
                await self.redis.rpush("remi:ready", sender)
            else:
                await self.redis.srem("remi:pending", sender)

    async def handle(self, sid: str) -> None:
        key = f"remi:msg:{sid}"
        state = (await self.redis.hget(key, "state") or b"").decode()
        if state in ("done", ""):
            return
        message = await self.inbox.message(sid)
        contact = await self.inbox.contact(message.sender)
        if state == "received":
            profile = await self.profiles.load(message.sender)
            outcome: Outcome = await self.conversation.respond(message, profile)
            touch(profile)
            await self.recent.add(message.sender, message, outcome.texts)
            if self.handovers is not None:
                await self.handovers.on_turn(message, profile, outcome)
            await self.profiles.save(profile)
            await self.redis.hset(key, mapping={"state": "answered", "replies": json.dumps(outcome.texts),
                                                "answered_at": time.time()})
            if outcome.erase and self.erase is not None:
                await self._send_all(sid, message.sender, contact, outcome.texts)
                await self.erase(message.sender)
                return
        texts = json.loads((await self.redis.hget(key, "replies") or b"[]").decode())
        await self._send_all(sid, message.sender, contact, texts)
        await self.redis.hset(key, "state", "done")

    async def _send_all(self, sid: str, sender: str, contact, texts: list[str]) -> None:
        if contact is None:
            log.warning("message %s: no contact record, replies not sent", sid)
            return
        for i, text in enumerate(texts):
            await self.outbox.send(sender, contact, text, ref=f"{sid}:{i}")
