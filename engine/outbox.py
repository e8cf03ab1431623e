"""Replies sent to the phone through the official Twilio SDK (Messages API), on the channel
the person wrote from, retried on 429/5xx with backoff, never sent twice.

Each outgoing message is recorded before it is sent (remi:out:<ref>), so a crash between the
record and Twilio's answer leaves it "sending" (not resent: Twilio's API has no idempotency
key, and a duplicate is worse than a visible failure; the next worker to reach it marks it
"unknown"). What Twilio refused (429/5xx) or never reached (no connection) is retried with
backoff; after the last try a message is "failed". Failed and unknown ones are listed in
remi:outbound:failed for supervisors (GET /supervision/outbound/failed).

SMS bodies are folded to GSM-7 here and only here (SMS_GSM_FOLDING), so that every sender of
a text (the bot, the notices, operators) costs what the renderer measured.

Cost: SMS segments per sender per day are counted (remi:segments:<sender>); past
OUTBOUND_SEGMENTS_PER_SENDER_PER_DAY a reply is not sent ("capped"), unless it answers an
emergency.

Messages the service starts (safety alerts) go through `send_initiated`, the one place that
decides what a WhatsApp recipient outside the 24-hour window gets (WHATSAPP_OUTSIDE_WINDOW: the
approved template, or SMS). A broadcast can afford to ask Twilio, after a crash cut a send
off, whether the message arrived (`confirm_interrupted`), instead of leaving it "unknown".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid

import aiohttp
from redis.asyncio import Redis
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from engine import keys, window
from engine.config import Settings
from engine.identity import Contact
from engine.insight.events import Recorder, send_row
from engine.storage import Args, as_text, text_fields
from remi import sms

log = logging.getLogger("remi.outbox")
# The SDK logs request parameters at INFO, and they include the phone number.
logging.getLogger("twilio").setLevel(logging.WARNING)

RETRYABLE = {429, 500, 502, 503, 504}
WHATSAPP_WINDOW_SECONDS = window.WINDOW_SECONDS  # the rule's owner is engine/window.py
FAILED = keys.FAILED_OUTBOUND.key()
FAILED_KEEP = 10_000

# KEYS: the record, the sender's index of records, the sender's segment counter
# ARGV: ttl, sender, channel, now, segments, ref, day, daily limit (0: none), urgent (1/0)
# Returns "claimed" (go ahead and send), "interrupted" (an attempt was under way when its
# worker stopped: it may have reached Twilio), or the record's status.
_CLAIM = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == false then
  redis.call('HSET', KEYS[1], 'status', 'sending', 'sender', ARGV[2], 'channel', ARGV[3], 'created_at', ARGV[4],
             'segments', ARGV[5], 'attempts', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[6])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  local segments, limit = tonumber(ARGV[5]), tonumber(ARGV[8])
  if segments > 0 then
    local used = redis.call('HINCRBY', KEYS[3], ARGV[7], segments)
    redis.call('EXPIRE', KEYS[3], 172800)
    if limit > 0 and used > limit and ARGV[9] ~= '1' then
      redis.call('HINCRBY', KEYS[3], ARGV[7], -segments)
      redis.call('HSET', KEYS[1], 'status', 'capped')
      return 'capped'
    end
  end
  return 'claimed'
end
if status == 'retrying' then return 'claimed' end
if status == 'sending' then
  if redis.call('HGET', KEYS[1], 'attempts') == '0' then return 'claimed' end
  return 'interrupted'
end
return status
"""

