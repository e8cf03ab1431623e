"""Signing in (engine/signin.py) against a real Redis and real argon2: concurrent guesses cannot
pass the limit together, an attacker's address is throttled while the real operator signs in
from their own, one address cannot spray usernames, and a full pool refuses at once without
counting the attempt against anyone."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

from redis.asyncio import Redis

from engine import signin
from engine.operators import Operators
from engine.signin import PasswordPool, SignIn, SignInRefused

PASSWORD = "a long enough password"


class CountingPool(PasswordPool):
    """The real pool, counting the password checks it ran."""

    def __init__(self, workers: int, queue: int):
        super().__init__(workers, queue)
        self.checks = 0

    async def run(self, work, *args):
        result = await super().run(work, *args)
        self.checks += 1
        return result


def run(coro):
    return asyncio.run(coro)


async def _setup(redis_url: str, workers: int = 2, queue: int = 64):
    redis = Redis.from_url(redis_url)
    operators = Operators(redis, 3600)
    username = f"op-{uuid.uuid4().hex[:8]}"
    await operators.add(username, PASSWORD, "operator", "hotline", "org")
    pool = CountingPool(workers, queue)
    return redis, SignIn(redis, operators, pool, "k" * 32), pool, username


async def _try(door: SignIn, username: str, password: str, address: str) -> str:
    try:
        return "in" if await door.attempt(username, password, address) else "wrong"
    except SignInRefused:
        return "refused"


def test_concurrent_guesses_cannot_pass_the_limit_together(redis_url):
    async def scenario():
        redis, door, pool, username = await _setup(redis_url)
        address = f"198.51.100.{uuid.uuid4().int % 250}"
        results = await asyncio.gather(*(_try(door, username, f"guess {i}", address) for i in range(18)))
        assert results.count("wrong") == signin.PAIR_FAILURES
        assert pool.checks == signin.PAIR_FAILURES  # the others never reached argon2
        assert results.count("refused") == 18 - signin.PAIR_FAILURES
        assert await _try(door, username, PASSWORD, address) == "refused"  # even the right one, from there
        pool.close()
        await redis.aclose()

    run(scenario())


def test_an_attacker_elsewhere_cannot_lock_the_operator_out(redis_url):
    async def scenario():
        redis, door, pool, username = await _setup(redis_url)
        attacker, operator = "203.0.113.7", "192.0.2.10"
        for i in range(signin.PAIR_FAILURES + 3):
            await _try(door, username, f"guess {i}", attacker)
        assert await _try(door, username, PASSWORD, attacker) == "refused"
        assert await _try(door, username, PASSWORD, operator) == "in"
        pool.close()
        await redis.aclose()

    run(scenario())


def test_one_address_cannot_spray_usernames_and_a_right_password_starts_afresh(redis_url):
    async def scenario():
        redis, door, pool, username = await _setup(redis_url)
        address = f"198.18.{uuid.uuid4().int % 250}.1"
        for _ in range(signin.PAIR_FAILURES - 1):  # one short of the pair's limit
            assert await _try(door, username, "wrong", address) == "wrong"
        assert await _try(door, username, PASSWORD, address) == "in"
        assert await _try(door, username, "wrong", address) == "wrong"  # the pair was cleared
        # Counting those (each failure stays counted for the address), spray other usernames.
        outcomes = [await _try(door, f"nobody-{i}", "wrong", address) for i in range(signin.ADDRESS_FAILURES)]
        assert outcomes.count("wrong") == signin.ADDRESS_FAILURES - signin.PAIR_FAILURES
        assert outcomes[-1] == "refused"
        pool.close()
        await redis.aclose()

    run(scenario())


def test_a_full_pool_refuses_at_once_and_counts_against_no_one(redis_url):
    async def scenario():
        redis, door, pool, username = await _setup(redis_url, workers=1, queue=1)
        addresses = [f"100.64.{i}.{uuid.uuid4().int % 250}" for i in range(6)]
        results = await asyncio.gather(*(_try(door, username, "wrong", a) for a in addresses))
        assert results.count("refused") >= 3 and pool.checks <= 2  # one hashing, one waiting
        # A refused attempt was not counted: its address still has its whole allowance.
        refused = addresses[results.index("refused")]
        door.pool = CountingPool(2, 64)
        for _ in range(signin.PAIR_FAILURES):
            assert await _try(door, username, "wrong", refused) == "wrong"
        pool.close()
        await redis.aclose()

    run(scenario())


def test_hashing_runs_at_the_lowest_priority_and_the_caller_keeps_its_own():
    """A hash under a flood waits for the webhooks' event loop, not the other way round."""

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def scenario():
        pool = PasswordPool(1, 1)
        own = niceness()
        assert await pool.run(niceness) == signin.HASHING_NICENESS > own
        assert niceness() == own
        pool.close()

    run(scenario())
