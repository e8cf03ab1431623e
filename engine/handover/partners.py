"""Partner webhooks: an organisation with its own case-management system registers a URL, and
each referral of its teams and each change of its status is POSTed there as JSON.

Signed: `X-Remi-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>` with
`X-Remi-Timestamp` (Unix seconds, so a receiver can refuse old replays); `X-Remi-Delivery` is
the same on every try of one event, so a receiver can drop a repeat. Payloads carry the
referral's routing facts only (id, category, city, language, priority, status, team), never a
phone number, the sender's hash or anything the person wrote.

Deliveries never hold up a conversation: events are queued in Redis and sent by a background
task of the worker process, retried with doubling back-off, and after the last try kept in
remi:webhooks:dead for an administrator. Several worker processes may run the task: a job is
leased before it is sent, and a lease left by a crashed process runs out and the job is tried
again (so delivery is at least once; the delivery id makes it once for the receiver).

Redis keys:
  remi:partner:<organisation>   url and the secret (encrypted with CONTACT_ENCRYPTION_KEY)
  remi:webhook:<delivery id>    one event for one organisation: body, attempts, last error
  remi:webhooks:due             delivery ids by the time of their next try (sorted set)
  remi:webhooks:dead            delivery ids given up on, newest first
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from urllib.parse import urlparse

import httpx
from cryptography.fernet import InvalidToken
from redis.asyncio import Redis

from engine import keys
from engine.handover.addresses import AddressRefused, Resolver, host_problem, pinned, system_resolver
from engine.identity import sealing_keys
from engine.storage import as_text, text_fields

log = logging.getLogger("remi.partners")

LEASE_SECONDS = 60
# What a supervisor reads of a failed try, whatever the cause: a refused address, a closed port,
# a timeout and an error status read the same, so the list cannot be used to map a network
# (the cause is in the log).
NOT_DELIVERED = "not delivered: the partner's address refused, did not answer or did not accept it"
DEAD_KEPT = 1000
_LEASE = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_url(url: str, production: bool) -> str | None:
    """Why a webhook URL is refused, or None."""
    try:
        parsed = urlparse(url)
        host = parsed.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if not host or parsed.scheme not in ("https", "http") or any(c.isspace() for c in url):
        return "the URL must be http(s)://host/..."
    if production and parsed.scheme != "https":
        return "the URL must use https"
    problem = host_problem(host) if production else None
    if problem:
        return problem
    if parsed.username or parsed.password:
        return "put no credentials in the URL: the signature authenticates the service"
    return None


class Partners:
    def __init__(
        self,
        redis: Redis,
        encryption_key: str,
        retention_seconds: int,
        max_attempts: int,
        backoff_seconds: float,
        timeout_seconds: float,
        production: bool = False,
        resolve: Resolver = system_resolver,
    ):
        # Outside production (the demo, the tests' stand-ins on this machine) addresses are not
        # checked at delivery; in production every delivery is (engine/handover/addresses.py).
        self.production, self.resolve = production, resolve
        self.redis, self.ttl = redis, retention_seconds
        self.fernet = sealing_keys(encryption_key)
        self.max_attempts, self.backoff, self.timeout = max_attempts, backoff_seconds, timeout_seconds
        self._lease = redis.register_script(_LEASE)

    # -- registration ----------------------------------------------------------------------
    async def register(self, organisation: str, url: str, secret: str | None, by: str) -> str:
        """Set the organisation's webhook; returns the secret (generated when none is given)."""
        secret = secret or secrets.token_urlsafe(32)
        await self.redis.hset(
            keys.PARTNER.key(organisation),
            mapping={
                "url": url,
                "secret": self.fernet.encrypt(secret.encode()),
                "updated_at": f"{time.time():.0f}",
                "updated_by": by,
            },
        )
        return secret

    async def webhook(self, organisation: str) -> dict | None:
        raw = await self.redis.hgetall(keys.PARTNER.key(organisation))
        if not raw:
            return None
        return {
            "organisation": organisation,
            "url": as_text(raw[b"url"]),
            "updated_at": float(raw[b"updated_at"]),
            "updated_by": as_text(raw[b"updated_by"]),
        }

    async def remove(self, organisation: str) -> bool:
        return bool(await self.redis.delete(keys.PARTNER.key(organisation)))

    # -- events ----------------------------------------------------------------------------
    async def notify(self, organisation: str, event: str, referral: dict, **extra) -> str | None:
        """Queue one event for the organisation's webhook (none registered: nothing to do)."""
        if not await self.redis.exists(keys.PARTNER.key(organisation)):
            return None
        delivery = secrets.token_hex(12)
        body = json.dumps(
            {"event": event, "delivery": delivery, "occurred_at": time.time(), "referral": referral} | extra,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        key = keys.WEBHOOK.key(delivery)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "organisation": organisation,
                    "event": event,
                    "body": body,
                    "attempts": 0,
                    "created_at": f"{time.time():.3f}",
                    "status": "queued",
                },
            )
            pipe.expire(key, self.ttl)
            pipe.zadd(keys.WEBHOOKS_DUE.key(), {delivery: time.time()})
            await pipe.execute()
        return delivery

    async def dead_letters(self, organisation: str | None = None, count: int = 100) -> list[dict]:
        found = []
        for raw_id in await self.redis.lrange(keys.WEBHOOKS_DEAD.key(), 0, DEAD_KEPT):
            raw = await self.redis.hgetall(keys.WEBHOOK.key(as_text(raw_id)))
            if not raw:
                continue
            job = text_fields(raw)
            if organisation and job["organisation"] != organisation:
                continue
            found.append(
                {
                    "delivery": as_text(raw_id),
                    "organisation": job["organisation"],
                    "event": job["event"],
                    "attempts": int(job["attempts"]),
                    "last_error": job.get("last_error", ""),
                    "created_at": float(job["created_at"]),
                }
            )
            if len(found) >= count:
                break
        return found

    # -- delivery --------------------------------------------------------------------------
    async def deliver_due(self, http: httpx.AsyncClient) -> int:
        """Send every job whose time has come; returns how many were tried."""
        now = time.time()
        due = await self.redis.zrangebyscore(keys.WEBHOOKS_DUE.key(), "-inf", now, start=0, num=20)
        leased = [
            as_text(d)
            for d in due
            if await self._lease(keys=[keys.WEBHOOKS_DUE.key()], args=[as_text(d), now, now + LEASE_SECONDS])
        ]
        await asyncio.gather(*(self._deliver(http, delivery) for delivery in leased))
        return len(leased)

    async def _deliver(self, http: httpx.AsyncClient, delivery: str) -> None:
        key = keys.WEBHOOK.key(delivery)
        raw = await self.redis.hgetall(key)
        if not raw:
            await self.redis.zrem(keys.WEBHOOKS_DUE.key(), delivery)
            return
        job = text_fields(raw)
        attempt = int(job["attempts"]) + 1
        error = await self._post(http, job)
        if error is None:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrem(keys.WEBHOOKS_DUE.key(), delivery)
                pipe.hset(
                    key, mapping={"attempts": attempt, "status": "delivered", "delivered_at": f"{time.time():.3f}"}
                )
                await pipe.execute()
            return
        log.info("webhook %s to %s: try %d failed (%s)", delivery, job["organisation"], attempt, error)
        if attempt >= self.max_attempts:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrem(keys.WEBHOOKS_DUE.key(), delivery)
                pipe.hset(key, mapping={"attempts": attempt, "status": "dead", "last_error": error})
                pipe.lpush(keys.WEBHOOKS_DEAD.key(), delivery)
                pipe.ltrim(keys.WEBHOOKS_DEAD.key(), 0, DEAD_KEPT - 1)
                await pipe.execute()
            log.warning(
                "webhook %s to %s: gave up after %d tries, in the dead-letter list",
                delivery,
                job["organisation"],
                attempt,
            )
            return
        wait = self.backoff * 2 ** (attempt - 1) * random.uniform(0.9, 1.1)  # jitter: retries do not bunch
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"attempts": attempt, "last_error": error})
            pipe.zadd(keys.WEBHOOKS_DUE.key(), {delivery: time.time() + wait})
            await pipe.execute()

    async def _post(self, http: httpx.AsyncClient, job: dict) -> str | None:
        """None when the partner took it (2xx), else what a supervisor may read of why not."""
        raw = await self.redis.hgetall(keys.PARTNER.key(job["organisation"]))
        if not raw:
            return "no webhook registered any more"
        try:
            secret = self.fernet.decrypt(raw[b"secret"]).decode()
        except InvalidToken:
            return "the stored secret cannot be read (encryption key changed?): register the webhook again"
        body, timestamp = job["body"].encode(), str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "remi-webhooks/1",
            "X-Remi-Event": job["event"],
            "X-Remi-Delivery": json.loads(body)["delivery"],
            "X-Remi-Timestamp": timestamp,
            "X-Remi-Signature": signature(secret, timestamp, body),
        }
        url, extensions = as_text(raw[b"url"]), {}
        try:
            if self.production:  # checked now, connected to as checked (engine/handover/addresses.py)
                target = await pinned(url, self.resolve)
                url, headers, extensions = target.url, headers | target.headers, target.extensions
            response = await http.post(url, content=body, headers=headers, timeout=self.timeout, extensions=extensions)
        except AddressRefused as exc:
            log.info("webhook to %s: address refused (%s)", job["organisation"], exc)
            return NOT_DELIVERED
        except Exception as exc:  # whatever stops the POST (refused, timed out, a bad URL) is a failed try
            log.info("webhook to %s: %s", job["organisation"], type(exc).__name__)
            return NOT_DELIVERED
        if 200 <= response.status_code < 300:
            return None
        log.info("webhook to %s: HTTP %d", job["organisation"], response.status_code)
        return NOT_DELIVERED

    @staticmethod
    def http_client() -> httpx.AsyncClient:
        """The client deliveries go through. No redirect is followed (a partner's address could
        send the POST inside our network). No connection is kept: the pool knows a connection by
        its address only, and two partners' names may share one address, so a connection made
        and checked for one name must not carry another's delivery."""
        return httpx.AsyncClient(follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0))

    async def run(self, stopping: asyncio.Event, interval: float = 0.5) -> None:
        async with self.http_client() as http:
            while not stopping.is_set():
                try:
                    await self.deliver_due(http)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # Redis away, a partner misbehaving: keep the loop alive
                    log.warning("webhook deliveries: %s", type(exc).__name__)
                await asyncio.sleep(interval)
