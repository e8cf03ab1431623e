"""Operators: the people at partner organisations who answer handovers. Accounts, sign-in,
sessions, who sees what, and the per-operator rate limit.

Redis keys:
  remi:operator:<username>             the account (hash): role, team, organisation, argon2 hash
  remi:session:<sha256 of token>       a bearer token or console session: username, csrf; expires
  remi:operator-sessions:<username>    the digests of the operator's sessions (to end them all)
  remi:operator-rate:<username>:<min>  requests in one minute

Tokens are stored hashed, so a copy of Redis gives no working session.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis

from engine import keys
from engine.storage import Fields, as_text, text_fields, texts

# editor: reads the insight pages and marks missed questions; answers and sees no handover.
ROLES = ("operator", "supervisor", "admin", "editor")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10

# argon2id, 64 MiB and 3 passes (RFC 9106's second recommendation) but one lane: with the
# library's 4 lanes one check took both cores of a 2-core server for 0.7 s, so a sign-in flood
# starved the webhooks whatever the pool size (docs/benchmarks.md, "Sign-in flood"). One lane
# bounds a check to one core, and the pool (engine/signin.py) bounds the checks. Hashes made with
# other parameters still verify, and are re-made with these at the next sign-in.
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)
# Verified against when the username does not exist, so timing does not tell who has an account.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

Runner = Callable[..., Awaitable[Any]]


async def _in_thread(work: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(work, *args)


@dataclass(frozen=True)
class Operator:
    username: str
    role: str
    team: str
    organisation: str

    def can_see(self, team: str, organisation: str) -> bool:
        """An operator sees their team's handovers, a supervisor their organisation's, an admin all."""
        if self.role == "admin":
            return True
        if self.role == "supervisor":
            return organisation == self.organisation
        if self.role == "editor":
            return False
        return team == self.team

    @property
    def oversees(self) -> bool:
        return self.role in ("supervisor", "admin")


@dataclass(frozen=True)
class Session:
    operator: Operator
    csrf: str
    expires_at: float


class OperatorExists(ValueError):
    pass


class NoSuchOperator(LookupError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Operators:
    def __init__(self, redis: Redis, session_seconds: int):
        self.redis, self.session_seconds = redis, session_seconds

    @staticmethod
    def key(username: str) -> str:
        return keys.OPERATOR.key(username)

    async def add(self, username: str, password: str, role: str, team: str, organisation: str) -> Operator:
        if not USERNAME.match(username):
            raise ValueError("a username is 2-40 lower-case letters, digits, '.', '-' or '_'")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
        hashed = await asyncio.to_thread(_hasher.hash, password)
        fields: Fields = {
            "username": username,
            "role": role,
            "team": team,
            "organisation": organisation,
            "password": hashed,
            "created_at": f"{time.time():.3f}",
        }
        if not await self.redis.hsetnx(self.key(username), "username", username):
            raise OperatorExists(f"an operator named {username!r} already exists")
        await self.redis.hset(self.key(username), mapping=fields)
        return Operator(username, role, team, organisation)

    async def get(self, username: str) -> Operator | None:
        """The account as it is now; None if there is none or it is disabled (so a disabled
        operator's sign-in fails and every token and session stops on its next request)."""
        if not USERNAME.match(username or ""):
            return None
        raw = await self.redis.hgetall(self.key(username))
        if not raw or b"role" not in raw or raw.get(b"disabled") == b"1":
            return None
        data = text_fields(raw)
        return Operator(data["username"], data["role"], data["team"], data["organisation"])

    async def authenticate(self, username: str, password: str, run: Runner = _in_thread) -> Operator | None:
        """The operator if the password is right. `run` runs the hashing (engine/signin.py gives
        its bounded pool; the limits on attempts are also there)."""
        username = (username or "").strip().lower()
        stored = await self.redis.hget(self.key(username), "password") if USERNAME.match(username) else None
        ok = await run(self._verify, as_text(stored) if stored else _DUMMY_HASH, password or "")
        if ok and stored:
            if _hasher.check_needs_rehash(as_text(stored)):
                await self.redis.hset(self.key(username), "password", await run(_hasher.hash, password))
            return await self.get(username)
        return None

    @staticmethod
    def _verify(hashed: str, password: str) -> bool:
        try:
            return _hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- sessions --------------------------------------------------------------------------
    async def open_session(self, operator: Operator, kind: str) -> tuple[str, Session]:
        """A new bearer token ("api") or console session ("console"): the token is returned
        once and only its hash is kept."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = time.time() + self.session_seconds
        await self.redis.hset(
            keys.SESSION.key(_digest(token)),
            mapping={"username": operator.username, "csrf": csrf, "kind": kind, "expires_at": f"{expires:.0f}"},
        )
        await self.redis.expire(keys.SESSION.key(_digest(token)), self.session_seconds)
        # The operator's sessions, so that disabling or a new password ends them all at once.
        of = keys.OPERATOR_SESSIONS.key(operator.username)
        await self.redis.sadd(of, _digest(token))
        await self.redis.expire(of, self.session_seconds)
        return token, Session(operator, csrf, expires)

    async def session(self, token: str | None, kind: str) -> Session | None:
        """The live session of a token of this kind, with the operator as the account says now
        (a changed role or team applies at once)."""
        if not token or len(token) > 200:
            return None
        raw = await self.redis.hgetall(keys.SESSION.key(_digest(token)))
        if not raw or as_text(raw.get(b"kind", b"")) != kind:
            return None
        if float(raw.get(b"expires_at", b"0")) < time.time():  # Redis's expiry is the backstop
            return None
        operator = await self.get(as_text(raw[b"username"]))
        if operator is None:
            return None
        return Session(operator, as_text(raw[b"csrf"]), float(raw[b"expires_at"]))

    async def close_session(self, token: str) -> None:
        await self.redis.delete(keys.SESSION.key(_digest(token)))

    # -- administration (`remi operators ...`, /api/v1/admin/operators) ------------------------
    async def accounts(self) -> list[dict[str, str]]:
        """Every account, without its password hash: username, role, team, organisation,
        created_at, disabled ("1" or "0")."""
        rows = []
        async for key in self.redis.scan_iter(match=keys.OPERATOR.glob(), count=500):
            fields = text_fields(await self.redis.hgetall(key))
            if "role" in fields:
                fields.pop("password", None)
                rows.append(fields | {"disabled": fields.get("disabled", "0")})
        return sorted(rows, key=lambda row: row["username"])

    async def _exists(self, username: str) -> None:
        if not USERNAME.match(username or "") or not await self.redis.hexists(self.key(username), "role"):
            raise NoSuchOperator(f"no operator named {username!r}")

    async def revoke(self, username: str) -> int:
        """End every token and console session of the operator; how many there were. An account
        that does not exist is NoSuchOperator, as for every other change (not "0 ended")."""
        await self._exists(username)
        return await self._end_sessions(username)

    async def _end_sessions(self, username: str) -> int:
        of = keys.OPERATOR_SESSIONS.key(username)
        digests = texts(await self.redis.smembers(of))
        async with self.redis.pipeline(transaction=True) as pipe:
            for digest in digests:
                pipe.delete(keys.SESSION.key(digest))
            pipe.delete(of)
            results = await pipe.execute()
        return sum(results[:-1])

    async def disable(self, username: str) -> int:
        await self._exists(username)
        await self.redis.hset(self.key(username), "disabled", "1")
        return await self._end_sessions(username)

    async def enable(self, username: str) -> None:
        await self._exists(username)
        await self.redis.hset(self.key(username), "disabled", "0")

    async def reset_password(self, username: str, password: str) -> int:
        """A new password; every session opened with the old one ends."""
        await self._exists(username)
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
        await self.redis.hset(self.key(username), "password", await asyncio.to_thread(_hasher.hash, password))
        return await self._end_sessions(username)

    async def remove(self, username: str) -> None:
        await self._exists(username)
        await self._end_sessions(username)
        await self.redis.delete(self.key(username))

    # -- rate limit ------------------------------------------------------------------------
    async def within_rate(self, username: str, per_minute: int) -> int:
        """0 when the request may go on, else the seconds until the next minute (Retry-After)."""
        now = time.time()
        minute = int(now // 60)
        key = keys.OPERATOR_RATE.key(f"{username}:{minute}")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        return 0 if count <= per_minute else max(1, int((minute + 1) * 60 - now))
