"""The Redis connection every part of the API uses, with short timeouts: when Redis is gone a
webhook must answer 5xx within a few seconds (Twilio gives up after 15), so that Twilio
retries; and the worker must notice, wait and carry on when Redis comes back."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

SOCKET_TIMEOUT = 2.0  # longer than the worker's BLPOP timeout (1 s)


def connect(url: str) -> Redis:
    # One quick retry only: a command against a dead server fails in about 2 × the timeouts.
    return Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=1, health_check_interval=10,
                          retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1))
