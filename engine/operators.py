"""Operators: the people at partner organisations who answer handovers. Accounts, sign-in,
sessions, who sees what, and the per-operator rate limit.

Redis keys:
  remi:operator:<username>             the account (hash): role, team, organisation, argon2 hash
  remi:session:<sha256 of token>       a bearer token or console session: username, csrf; expires
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
from engine.storage import Fields, as_text, text_fields

ROLES = ("operator", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current parameters
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
        if not USERNAME.match(username or ""):
            return None
        raw = await self.redis.hgetall(self.key(username))
        if not raw or b"role" not in raw:
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
        return token, Session(operator, csrf, expires)

    async def session(self, token: str | None, kind: str) -> Session | None:
        """The live session of a token of this kind, with the operator as the account says now
        (a changed role or team applies at once)."""
        if not token or len(token) > 200:
            return None
        raw = await self.redis.hgetall(keys.SESSION.key(_digest(token)))
        if not raw or as_text(raw.get(b"kind", b"")) != kind:
            return None
        operator = await self.get(as_text(raw[b"username"]))
        if operator is None:
            return None
        return Session(operator, as_text(raw[b"csrf"]), float(raw[b"expires_at"]))

    async def close_session(self, token: str) -> None:
        await self.redis.delete(keys.SESSION.key(_digest(token)))

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
