"""The worker: takes stored messages off the queue, one sender at a time and in the order
received, runs the conversation turn and sends the replies.

Order and scale-out: any number of workers (tasks in one process, or several processes) share
the queue; a sender is worked on by one holder of remi:lock:<sender> at a time, which drains
that sender's inbox oldest first. A worker that dies leaves its lock to expire and the sender
in remi:pending, where the sweeper finds it again.

Exactly one answer: the turn's replies are stored with the message (state "answered") before
they are sent, and each send is recorded once (engine/outbox.py), so a message taken up again
after a crash is not given a second Rasa turn or a second send.

A message whose turn keeps failing (not Redis: a bug, a malformed record) is set aside as
"failed" after MAX_FAILURES tries, so one poison message never blocks the person's later ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import traceback

from redis.asyncio import Redis
from redis.exceptions import RedisError

from engine import keys
from engine.conversation import Conversation, Outcome, touch
from engine.inbox import Inbox
from engine.lock import SenderLock
from engine.outbox import Outbox
from engine.profile import Profiles
from engine.recent import RecentTurns

log = logging.getLogger("remi.worker")

MAX_FAILURES = 3


class Worker:
    def __init__(
        self,
        redis: Redis,
        inbox: Inbox,
        profiles: Profiles,
        conversation: Conversation,
        outbox: Outbox,
        handovers=None,
        erase=None,
        concurrency: int = 32,
        subscriptions=None,
        broadcaster=None,
    ):
        self.redis, self.inbox, self.profiles = redis, inbox, profiles
        self.conversation, self.outbox = conversation, outbox
        self.handovers = handovers  # engine.handover.desk.HandoverDesk: a person can take over
        self.erase = erase  # async callable(sender): erases one person's data everywhere
        self.concurrency = concurrency
        self.subscriptions = subscriptions  # engine.alerts.subscriptions.Subscriptions, synced after each turn
        self.broadcaster = broadcaster  # engine.alerts.sending.Broadcaster: alerts, in a task of their own
        self.recent = RecentTurns(redis, inbox.ttl)
        self._tasks: list[asyncio.Task] = []
        self._stopping = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(i)) for i in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._sweep()))
        if self.handovers is not None:  # escalations and partner webhooks, beside the turns
            self._tasks.append(asyncio.create_task(self.handovers.run(self._stopping)))
        if self.broadcaster is not None:  # never on the conversation queue (remi:ready)
            self._tasks.append(asyncio.create_task(self.broadcaster.run(self._stopping)))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self, n: int) -> None:
        while not self._stopping.is_set():
            try:
                item = await self.redis.blpop([keys.READY.key()], timeout=1)
                if item:
                    await self.drain(item[1].decode())
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                # Redis gone: wait and try again; what was stored is still there.
                log.warning("worker %d: redis unavailable (%s)", n, type(exc).__name__)
                await asyncio.sleep(1)
            except Exception as exc:
                log.error("worker %d: unexpected error: %s", n, describe(exc))
                await asyncio.sleep(0.5)

    async def _sweep(self) -> None:
        """Requeue senders whose messages wait with nobody working on them (after a crash,
        or when Redis came back)."""
        while not self._stopping.is_set():
            try:
                for raw in await self.redis.smembers(keys.PENDING.key()):
                    sender = raw.decode()
                    if not await self.redis.exists(keys.LOCK.key(sender)) and await self.redis.llen(
                        keys.INBOX.key(sender)
                    ):
                        await self.redis.rpush(keys.READY.key(), sender)
            except asyncio.CancelledError:
                raise
            except RedisError:
                pass
            await asyncio.sleep(5)

    # -- one sender ------------------------------------------------------------------------
    async def drain(self, sender: str) -> None:
        lock = SenderLock(self.redis, sender)
        if not await lock.acquire():
            return  # another worker has this sender; it re-checks the inbox before letting go
        inbox = keys.INBOX.key(sender)
        try:
            async with lock.held():
                while not lock.lost.is_set():  # lost: another worker has the sender now
                    sid = await self.redis.lindex(inbox, 0)
                    if sid is None:
                        break
                    try:
                        await self.handle(sid.decode())
                    except (RedisError, asyncio.CancelledError):
                        raise
                    except Exception as exc:
                        if not await self._set_aside(sid.decode(), exc):
                            raise
                    await self.redis.lpop(inbox)
        finally:
            if await self.redis.llen(inbox):
                await self.redis.rpush(keys.READY.key(), sender)
            else:
                await self.redis.srem(keys.PENDING.key(), sender)

    async def _set_aside(self, sid: str, exc: Exception) -> bool:
        """Count a failed turn; after MAX_FAILURES the message is marked failed and skipped."""
        key = keys.MESSAGE_RECORD.key(sid)
        if not await self.redis.exists(key):
            return True
        if await self.redis.hincrby(key, "failures", 1) < MAX_FAILURES:
            return False
        await self.redis.hset(key, "state", "failed")
        log.error("message %s failed %d times (%s): set aside", sid, MAX_FAILURES, describe(exc))
        return True

    async def handle(self, sid: str) -> None:
        key = keys.MESSAGE_RECORD.key(sid)
        state = (await self.redis.hget(key, "state") or b"").decode()
        if state in ("done", "failed", ""):
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
            if self.subscriptions is not None:  # alerts follow the person's last message
                await self.subscriptions.sync(profile, message.channel)
            # What to do next is stored with the replies, so a worker taking this message up
            # after a crash sends the same replies and still erases.
            urgent = bool(outcome.handover and outcome.handover.get("priority"))
            await self.redis.hset(
                key,
                mapping={
                    "state": "answered",
                    "replies": json.dumps(outcome.texts),
                    "answered_at": time.time(),
                    "erase": int(outcome.erase),
                    "urgent": int(urgent),
                },
            )
        replies, erase, urgent = await self.redis.hmget(key, "replies", "erase", "urgent")
        await self._send_all(sid, message.sender, contact, json.loads(replies or b"[]"), urgent == b"1")
        if erase == b"1" and self.erase is not None:
            await self.erase(message.sender)
            return
        await self.redis.hset(key, "state", "done")

    async def _send_all(self, sid: str, sender: str, contact, texts: list[str], urgent: bool = False) -> None:
        if contact is None:
            log.warning("message %s: no contact record, replies not sent", sid)
            return
        for i, text in enumerate(texts):
            await self.outbox.send(sender, contact, text, ref=f"{sid}:{i}", urgent=urgent)


def describe(exc: BaseException) -> str:
    """An error's type and where it was raised, without its message (which may quote a
    person's text)."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return type(exc).__name__ + where
