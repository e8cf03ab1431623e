"""The worker: takes stored messages off the queue, one sender at a time and in the order
received, runs the conversation turn and sends the replies.

Order and scale-out: any number of workers (tasks in one process, or several processes) share
the queue; a sender is worked on by one holder of remi:lock:<sender> at a time, which drains
that sender's inbox oldest first. A worker that dies leaves its lock to expire and the sender
in remi:pending, where the sweeper finds it again.

Exactly one answer: the turn's replies are stored with the message (state "answered") before
they are sent, and each send is recorded once (engine/outbox.py), so a message taken up again
after a crash is not given a second Rasa turn or a second send.

A message whose turn keeps failing (a bug, a malformed record, a Redis reply that will not
change on a retry, such as a wrong type) is set aside as "failed" after MAX_FAILURES tries, so
one poison message never blocks the person's later ones; if it holds words of danger, a priority
handover is opened all the same, so that a person sees it.

Backpressure: remi:ready is a sorted set, so a sender waits there once however many messages
they sent and however many sweepers run; emergencies are scored ahead of everyone. The sweeper
re-queues only senders that are lost (messages waiting, nobody holding them, not in remi:ready:
a worker died between taking them and locking them) and recounts remi:waiting, the number of
messages waiting, against which the inbox applies the global cap (engine/inbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import traceback

from redis.asyncio import Redis
from redis.exceptions import RedisError

from engine import keys
from engine.conversation import Conversation, Outcome, touch
from engine.inbox import Inbox
from engine.insight.events import record_turn
from engine.lock import TTL_MS, SenderLock
from engine.outbox import Outbox
from engine.profile import Profiles
from engine.recent import RecentTurns
from engine.storage import as_text, transient
from remi.language.danger import in_danger

log = logging.getLogger("remi.worker")

MAX_FAILURES = 3
SWEEP_SECONDS = 5.0


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
        insight=None,
        lock_ttl_ms: int = TTL_MS,
    ):
        self.redis, self.inbox, self.profiles = redis, inbox, profiles
        self.conversation, self.outbox = conversation, outbox
        self.handovers = handovers  # engine.handover.desk.HandoverDesk: a person can take over
        self.erase = erase  # async callable(sender): erases one person's data everywhere
        self.concurrency = concurrency
        self.subscriptions = subscriptions  # engine.alerts.subscriptions.Subscriptions, synced after each turn
        self.broadcaster = broadcaster  # engine.alerts.sending.Broadcaster: alerts, in a task of their own
        self.insight = insight  # engine.insight.store.Insight: the turn's event, written off the path
        self.recent = RecentTurns(redis, inbox.ttl)
        self.lock_ttl_ms = lock_ttl_ms
        # Which process answered a message, kept with it ("worker"): where a turn ran, for
        # whoever reads a message's record (and the scale-out test) — not a person.
        self.name = f"{socket.gethostname()}:{os.getpid()}"
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
                item = await self.redis.bzpopmin([keys.READY.key()], timeout=1)
                if item:
                    await self.drain(as_text(item[1]))
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
        while not self._stopping.is_set():
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except RedisError:
                pass
            await asyncio.sleep(SWEEP_SECONDS)

    async def sweep_once(self) -> int:
        """Re-queue the senders that are lost: messages waiting, no lock, not in remi:ready
        (after a crash, or when Redis came back). A sender already waiting in remi:ready is left
        where it is (ZADD NX), so sweeps by any number of processes add nothing twice. Recounts
        remi:waiting on the way. Returns how many senders were re-queued."""
        ready = keys.READY.key()
        if await self.redis.type(ready) == b"list":  # written by an earlier version: rebuilt below
            await self.redis.delete(ready)
        senders = [as_text(raw) for raw in await self.redis.smembers(keys.PENDING.key())]
        async with self.redis.pipeline(transaction=False) as pipe:
            for sender in senders:
                pipe.exists(keys.LOCK.key(sender))
                pipe.llen(keys.INBOX.key(sender))
            found = await pipe.execute()
        lost, waiting, now = [], 0, int(time.time() * 1000)
        for sender, locked, length in zip(senders, found[0::2], found[1::2], strict=True):
            waiting += length
            if length and not locked:
                lost.append(sender)
        requeued = 0
        for sender in lost:
            requeued += int(await self.redis.zadd(ready, {sender: now}, nx=True) or 0)
        await self.redis.set(keys.WAITING.key(), waiting)
        if requeued:
            log.info("sweeper: %d sender(s) with messages waiting and nobody on them re-queued", requeued)
        return requeued

    # -- one sender ------------------------------------------------------------------------
    async def drain(self, sender: str) -> None:
        lock = SenderLock(self.redis, sender, self.lock_ttl_ms)
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
                        if not await self._turn(as_text(sid), lock):
                            break  # the lock was lost: the message is left to whoever has it now
                    except asyncio.CancelledError:
                        raise
                    except RedisError as exc:
                        # Redis away: wait for it. A refusal that a retry cannot change (a
                        # wrong type, a script error) is a poison message like any other.
                        if transient(exc) or not await self._set_aside(as_text(sid), exc):
                            raise
                    except Exception as exc:
                        if not await self._set_aside(as_text(sid), exc):
                            raise
                    if not await lock.pop_head(as_text(sid)):
                        break
        finally:
            if await self.redis.llen(inbox):
                await self.redis.zadd(keys.READY.key(), {sender: int(time.time() * 1000)}, nx=True)
            else:
                await self.redis.srem(keys.PENDING.key(), sender)

    async def _turn(self, sid: str, lock: SenderLock) -> bool:
        """Run the message's turn while the lock is ours. If the lock is lost meanwhile (a renewal
        found it gone: Redis lost it, or this process stalled past its expiry and another worker
        took the person), the turn is stopped where it is, before it writes over the other
        holder's turn, and False is returned. Rasa keeps no lock store of its own: this is it."""
        turn = asyncio.create_task(self.handle(sid))
        lost = asyncio.create_task(lock.lost.wait())
        try:
            done, _ = await asyncio.wait({turn, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not turn.done():
                turn.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await turn
        if turn in done:
            turn.result()  # the turn's own error, if any, for drain to judge
            return True
        log.warning("message %s: the sender's lock was lost during the turn, which was stopped", sid)
        return False

    async def _set_aside(self, sid: str, exc: Exception) -> bool:
        """Count a failed turn; after MAX_FAILURES the message is marked failed and skipped."""
        key = keys.MESSAGE_RECORD.key(sid)
        if not await self.redis.exists(key):
            return True
        try:
            if await self.redis.hincrby(key, "failures", 1) < MAX_FAILURES:
                return False
            await self.redis.hset(key, "state", "failed")
        except RedisError as error:
            if transient(error):
                raise
            # The record itself is unusable (not a hash): counting is impossible, skip it now.
            log.error("message %s unreadable (%s): set aside", sid, describe(error))
            return True
        log.error("message %s failed %d times (%s): set aside", sid, MAX_FAILURES, describe(exc))
        with contextlib.suppress(Exception):  # the record itself may be what is broken
            await self._hand_over_if_in_danger(sid)
        return True

    async def _hand_over_if_in_danger(self, sid: str) -> None:
        """A message the bot could not handle that holds words of danger still reaches a person."""
        message = await self.inbox.message(sid)
        if self.handovers is None or message is None or not in_danger(message.body):
            return
        profile = await self.profiles.load(message.sender)
        if profile.handover:
            return  # a person already has the conversation: the message is in its transcript
        request = {"category": "protection", "priority": True, "reason": "words of danger in a failed message"}
        handover = await self.handovers.open(message, profile, request)
        profile.handover = handover.id
        await self.profiles.save(profile)
        log.warning("message %s set aside with words of danger: handover %s opened", sid, handover.id)

    async def handle(self, sid: str) -> None:
        key = keys.MESSAGE_RECORD.key(sid)
        state = as_text(await self.redis.hget(key, "state") or b"")
        if state in ("done", "failed", ""):
            return
        message = await self.inbox.message(sid)
        if message is None:  # a state without its fields: set aside as any message that cannot be read
            raise LookupError(f"message {sid} has a state but no record")
        contact = await self.inbox.contact(message.sender)
        if state == "received":
            started = time.time()
            profile = await self.profiles.load(message.sender)
            outcome: Outcome = await self.conversation.respond(message, profile)
            touch(profile)
            await self.recent.add(message.sender, message, outcome.texts)
            if self.handovers is not None:
                await self.handovers.on_turn(message, profile, outcome)
            await self.profiles.save(profile)
            if self.insight is not None:
                record_turn(self.insight, message, profile, outcome)
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
                    "started_at": started,
                    "answered_at": time.time(),
                    "worker": self.name,
                    "erase": int(outcome.erase),
                    "urgent": int(urgent),
                },
            )
        replies, erase, urgent_flag = await self.redis.hmget(key, "replies", "erase", "urgent")
        await self._send_all(sid, message.sender, contact, json.loads(replies or b"[]"), urgent_flag == b"1")
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
