"""Inbound messages, stored before Twilio is answered, each once, queued per sender.

Redis keys (every one named by a MessageSid or a sender's keyed hash, never a number):
  remi:seen:<MessageSid>      dedupe marker: a second delivery of the same message is dropped
  remi:msg:<MessageSid>       the message (hash): sender, channel, body, media, location, state
  remi:contact:<sender>       the encrypted contact record (the only place the number is)
  remi:inbox:<sender>         that sender's message ids, oldest first
  remi:sids:<sender>          that sender's MessageSids (what erasure deletes)
  remi:rate:<sender>          that sender's messages of the last minute (sorted set, for the limit)
  remi:pending                senders with messages waiting (for recovery after a crash)
  remi:ready                  senders to pick up: a sorted set, each sender once, emergencies
                              first (score: arrival in ms, minus URGENT_LEAD for an emergency)
  remi:waiting                messages waiting, all senders together (for the global cap)
  remi:busy:<sender>          the sender was told "we are busy" (at most once an hour)

One Lua script does the dedupe, the rate limit and all the writes, so a message is either
wholly stored and queued, or not at all (and Twilio, seeing a 5xx, delivers it again). The
script touches several keys: on Redis Cluster they would need one hash tag (docs/deployment.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlparse

from redis.asyncio import Redis

from engine import keys
from engine.identity import Contact, ContactCipher, channel_of, sender_id
from engine.storage import Args, text_fields
from engine.window import Window
from remi import keywords
from remi.language.danger import in_danger

TWILIO_MEDIA_HOSTS = ("api.twilio.com", "media.twiliocdn.com")

STORED, DUPLICATE, THROTTLED, BUSY = "stored", "duplicate", "throttled", "busy"
URGENT_LEAD_MS = 10**13  # an emergency's sender goes before every other waiting sender
BUSY_NOTICE_SECONDS = 3600

# KEYS: seen, msg, inbox, pending, ready, contact, sids, rate, waiting, busy
# ARGV: ttl, sender, sid, sealed contact, now (ms), limit per minute (0: none), urgent (1/0),
#       cap on waiting messages (0: none), fields...
# A message over the sender's limit is marked seen (so a re-delivery stays dropped) and
# nothing else: acknowledged, not stored, not answered. Urgent ones always pass.
# Over the global cap a message is still stored and queued (never dropped); the answer is 3 when
# the sender should be told "we are busy, your message is kept" (once an hour), else 1.
_STORE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) == false then return 0 end
local limit, now = tonumber(ARGV[6]), tonumber(ARGV[5])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now - 60000)
  if ARGV[7] ~= '1' and redis.call('ZCARD', KEYS[8]) >= limit then return 2 end
  redis.call('ZADD', KEYS[8], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[8], 60000)
end
local t = redis.call('TIME')
redis.call('HSET', KEYS[2], 'queued_at', t[1] .. '.' .. string.format('%06d', tonumber(t[2])), unpack(ARGV, 9))
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('SET', KEYS[6], ARGV[4], 'EX', ARGV[1])
redis.call('SADD', KEYS[7], ARGV[3])
redis.call('EXPIRE', KEYS[7], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[5], 'LT', now - URGENT_LEAD_MS, ARGV[2])
else
  redis.call('ZADD', KEYS[5], 'NX', now, ARGV[2])
end
local waiting, cap = redis.call('INCR', KEYS[9]), tonumber(ARGV[8])
if cap > 0 and waiting > cap and ARGV[7] ~= '1' then
  if redis.call('SET', KEYS[10], '1', 'NX', 'EX', BUSY_NOTICE_SECONDS) then return 3 end
end
return 1
""".replace("URGENT_LEAD_MS", str(URGENT_LEAD_MS)).replace("BUSY_NOTICE_SECONDS", str(BUSY_NOTICE_SECONDS))


