"""Signing in, the one public door that costs CPU: a password check is argon2 (64 MiB, about
0.1 s of a core), on the same process that acknowledges Twilio and runs the worker. So that
nobody on the internet can starve the webhooks or guess passwords, every attempt goes through:

1. the limits, reserved atomically in Redis before any hash is computed (one Lua script: N
   concurrent guesses cannot all pass a check made before the first of them is counted):
   - per (username, address): PAIR_FAILURES failures in WINDOW, then that address waits;
   - per address, whatever the username: ADDRESS_FAILURES in WINDOW (one address trying many
     usernames);
   - for everyone: GLOBAL_PER_SECOND attempts a second (many addresses at once).
   There is no lock-out per username alone: an attacker elsewhere cannot keep a real operator,
   signing in from their own address, out of the console.
2. a small pool of its own (SIGNIN_WORKERS threads, at most SIGNIN_QUEUE waiting): when it is
   full the attempt is refused at once (429 and Retry-After), never queued without bound. Its
   threads run at the lowest CPU priority (HASHING_NICENESS): on a busy machine a hash waits
   for the webhooks, Rasa and the worker, never the other way round.
3. a right password gives back the attempt's reservation; a wrong one keeps it counted.

Addresses are kept only as a keyed digest (engine/keys.py), never as they are.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from redis.asyncio import Redis

from engine import keys
from engine.operators import Operator, Operators
from remi.i18n import N_

WINDOW = 900  # seconds a failure counts
PAIR_FAILURES = 10  # per username and address in WINDOW
ADDRESS_FAILURES = 30  # per address in WINDOW, any usernames
GLOBAL_PER_SECOND = 20  # attempts a second from everyone: more than the pool can hash anyway
HASHING_NICENESS = 19  # Linux keeps a nice value per thread: only the hashing threads yield

T = TypeVar("T")

# KEYS: pair, address, global second. ARGV: pair limit, address limit, global limit, window.
# Returns 0 (reserved: counted as a failure until refunded) or the seconds to wait.
_RESERVE = """
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if pair >= tonumber(ARGV[1]) then return math.max(1, redis.call('TTL', KEYS[1])) end
if address >= tonumber(ARGV[2]) then return math.max(1, redis.call('TTL', KEYS[2])) end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[3]) then return 1 end
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], 2)
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return 0
"""
# KEYS: pair, address. ARGV[1]: "signed-in" (the pair starts afresh) or "not-tried" (the
# reservation is given back). The address gives back the one attempt either way.
_REFUND = """
if ARGV[1] == 'signed-in' then
  redis.call('DEL', KEYS[1])
elseif tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
"""


class SignInRefused(Exception):
    """Not tried: too many attempts (from this address, for this username from it, or from
    everyone), or the pool is full. `retry_after` in seconds, for the Retry-After header."""

    def __init__(self, retry_after: int, reason: str):
        super().__init__(reason)
        self.retry_after, self.reason = retry_after, reason


class PasswordPool:
    """A bounded pool for password hashing: at most `workers` hashes at once and `queue` waiting."""

    def __init__(self, workers: int, queue: int):
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="signin", initializer=_yield_to_everything_else
        )
        self.capacity = workers + queue
        self.in_flight = 0

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        if self.in_flight >= self.capacity:
            raise SignInRefused(1, N_("sign-in is busy: try again in a second"))
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self.in_flight -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _yield_to_everything_else() -> None:
    """Each hashing thread lowers its own priority (the nice value is per thread on Linux, so the
    event loop that acknowledges Twilio keeps its own)."""
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class SignIn:
    def __init__(self, redis: Redis, operators: Operators, pool: PasswordPool, address_key: str):
        self.redis, self.operators, self.pool = redis, operators, pool
        self._address_key = address_key.encode()  # keys the address digest: a dump does not list addresses
        self._reserve = redis.register_script(_RESERVE)
        self._refund = redis.register_script(_REFUND)

    def _keys(self, username: str, address: str) -> list[str]:
        digest = hashlib.blake2b(
            address.encode(), key=self._address_key[:64], person=b"signin-address", digest_size=12
        ).hexdigest()
        return [
            keys.SIGNIN_FAILURES.key(f"{username[:64]}@{digest}"),
            keys.SIGNIN_ADDRESS.key(digest),
            keys.SIGNIN_ATTEMPTS.key(str(int(time.time()))),
        ]

    async def attempt(self, username: str, password: str, address: str) -> Operator | None:
        """The operator if the password is right, None if not; SignInRefused when not tried."""
        username = (username or "").strip().lower()
        names = self._keys(username, address or "unknown")
        wait = int(await self._reserve(keys=names, args=[PAIR_FAILURES, ADDRESS_FAILURES, GLOBAL_PER_SECOND, WINDOW]))
        if wait:
            raise SignInRefused(wait, N_("too many sign-in attempts: wait and try again"))
        try:
            operator = await self.operators.authenticate(username, password, self.pool.run)
        except SignInRefused:
            await self._refund(keys=names[:2], args=["not-tried"])  # counts against no one
            raise
        if operator is not None:
            await self._refund(keys=names[:2], args=["signed-in"])
        return operator
