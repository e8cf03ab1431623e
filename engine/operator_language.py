"""The language an operator's console speaks (fr, ha or en; French by default), saved with their
account: a field of the operator's record (remi:operator:<username>), so it follows them from
one laptop to another. The console's pages carry it in a cookie between requests (api/routes/
console.py), set from here at sign-in and whenever the operator switches."""

from __future__ import annotations

from redis.asyncio import Redis

from engine import keys
from engine.storage import as_text
from remi.i18n import LANGUAGES

DEFAULT = "fr"


def valid(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


async def get(redis: Redis, username: str) -> str:
    return valid(as_text(await redis.hget(keys.OPERATOR.key(username), "language") or b"") or None)


async def save(redis: Redis, username: str, lang: str) -> str:
    lang = valid(lang)
    if await redis.exists(keys.OPERATOR.key(username)):  # never create a record for a name
        await redis.hset(keys.OPERATOR.key(username), "language", lang)
    return lang
