"""The Redis connection every part of the API uses, with short timeouts: when Redis is gone a
webhook must answer 5xx within a few seconds (Twilio gives up after 15), so that Twilio
retries; and the worker must notice, wait and carry on when Redis comes back."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ReadOnlyError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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