# Only where the record still exists: a status callback must not recreate an erased record.
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""
# A send's record and Twilio's id for it, written only while the record exists: a send in flight
# while its person is erased must not write their keys back (KEYS: record, twilio id key).
_SENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'twilio_sid', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return 1
"""


class TimedTwilioHttpClient(AsyncTwilioHttpClient):
    """The SDK's async client ignores its own timeout (it passes None to aiohttp, which then
    waits forever): apply it to every request."""

    async def request(self, *args, timeout=None, **kwargs):
        return await super().request(*args, timeout=timeout or self.timeout, **kwargs)


class Outbox:
    def __init__(self, settings: Settings, redis: Redis):
        self.settings, self.redis = settings, redis
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TimedTwilioHttpClient(timeout=settings.twilio_timeout_seconds),
        )
        # TWILIO_API_BASE_URL lets tests, the phone simulator and the benchmark stand in for Twilio.
        self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self.status_callback = settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"
        self._claim = redis.register_script(_CLAIM)
        self._update = redis.register_script(_UPDATE)
        self._sent = redis.register_script(_SENT)
        self.insight: Recorder | None = None  # engine/insight/: set by engine/assembly.py

    def _from(self, contact: Contact) -> str:
        return self.settings.twilio_whatsapp_from if contact.channel == "whatsapp" else self.settings.twilio_sms_from

    def initiated_route(self, contact: Contact, last_inbound_at: float, now: float | None = None) -> str:
        """How a message the service starts reaches this person: "sms", "whatsapp" (inside the
        24-hour window), or, outside it, "template" or "sms" as WHATSAPP_OUTSIDE_WINDOW says."""
        if contact.channel != "whatsapp":
            return "sms"
        if window.is_open(contact.channel, last_inbound_at, now):
            return "whatsapp"
        return self.settings.whatsapp_outside_window

    async def send_initiated(
        self, sender: str, contact: Contact, body: str, ref: str, last_inbound_at: float, route: str | None = None
    ) -> str:
        """Send a message nobody asked for just now (a safety alert), by `initiated_route`.
        Interrupted sends are checked with Twilio rather than left unknown; the person's daily
        segment cap (a guard against a conversation's cost) does not apply."""
        route = route or self.initiated_route(contact, last_inbound_at)
        template = None
        if route == "sms" and contact.channel == "whatsapp":
            contact = Contact(contact.address.removeprefix("whatsapp:"), "sms")
        elif route == "template":
            template = (self.settings.whatsapp_alert_template_sid, {"1": body})
        return await self.send(sender, contact, body, ref, urgent=True, template=template, confirm_interrupted=True)

    async def send(
        self,
        sender: str,
        contact: Contact,
        body: str,
        ref: str,
        urgent: bool = False,
        template: tuple[str, dict] | None = None,
        confirm_interrupted: bool = False,
    ) -> str:
        """Send one message; returns its final local status. `ref` (inbound sid + index) makes
        the record idempotent: a send already attempted is never attempted again. `urgent`
        replies (an emergency) are sent past the daily segment cap. `template`: (Content SID,
        variables) of an approved WhatsApp template, sent instead of the body."""
        key = keys.OUT.key(ref)
        ttl = self.settings.retention_days * 86400
        if contact.channel == "sms":
            # Every SMS leaves GSM-7 where that saves segments, whoever wrote it (content, system
            # strings, an operator): a Hausa text with its hooks would otherwise cost twice.
            body = sms.for_sms(body, self.settings.sms_gsm_folding)
        segs = sms.segments(body).count if contact.channel == "sms" else 0
        claim = (
            await self._claim(
                keys=[key, keys.OUTREFS.key(sender), keys.SEGMENTS.key(sender)],
                args=[
                    ttl,
                    sender,
                    contact.channel,
                    time.time(),
                    segs,
                    ref,
                    time.strftime("%Y%m%d", time.gmtime()),
                    self.settings.outbound_segments_per_sender_per_day,
                    int(urgent),
                ],
            )
        ).decode()
        if claim == "capped":
            log.warning("send %s not sent: the sender's daily SMS segments are used up", ref)
            return claim
        if claim == "interrupted":
            if not confirm_interrupted:
                return await self._unknown(key, "interrupted during an attempt")
            found = await self._reached_twilio(key, contact, None if template else body)
            if found is None:
                return await self._unknown(key, "interrupted during an attempt, and Twilio could not be asked")
            if found:
                await self._record_sent(key, found.status or "queued", found.sid, ref, ttl)
                return found.status or "queued"
            claim = "claimed"  # Twilio never got it: send it now
        if claim != "claimed":
            return claim
        delay = self.settings.send_backoff_seconds
        attempts = int(await self.redis.hget(key, "attempts") or 0)
        if attempts == 0 and self.insight is not None:  # a message's first attempt: its cost, once
            self.insight.record("send", send_row(contact.channel, segs, "sent"))
        for attempt in range(attempts + 1, self.settings.send_max_attempts + 1):
            await self._update(keys=[key], args=["status", "sending", "attempts", attempt])
            try:
                if template:
                    message = await self.client.messages.create_async(
                        to=contact.address,
                        from_=self._from(contact),
                        content_sid=template[0],
                        content_variables=json.dumps(template[1]),
                        status_callback=self.status_callback,
                    )
                else:
                    message = await self.client.messages.create_async(
                        to=contact.address, from_=self._from(contact), body=body, status_callback=self.status_callback
                    )
            except TwilioRestException as exc:
                if exc.status not in RETRYABLE:
                    return await self._failed(key, f"twilio {exc.status} {exc.code}")
                reason = f"twilio {exc.status}"
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                # No connection was made: nothing reached Twilio, safe to retry.
                reason = type(exc).__name__
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                # The request may have reached Twilio and been accepted: retrying could send it twice.
                return await self._unknown(key, type(exc).__name__)
            else:
                await self._record_sent(key, message.status or "queued", message.sid, ref, ttl)
                return message.status or "queued"
            await self._update(keys=[key], args=["status", "retrying", "error", reason])
            log.info("send %s attempt %d failed (%s), retrying in %.1fs", ref, attempt, reason, delay)
            await asyncio.sleep(delay)
            delay *= 2
        return await self._failed(key, "gave up after retries")

    async def _record_sent(self, key: str, status: str, twilio_sid: str, ref: str, ttl: int) -> None:
        await self._sent(keys=[key, keys.TWILIO.key(twilio_sid)], args=[status, twilio_sid, ref, ttl])

    async def _reached_twilio(self, key: str, contact: Contact, body: str | None):
        """After a crash cut a send off: the message Twilio has from this attempt (to this address,
        created since the record, with this body), False if none, None if Twilio cannot say."""
        created = float(await self.redis.hget(key, "created_at") or 0)
        since = dt.datetime.fromtimestamp(created - 86400, dt.timezone.utc)
        try:
            messages = await self.client.messages.list_async(to=contact.address, date_sent_after=since, limit=100)
        except (TwilioRestException, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("could not ask Twilio about an interrupted send: %s", type(exc).__name__)
            return None
        for message in messages:
            made = message.date_created.timestamp() if message.date_created else created
            if made >= created - 5 and message.from_ == self._from(contact) and (body is None or message.body == body):
                return message
        return False

    async def _failed(self, key: str, reason: str, status: str = "failed") -> str:
        ref = key.removeprefix(keys.OUT.key(""))
        if await self._update(keys=[key], args=["status", status, "error", reason]):  # not if erased meanwhile
            async with self.redis.pipeline(transaction=True) as pipe:
                self._list_failed(pipe, ref)
                await pipe.execute()
        log.warning("send %s %s: %s", ref, status, reason)
        return status

    def _list_failed(self, pipe, ref: str) -> None:
        """Put a send on the supervisors' list (newest first, capped, expiring like the records)."""
        pipe.lpush(FAILED, ref)
        pipe.ltrim(FAILED, 0, FAILED_KEEP - 1)
        pipe.expire(FAILED, self.settings.retention_days * 86400)

    async def _unknown(self, key: str, reason: str) -> str:
        """Perhaps sent, perhaps not: never retried, shown to supervisors."""
        return await self._failed(key, f"{reason}: not retried, may or may not have been sent", status="unknown")

    async def failed(self, count: int = 100) -> list[dict[str, str | None]]:
        """The latest failed or unknown sends, for supervisors: no number, no text."""
        rows: list[dict[str, str | None]] = []
        for raw in await self.redis.lrange(FAILED, 0, count - 1):
            ref = as_text(raw)
            record = await self.redis.hgetall(keys.OUT.key(ref))
            if record:
                fields = text_fields(record)
                row: dict[str, str | None] = {"ref": ref}
                rows.append(
                    row | {k: fields.get(k) for k in ("status", "error", "sender", "channel", "attempts", "created_at")}
                )
        return rows

    async def delivery_status(self, twilio_sid: str, status: str, error_code: str | None) -> bool:
        """Record a status callback; False when the message is not one of ours."""
        ref = await self.redis.get(keys.TWILIO.key(twilio_sid))
        if not ref:
            return False
        fields: dict[str, str | float] = {"status": status, "status_at": time.time()}
        if error_code:
            fields["error"] = f"twilio {error_code}"
        flat: Args = [x for kv in fields.items() for x in kv]
        if not await self._update(keys=[keys.OUT.key(as_text(ref))], args=flat):
            return False
        if status in ("failed", "undelivered") and self.insight is not None:
            channel = as_text(await self.redis.hget(keys.OUT.key(as_text(ref)), "channel") or b"sms")
            self.insight.record("send", send_row(channel, 0, status))
        if status in ("failed", "undelivered"):  # Twilio or the carrier gave up: supervisors see it
            async with self.redis.pipeline(transaction=True) as pipe:
                self._list_failed(pipe, as_text(ref))
                await pipe.execute()
        return True

    @staticmethod
    def new_ref() -> str:
        return uuid.uuid4().hex

    async def aclose(self) -> None:
        await self.client.http_client.close()
