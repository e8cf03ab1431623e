"""The per-sender lock (engine/lock.py): one holder at a time, released only by its holder,
renewed while held, and a holder learns when it lost it."""

from __future__ import annotations

import asyncio
import uuid

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from engine import keys
from engine.identity import Contact, ContactCipher
from engine.inbox import InboundMessage, Inbox
from engine.lock import SenderLock
from engine.profile import Profiles
from engine.worker import Worker


def run(coro):
    return asyncio.run(coro)


def test_one_holder_at_a_time_and_only_the_holder_releases(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        first, second = SenderLock(redis, "s-lock-1"), SenderLock(redis, "s-lock-1")
        assert await first.acquire()
        assert not await second.acquire()
        await second.release()  # not its lock: nothing happens
        assert not await second.acquire()
        await first.release()
        assert await second.acquire()
        await second.release()
        await redis.aclose()

    run(scenario())


def test_a_waiting_holder_gets_the_lock_when_the_turn_ends(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        turn, erasure = SenderLock(redis, "s-lock-2"), SenderLock(redis, "s-lock-2")
        assert await turn.acquire()
        asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(turn.release()))
        assert not await erasure.acquire_within(0.1)
        assert await erasure.acquire_within(2.0)
        await erasure.release()
        await redis.aclose()

    run(scenario())


def test_a_held_lock_outlives_its_ttl_and_a_lost_one_is_noticed(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        lock = SenderLock(redis, "s-lock-3", ttl_ms=300)
        assert await lock.acquire()
        async with lock.held():
            await asyncio.sleep(0.7)  # more than twice the TTL: renewed meanwhile
            assert not await SenderLock(redis, "s-lock-3").acquire()
            await redis.set(lock.key, "someone else")  # as if it expired and another worker took it
            await asyncio.wait_for(lock.lost.wait(), 1.0)
        assert await redis.get(lock.key) == b"someone else"  # the other holder's lock is left alone
        await redis.aclose()

    run(scenario())


def test_the_head_of_the_inbox_is_taken_off_only_by_the_lock_holder_and_only_if_it_is_the_message(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        sender = f"s-lock-{uuid.uuid4().hex[:8]}"
        inbox = keys.INBOX.key(sender)
        await redis.rpush(inbox, "SM1", "SM2")
        lock = SenderLock(redis, sender)
        assert await lock.acquire()
        assert await lock.pop_head("SM2")  # not the head (erased and re-filled, say): left alone
        assert await redis.lrange(inbox, 0, -1) == [b"SM1", b"SM2"]
        assert await lock.pop_head("SM1")
        assert await redis.lrange(inbox, 0, -1) == [b"SM2"]
        await redis.set(lock.key, "another worker")  # the lock expired and someone took the person
        assert not await lock.pop_head("SM2") and lock.lost.is_set()
        assert await redis.lrange(inbox, 0, -1) == [b"SM2"]  # the new holder's to take
        await redis.delete(inbox, lock.key)
        await redis.aclose()

    run(scenario())


def test_a_turn_whose_lock_is_lost_stops_and_leaves_its_message_to_the_new_holder(redis_url):
    """The worker renews the lock while Rasa answers; when a renewal finds it taken, the turn is
    stopped before it stores or sends anything, and the message stays at the head of the inbox."""

    class StalledConversation:
        def __init__(self) -> None:
            self.entered, self.stopped = asyncio.Event(), False

        async def respond(self, message, profile):
            self.entered.set()
            try:
                await asyncio.sleep(30)  # Rasa stalled
            except asyncio.CancelledError:
                self.stopped = True
                raise

    async def scenario():
        redis = Redis.from_url(redis_url)
        sender = f"s-lock-{uuid.uuid4().hex[:8]}"
        box = Inbox(redis, ContactCipher(Fernet.generate_key().decode()), 3600)
        sid = "SM" + uuid.uuid4().hex
        await box.store(InboundMessage(sid, sender, "sms", "Bonjour", 0.0), Contact("+22790000000", "sms"))
        conversation = StalledConversation()
        worker = Worker(redis, box, Profiles(redis, 3600), conversation, outbox=None, lock_ttl_ms=300)
        draining = asyncio.create_task(worker.drain(sender))
        await asyncio.wait_for(conversation.entered.wait(), 5)
        await redis.set(keys.LOCK.key(sender), "another worker", px=10_000)
        await asyncio.wait_for(draining, 5)  # stopped within a renewal, not after Rasa's 30 s
        state = await redis.hget(keys.MESSAGE_RECORD.key(sid), "state")
        head = await redis.lindex(keys.INBOX.key(sender), 0)
        lock_holder = await redis.get(keys.LOCK.key(sender))
        await redis.aclose()
        return conversation.stopped, state, head, lock_holder, sid

    stopped, state, head, lock_holder, sid = run(scenario())
    assert stopped and state == b"received"  # nothing stored over the other holder's turn
    assert head == sid.encode() and lock_holder == b"another worker"
