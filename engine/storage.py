"""The Redis connection every part of the API uses, with short timeouts: when Redis is gone a
webhook must answer 5xx within a few seconds (Twilio gives up after 15), so that Twilio
retries; and the worker must notice, wait and carry on when Redis comes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ReadOnlyError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT

SOCKET_TIMEOUT = 2.0  # longer than the worker's BLPOP timeout (1 s)
# redis-py's pool allows 100 connections by default and then fails at once (MaxConnectionsError,
# so the webhook answers 503). Each idle worker task holds one in BLPOP, so WORKER_CONCURRENCY
# of them plus the webhooks in flight could exceed it (50 people writing at once with 64 worker
# tasks did: docs/benchmarks.md, "System benchmark"). Redis itself accepts 10,000 clients.
MAX_CONNECTIONS = 1000


def connect(url: str) -> Redis:
    # One quick retry only: a command against a dead server fails in about 2 × the timeouts.
    return Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=1,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
        max_connections=MAX_CONNECTIONS,
    )


# Redis answers these while it loads its file, fails over or is full: the same command may pass later.
TRANSIENT_REPLIES = ("LOADING", "READONLY", "MASTERDOWN", "OOM", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN")


def transient(exc: BaseException) -> bool:
    """Whether Redis may take the same command later (away, loading, full, failing over),
    rather than refusing it for good (a wrong type, a script error: retrying changes nothing)."""
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError, BusyLoadingError, ReadOnlyError, OSError)):
        return True
    return isinstance(exc, ResponseError) and str(exc).upper().startswith(TRANSIENT_REPLIES)


# What HSET, XADD and a script's arguments take. A dict is invariant in its keys, so a hash written
# as dict[str, str] is declared as this to be passed as it is.
Fields = dict[EncodableT, EncodableT]
Args = list[EncodableT]
# What HGETALL and a stream entry hold, as redis-py's types say.
HashReply = Mapping[bytes, bytes] | Mapping[bytes | str, bytes | str] | Mapping[str, str]


def as_fields(record: Mapping[str, str]) -> Fields:
    """A record kept as text, as HSET takes it."""
    return {k: v for k, v in record.items()}


# The connection returns bytes (decode_responses is off: some values are binary, such as sealed
# contacts). redis-py's types say "bytes | str", or wider for sorted sets: these name the one
# conversion, so the code reads as text and the type checker knows it.
def as_text(reply: object) -> str:
    """One Redis reply as text."""
    if isinstance(reply, bytes):
        return reply.decode()
    if isinstance(reply, str):
        return reply
    raise TypeError(f"a Redis reply of type {type(reply).__name__} is not text")


def texts(replies: Iterable[object]) -> list[str]:
    """A list, set or sorted-set reply as text, in its order."""
    return [as_text(reply) for reply in replies]


def text_fields(reply: HashReply | None) -> dict[str, str]:
    """A hash (HGETALL) or a stream entry's fields as text; an absent key is an empty dict."""
    return {as_text(k): as_text(v) for k, v in (reply or {}).items()}
