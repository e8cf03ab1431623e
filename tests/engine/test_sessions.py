"""Sessions (engine/operators.py): a session past its expires_at is refused even while Redis still
holds it (a restored dump, an expiry that did not run), and a token opens only its own kind."""

from __future__ import annotations

import asyncio
import time
import uuid

from redis.asyncio import Redis

from engine import keys
from engine.operators import Operators, _digest


def test_a_session_past_its_expiry_is_refused_while_its_key_remains(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        operators = Operators(redis, session_seconds=3600)
        username = f"op-{uuid.uuid4().hex[:8]}"
        operator = await operators.add(username, "a long enough password 1", "operator", "hotline", "ngo")
        token, _session = await operators.open_session(operator, "api")
        live = await operators.session(token, "api")
        other_kind = await operators.session(token, "console")
        key = keys.SESSION.key(_digest(token))
        await redis.hset(key, "expires_at", f"{time.time() - 1:.0f}")  # Redis's own TTL still runs
        expired = await operators.session(token, "api")
        still_there = await redis.exists(key)
        await redis.aclose()
        return live, other_kind, expired, still_there

    live, other_kind, expired, still_there = asyncio.run(scenario())
    assert live is not None and other_kind is None
    assert still_there and expired is None