def media_redirect_allowed(url: str) -> bool:
    """Where Twilio's media may redirect to: its own hosts and its CDN, over HTTPS."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    return parsed.scheme == "https" and (host in TWILIO_MEDIA_HOSTS or host.endswith(".twiliocdn.com"))


def is_twilio_media(url: str) -> bool:
    """Media are fetched only from Twilio's own hosts, over HTTPS: a MediaUrl pointing
    anywhere else is recorded as refused and never fetched."""
    parsed = urlparse(url)
    return parsed.scheme == "https" and (parsed.hostname or "") in TWILIO_MEDIA_HOSTS


@dataclass
class InboundMessage:
    sid: str
    sender: str  # keyed hash of the number
    channel: str  # "sms" | "whatsapp"
    body: str
    received_at: float
    media: list[dict] = field(default_factory=list)  # [{"url", "type"}], Twilio-hosted only
    media_refused: int = 0
    latitude: float | None = None
    longitude: float | None = None
    opt_out_type: str | None = None  # Twilio's OptOutType: STOP, START, HELP

    @property
    def urgent(self) -> bool:
        """Never held back by the rate limit: words of danger, and opting out (carriers require it)."""
        return bool(self.opt_out_type) or in_danger(self.body) or keywords.keyword_of(self.body) == "stop"

    @classmethod
    def from_twilio(cls, form: dict[str, str], hash_key: str) -> tuple[InboundMessage, Contact]:
        """Build from Twilio's webhook form; raises ValueError with a clear reason."""
        sid, address = form.get("MessageSid") or form.get("SmsMessageSid"), form.get("From")
        if not sid or not address:
            raise ValueError("MessageSid and From are required")
        if len(sid) > 64 or not sid.isascii() or not sid.isalnum():
            raise ValueError("MessageSid is not a Twilio message id")
        media, refused = [], 0
        try:
            count = min(int(form.get("NumMedia") or 0), 10)
        except ValueError:
            count = 0
        for i in range(count):
            url = form.get(f"MediaUrl{i}", "")
            if is_twilio_media(url):
                media.append({"url": url, "type": form.get(f"MediaContentType{i}", "")[:100]})
            elif url:
                refused += 1

        def coordinate(name: str, limit: float) -> float | None:
            try:
                value = float(form.get(name, ""))
            except ValueError:
                return None
            return value if -limit <= value <= limit else None

        message = cls(
            sid=sid,
            sender=sender_id(address, hash_key),
            channel=channel_of(address),
            body=(form.get("Body") or "")[:4096],
            received_at=time.time(),
            media=media,
            media_refused=refused,
            latitude=coordinate("Latitude", 90),
            longitude=coordinate("Longitude", 180),
            opt_out_type=(form.get("OptOutType") or "").upper() or None,
        )
        return message, Contact(address=address, channel=message.channel)

    def to_fields(self) -> dict[str, str]:  # "queued_at" is added by the store script (Redis's clock)
        data = asdict(self)
        data["media"] = json.dumps(self.media)
        return {k: "" if v is None else str(v) for k, v in data.items()} | {"state": "received"}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> InboundMessage:
        def num(name):
            return float(fields[name]) if fields.get(name) else None

        return cls(
            sid=fields["sid"],
            sender=fields["sender"],
            channel=fields["channel"],
            body=fields.get("body", ""),
            received_at=float(fields["received_at"]),
            media=json.loads(fields.get("media") or "[]"),
            media_refused=int(fields.get("media_refused") or 0),
            latitude=num("latitude"),
            longitude=num("longitude"),
            opt_out_type=fields.get("opt_out_type") or None,
        )


class Inbox:
    def __init__(
        self, redis: Redis, cipher: ContactCipher, retention_seconds: int, per_minute: int = 0, max_waiting: int = 0
    ):
        self.redis, self.cipher, self.ttl, self.per_minute = redis, cipher, retention_seconds, per_minute
        self.max_waiting = max_waiting
        self._store = redis.register_script(_STORE)

    async def store(self, message: InboundMessage, contact: Contact, received_ms: int | None = None) -> str:
        """Store and queue the message: STORED, DUPLICATE (this MessageSid was seen before) or
        THROTTLED (over the sender's limit per minute: acknowledged, never answered), or BUSY
        (stored and queued, over the cap on waiting messages: the sender is to be told, once).
        `received_ms`: when it arrived, if not now (a message replayed from the spool counts
        against the limit of the minute it was sent in, not of the replay)."""
        fields = message.to_fields()
        flat = [x for kv in fields.items() for x in kv]
        s = message.sender
        names = [
            keys.SEEN.key(message.sid),
            keys.MESSAGE_RECORD.key(message.sid),
            keys.INBOX.key(s),
            keys.PENDING.key(),
            keys.READY.key(),
            keys.CONTACT.key(s),
            keys.SIDS.key(s),
            keys.RATE.key(s),
            keys.WAITING.key(),
            keys.BUSY.key(s),
        ]
        args: Args = [
            self.ttl,
            s,
            message.sid,
            self.cipher.seal(contact),
            received_ms or int(time.time() * 1000),
            self.per_minute,
            int(message.urgent),
            self.max_waiting,
            *flat,
        ]
        outcome = {0: DUPLICATE, 1: STORED, 2: THROTTLED, 3: BUSY}[int(await self._store(keys=names, args=args))]
        if outcome in (STORED, BUSY):  # the person wrote: WhatsApp's 24-hour window (re)opens
            await Window(self.redis).seen(s, (received_ms / 1000) if received_ms else None)
        return outcome

    async def contact(self, sender: str) -> Contact | None:
        token = await self.redis.get(keys.CONTACT.key(sender))
        return self.cipher.open(token) if token else None

    async def message(self, sid: str) -> InboundMessage | None:
        fields = await self.redis.hgetall(keys.MESSAGE_RECORD.key(sid))
        return InboundMessage.from_fields(text_fields(fields)) if fields else None
