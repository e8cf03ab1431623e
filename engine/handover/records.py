"""The handover store: one record per referral to a person, its transcript and notes, the queues
by status, and the atomic moves between statuses (so two operators claiming at once get one
winner). What happens around a handover (the migrant's messages, webhooks, audit) is in
engine/handover/desk.py.

Redis keys (all expire with the retention period, refreshed on each change):
  remi:handover:<id>               the record (hash); `sender` is the keyed hash, never a number
  remi:handover:<id>:transcript    what was said since the handover (JSON entries, oldest first)
  remi:handover:<id>:notes         operators' notes (JSON entries)
  remi:handovers:<status>          ids by status (sorted set; waiting is scored by waiting_since)
  remi:handovers:of:<sender>       one person's handover ids, for erasure
  remi:handover:from:<MessageSid>  the handover a message opened (a turn run again after a crash
                                   does not open a second one)
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

from redis.asyncio import Redis

from engine import keys
from engine.storage import Args, HashReply, as_fields, as_text, text_fields

STATUSES = ("waiting", "active", "closed")
CLOSED_LISTED = 200  # the closed queue shows the most recent ones

# Move a handover between statuses if it is in one of the expected ones (and, when given, held
# by the expected operator): the check and the writes are one step, so concurrent moves of one
# handover are serialised and exactly one claim wins.
_MOVE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0, ''} end
if not string.find(',' .. ARGV[1] .. ',', ',' .. status .. ',', 1, true) then return {0, status} end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'assigned_to') ~= ARGV[5] then return {0, status} end
for i = 2, 4 do redis.call('ZREM', KEYS[i], ARGV[3]) end
local target = KEYS[2]
if ARGV[2] == 'active' then target = KEYS[3] elseif ARGV[2] == 'closed' then target = KEYS[4] end
redis.call('ZADD', target, ARGV[4], ARGV[3])
local n = 7
while ARGV[n] do
  if ARGV[n + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[n])
  else redis.call('HSET', KEYS[1], ARGV[n], ARGV[n + 1]) end
  n = n + 2
end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {1, status}
"""

