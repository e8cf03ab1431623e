"""Who asked for alerts about which town, under their keyed hash only.

The conversation keeps the towns in the person's profile (`Profile.alert_towns`); after each
turn the worker calls `sync`, which writes the subscription record (towns, language, channel,
the time of the last message: what a broadcast needs) and the per-town indexes. Both follow the
person's last message: the record expires RETENTION_DAYS after it, and in a town's index a
subscriber is scored by that same moment, so one who stops writing drops out of the next alert.
STOP and FIN ALERTE empty the towns; erasure deletes the record with the person's other keys
(engine/keys.py) and takes them out of the indexes and of the alerts being sent (`erase_sender`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from engine import keys
from engine.profile import Profile
from engine.storage import Fields, as_text, text_fields
from remi import cities


@dataclass
class Subscription:
    sender: str
    towns: list[str]
    language: str
    channel: str
    last_seen: float


class Subscriptions:
    def __init__(self, redis: Redis, retention_seconds: int):
        self.redis, self.ttl = redis, retention_seconds

    async def sync(self, profile: Profile, channel: str) -> None:
        """Write the person's subscription as their profile says, after a turn."""
        key = keys.ALERT_SUBSCRIPTION.key(profile.sender)
        before = await self.redis.hget(key, "towns")
        towns = [] if profile.opted_out else [t for t in profile.alert_towns if t in cities.CITIES]
        if before is None and not towns:
            return  # the common case: someone who never asked for alerts
        gone = set(as_text(before or b"").split(",")) - set(towns) - {""}
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            for town in gone:
                pipe.zrem(keys.ALERT_TOWN.key(town), profile.sender)
            if towns:
                fields: Fields = {
                    "towns": ",".join(towns),
                    "language": profile.language or "fr",
                    "channel": channel,
                    "last_seen": f"{profile.last_seen or now:.3f}",
                }
                pipe.hset(key, mapping=fields)
                pipe.expire(key, self.ttl)
                for town in towns:
                    pipe.zadd(keys.ALERT_TOWN.key(town), {profile.sender: now + self.ttl})
                    pipe.expire(keys.ALERT_TOWN.key(town), self.ttl)
            else:
                pipe.delete(key)
            await pipe.execute()

    async def get(self, sender: str) -> Subscription | None:
        raw = await self.redis.hgetall(keys.ALERT_SUBSCRIPTION.key(sender))
        if not raw or not raw.get(b"towns"):
            return None
        f = text_fields(raw)
        return Subscription(
            sender,
            f["towns"].split(","),
            f.get("language", "fr"),
            f.get("channel", "sms"),
            float(f.get("last_seen") or 0),
        )

    async def subscribers(self, towns: list[str]) -> list[str]:
        """Everyone subscribed to any of `towns`, once each, in a stable order."""
        now = time.time()
        found: dict[str, None] = {}
        for town in towns:
            index = keys.ALERT_TOWN.key(town)
            await self.redis.zremrangebyscore(index, "-inf", now)  # lapsed: no message for RETENTION_DAYS
            for raw in await self.redis.zrange(index, 0, -1):
                found.setdefault(as_text(raw), None)
        return list(found)

    async def audience(self, senders: list[str], route) -> dict[tuple[str, str], int]:
        """How many of `senders` read each language by each route, {("fr", "sms"): 120, ...};
        `route(channel, last_seen)` is the outbox's choice (sms, whatsapp or template)."""
        counts: dict[tuple[str, str], int] = {}
        for start in range(0, len(senders), 1000):
            async with self.redis.pipeline(transaction=False) as pipe:
                for sender in senders[start : start + 1000]:
                    pipe.hmget(keys.ALERT_SUBSCRIPTION.key(sender), "language", "channel", "last_seen")
                rows = await pipe.execute()
            for lang, channel, last_seen in rows:
                if lang:
                    pair = (lang.decode(), route((channel or b"sms").decode(), float(last_seen or 0)))
                    counts[pair] = counts.get(pair, 0) + 1
        return counts

    async def add_directly(self, sender: str, towns: list[str], language: str, channel: str, last_seen: float) -> None:
        """A subscription written without a conversation (tests and the benchmark build thousands)."""
        profile = Profile(sender=sender, language=language, alert_towns=towns, last_seen=last_seen)
        await self.sync(profile, channel)

    async def erase_sender(self, sender: str) -> int:
        """Take an erased person out of every town's index and of every alert's recipients."""
        deleted = 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for town in cities.CITIES:
                pipe.zrem(keys.ALERT_TOWN.key(town), sender)
            deleted += sum(await pipe.execute())
        for alert_id in await self.redis.zrange(keys.ALERTS.key(), 0, -1):
            recipients = keys.ALERT_RECIPIENTS.key(as_text(alert_id))
            for position in await self.redis.execute_command("LPOS", recipients, sender, "COUNT", 0) or []:
                await self.redis.lset(recipients, int(position), "-")  # positions stay: the send resumes by them
                deleted += 1
        return deleted
