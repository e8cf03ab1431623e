"""Replies sent to the phone through the official Twilio SDK (Messages API), on the channel
the person wrote from, retried on 429/5xx with backoff, never sent twice.

Each outgoing message is recorded before it is sent (remi:out:<id>), so a crash between the
record and Twilio's answer leaves it "sending" (visible, not resent: Twilio's API has no
idempotency key, and a duplicate is worse than a visible failure). After the last try a
message is "failed" and listed in remi:outbound:failed for supervisors.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import aiohttp
from redis.asyncio import Redis
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from api.config import Settings
from api.identity import Contact
from remi import sms

log = logging.getLogger("remi.outbox")
# The SDK logs request parameters at INFO, and they include the phone number.
logging.getLogger("twilio").setLevel(logging.WARNING)

RETRYABLE = {429, 500, 502, 503, 504}


class Outbox:
    def __init__(self, settings: Settings, redis: Redis):
        self.settings, self.redis = settings, redis
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=AsyncTwilioHttpClient(timeout=15))
        # TWILIO_API_BASE_URL lets tests, the phone simulator and the benchmark stand in for Twilio.
        self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self.status_callback = settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"

    def _from(self, contact: Contact) -> str:
        return self.settings.twilio_whatsapp_from if contact.channel == "whatsapp" else self.settings.twilio_sms_from

    async def send(self, sender: str, contact: Contact, body: str, ref: str) -> str:
        """Send one message; returns its final local status. `ref` (inbound sid + index) makes
        the record idempotent: a send already attempted is never attempted again."""
        key = f"remi:out:{ref}"
        ttl = self.settings.retention_days * 86400
        created = await self.redis.hsetnx(key, "status", "sending")
        if not created:
            return (await self.redis.hget(key, "status") or b"").decode()
        segs = sms.segments(body).count if contact.channel == "sms" else 0
        await self.redis.hset(key, mapping={"sender": sender, "channel": contact.channel, "created_at": time.time(),
                                            "segments": segs, "attempts": 0})
        await self.redis.expire(key, ttl)
        delay = self.settings.send_backoff_seconds
        for attempt in range(1, self.settings.send_max_attempts + 1):
            await self.redis.hset(key, "attempts", attempt)
            try:
                message = await self.client.messages.create_async(
                    to=contact.address, from_=self._from(contact), body=body, status_callback=self.status_callback)
            except TwilioRestException as exc:
                if exc.status not in RETRYABLE:
                    return await self._failed(key, f"twilio {exc.status} {exc.code}")
                reason = f"twilio {exc.status}"
            except aiohttp.ClientConnectionError as exc:
                # Refused or reset before Twilio answered: nothing was accepted, safe to retry.
                reason = type(exc).__name__
            except asyncio.TimeoutError:
                # Twilio may have accepted it: retrying could send it twice.
                await self.redis.hset(key, "status", "unknown")
                await self.redis.lpush("remi:outbound:failed", ref)
                log.warning("send %s timed out: not retried, marked unknown", ref)
                return "unknown"
            else:
                await self.redis.hset(key, mapping={"status": message.status or "queued", "twilio_sid": message.sid})
                await self.redis.set(f"remi:twilio:{message.sid}", ref, ex=ttl)
                return message.status or "queued"
            log.info("send %s attempt %d failed (%s), retrying in %.1fs", ref, attempt, reason, delay)
            await asyncio.sleep(delay)
            delay *= 2
        return await self._failed(key, "gave up after retries")

    async def _failed(self, key: str, reason: str) -> str:
        await self.redis.hset(key, mapping={"status": "failed", "error": reason})
        await self.redis.lpush("remi:outbound:failed", key.removeprefix("remi:out:"))
        log.warning("send %s failed: %s", key.removeprefix("remi:out:"), reason)
        return "failed"

    async def delivery_status(self, twilio_sid: str, status: str, error_code: str | None) -> bool:
        """Record a status callback; False when the message is not one of ours."""
        ref = await self.redis.get(f"remi:twilio:{twilio_sid}")
        if not ref:
            return False
        fields = {"status": status, "status_at": time.time()}
        if error_code:
            fields["error"] = f"twilio {error_code}"
        await self.redis.hset(f"remi:out:{ref.decode()}", mapping=fields)
        return True

    @staticmethod
    def new_ref() -> str:
        return uuid.uuid4().hex

    async def aclose(self) -> None:
        await self.client.http_client.close()