# Mark a waiting handover escalated, once per waiting period.
_ESCALATE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
if redis.call('HEXISTS', KEYS[1], 'escalated_at') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'escalated_at', ARGV[1])
return 1
"""


@dataclass
class Handover:
    id: str
    sender: str
    category: str
    city: str | None
    language: str
    channel: str
    priority: bool
    reason: str
    status: str
    team: str
    organisation: str
    created_at: float
    waiting_since: float
    assigned_to: str | None = None
    claimed_at: float | None = None
    escalated_at: float | None = None
    closed_at: float | None = None
    closed_by: str | None = None
    close_reason: str | None = None
    recent: list[dict] = field(default_factory=list)

    @classmethod
    def from_hash(cls, raw: HashReply) -> Handover:
        d = text_fields(raw)

        def num(name: str) -> float | None:
            return float(d[name]) if d.get(name) else None

        return cls(
            id=d["id"],
            sender=d["sender"],
            category=d["category"],
            city=d.get("city") or None,
            language=d["language"],
            channel=d.get("channel", "sms"),
            priority=d.get("priority") == "1",
            reason=d.get("reason", ""),
            status=d["status"],
            team=d["team"],
            organisation=d["organisation"],
            created_at=float(d["created_at"]),
            waiting_since=float(d.get("waiting_since") or d["created_at"]),
            assigned_to=d.get("assigned_to") or None,
            claimed_at=num("claimed_at"),
            escalated_at=num("escalated_at"),
            closed_at=num("closed_at"),
            closed_by=d.get("closed_by") or None,
            close_reason=d.get("close_reason") or None,
            recent=json.loads(d.get("recent") or "[]"),
        )

    def waiting_seconds(self, now: float | None = None) -> float:
        """How long the person has waited for a first answer (0 once claimed)."""
        now = now or time.time()
        end = now if self.status == "waiting" else (self.claimed_at or self.closed_at or now)
        return max(0.0, end - self.created_at)

    def summary(self) -> dict:
        """What a queue shows and a partner receives: never the sender or any text."""
        return {
            "id": self.id,
            "category": self.category,
            "city": self.city,
            "language": self.language,
            "channel": self.channel,
            "priority": self.priority,
            "reason": self.reason,
            "status": self.status,
            "team": self.team,
            "organisation": self.organisation,
            "created_at": self.created_at,
            "assigned_to": self.assigned_to,
            "escalated": self.escalated_at is not None,
            "waiting_seconds": round(self.waiting_seconds()),
        }


class Handovers:
    def __init__(self, redis: Redis, retention_seconds: int):
        self.redis, self.ttl = redis, retention_seconds
        self._move = redis.register_script(_MOVE)
        self._escalate = redis.register_script(_ESCALATE)

    @staticmethod
    def key(handover_id: str) -> str:
        return keys.HANDOVER.key(handover_id)

    @staticmethod
    def _indexes() -> list[str]:
        return [keys.HANDOVERS_BY_STATUS.key(s) for s in STATUSES]

    # -- records ---------------------------------------------------------------------------
    async def create(
        self,
        sender: str,
        message_sid: str,
        *,
        category: str,
        city: str | None,
        language: str,
        channel: str,
        priority: bool,
        reason: str,
        team: str,
        organisation: str,
        recent: list[dict],
    ) -> tuple[Handover, bool]:
        """A new waiting handover; (handover, False) when this message already opened one."""
        handover_id = secrets.token_hex(8)
        marker = keys.HANDOVER_FROM.key(message_sid)
        if not await self.redis.set(marker, handover_id, nx=True, ex=self.ttl):
            existing = await self.get(as_text(await self.redis.get(marker) or b""))
            if existing:
                return existing, False
            await self.redis.set(marker, handover_id, ex=self.ttl)
        now = time.time()
        fields = {
            "id": handover_id,
            "sender": sender,
            "category": category,
            "city": city or "",
            "language": language,
            "channel": channel,
            "priority": "1" if priority else "0",
            "reason": reason[:80],
            "status": "waiting",
            "team": team,
            "organisation": organisation,
            "created_at": f"{now:.3f}",
            "waiting_since": f"{now:.3f}",
            "recent": json.dumps(recent, ensure_ascii=False),
        }
        key = self.key(handover_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=as_fields(fields))
            pipe.expire(key, self.ttl)
            pipe.zadd(keys.HANDOVERS_WAITING.key(), {handover_id: now})
            pipe.sadd(keys.HANDOVERS_OF.key(sender), handover_id)
            for k in (*self._indexes(), keys.HANDOVERS_OF.key(sender)):
                pipe.expire(k, self.ttl)
            await pipe.execute()
        return Handover.from_hash(fields), True

    async def get(self, handover_id: str) -> Handover | None:
        if not handover_id or not handover_id.isalnum() or len(handover_id) > 32:
            return None
        raw = await self.redis.hgetall(self.key(handover_id))
        return Handover.from_hash(raw) if raw and b"status" in raw else None

    async def listed(self, status: str) -> list[Handover]:
        """Every handover with this status (the closed: the most recent), records that expired
        dropped from the index on the way."""
        index = keys.HANDOVERS_BY_STATUS.key(status)
        if status == "closed":
            ids = await self.redis.zrevrange(index, 0, CLOSED_LISTED - 1)
        else:
            ids = await self.redis.zrange(index, 0, -1)
        async with self.redis.pipeline(transaction=False) as pipe:
            for raw_id in ids:
                pipe.hgetall(self.key(as_text(raw_id)))
            records = await pipe.execute()
        found, gone = [], []
        for raw_id, raw in zip(ids, records, strict=False):
            if raw and b"status" in raw:
                found.append(Handover.from_hash(raw))
            else:
                gone.append(as_text(raw_id))
        if gone:
            await self.redis.zrem(index, *gone)
        return found

    async def move(
        self,
        handover_id: str,
        to: str,
        allowed_from: tuple[str, ...],
        fields: dict[str, str],
        held_by: str = "",
        score: float | None = None,
    ) -> tuple[bool, str]:
        """Atomically move to `to` from one of `allowed_from`; (moved, status before). A field
        given as "" is removed."""
        args: Args = [",".join(allowed_from), to, handover_id, f"{score or time.time():.3f}", held_by, self.ttl]
        for name, value in fields.items():
            args += [name, value]
        moved, before = await self._move(keys=[self.key(handover_id), *self._indexes()], args=args)
        return bool(moved), before.decode() if isinstance(before, bytes) else str(before)

    async def mark_escalated(self, handover_id: str) -> bool:
        return bool(await self._escalate(keys=[self.key(handover_id)], args=[f"{time.time():.3f}"]))

    async def raise_priority(self, handover_id: str) -> None:
        await self.redis.hset(self.key(handover_id), "priority", "1")

    async def waiting_since_before(self, cutoff: float) -> list[str]:
        return [as_text(i) for i in await self.redis.zrangebyscore(keys.HANDOVERS_WAITING.key(), "-inf", cutoff)]

    # -- transcript and notes --------------------------------------------------------------
    async def append(self, handover_id: str, kind: str, entry: dict) -> int:
        """Add to the transcript or the notes; returns the entry's index."""
        key = f"{self.key(handover_id)}:{kind}"
        entry = {"at": time.time()} | entry
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
            pipe.expire(key, self.ttl)
            pipe.expire(self.key(handover_id), self.ttl)
            pipe.hget(self.key(handover_id), "sender")
            length, _, _, sender = await pipe.execute()
        if sender:  # the person's index lives as long as the handover, or erasure could miss it
            await self.redis.expire(keys.HANDOVERS_OF.key(as_text(sender)), self.ttl)
        return length - 1

    async def replace(self, handover_id: str, kind: str, index: int, entry: dict) -> bool:
        """Rewrite one entry (a reply's status once its send ends); False if the handover is gone."""
        key = f"{self.key(handover_id)}:{kind}"
        if not await self.redis.exists(key):  # erased or expired meanwhile: nothing to re-create
            return False
        await self.redis.lset(key, index, json.dumps(entry, ensure_ascii=False))
        return True

    async def entries(self, handover_id: str, kind: str) -> list[dict]:
        return [json.loads(raw) for raw in await self.redis.lrange(f"{self.key(handover_id)}:{kind}", 0, -1)]

    async def has_message(self, handover_id: str, sid: str) -> bool:
        """Whether this inbound message is already in the transcript (a turn run again)."""
        return any(e.get("sid") == sid for e in await self.entries(handover_id, "transcript"))

    async def next_reply_number(self, handover_id: str) -> int:
        return await self.redis.hincrby(self.key(handover_id), "replies", 1)

    # -- erasure ---------------------------------------------------------------------------
    async def erase_sender(self, sender: str) -> int:
        """Delete every handover record of one person (their erasure request); returns how many."""
        of = keys.HANDOVERS_OF.key(sender)
        ids = [as_text(i) for i in await self.redis.smembers(of)]
        async with self.redis.pipeline(transaction=True) as pipe:
            for handover_id in ids:
                key = self.key(handover_id)
                pipe.delete(key, f"{key}:transcript", f"{key}:notes")
                for index in self._indexes():
                    pipe.zrem(index, handover_id)
            pipe.delete(of)
            await pipe.execute()
        return len(ids)
