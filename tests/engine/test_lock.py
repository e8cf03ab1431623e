"""The per-sender lock (engine/lock.py): one holder at a time, released only by its holder,
renewed while held, and a holder learns when it lost it."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from engine.lock import SenderLock


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
