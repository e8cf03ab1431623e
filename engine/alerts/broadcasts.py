"""Alerts as supervisors write them: composed for one or more towns in French, Hausa and
English, previewed as the phone will show them, approved by a second pair of eyes, cancelled.

Four eyes: a supervisor or an administrator other than the author approves, or the alert never
goes (a wrong alert can send people into danger). Approving fixes the recipients (everyone
subscribed to one of the towns at that moment, once each) and queues the alert for the sender
(engine/alerts/sending.py). Every step is in the audit log (who wrote, approved, cancelled; what
was sent, counted by status): never a number or a sender's hash.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from redis.asyncio import Redis

from engine import keys
from engine.alerts import texts
from engine.alerts.subscriptions import Subscriptions
from engine.audit import Audit
from engine.config import Settings
from engine.operators import Operator
from engine.storage import Fields, HashReply, as_text, text_fields
from remi import cities, sms
from remi.i18n import LANGUAGES

MAX_TEXT = 480  # characters of one language's text: about three SMS segments with the heading
OPEN = ("pending", "approved", "sending", "paused")  # may still be cancelled


class AlertNotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    """The role may not do this, or (four eyes) the author tries to approve their own alert."""


class WrongState(ValueError):
    """Approved twice, cancelled after it was sent...: 409."""


@dataclass
class Alert:
    id: str
    towns: list[str]
    texts: dict[str, str]
    author: str
    created_at: float
    status: str = "pending"  # pending → approved → sending (⇄ paused) → sent; or cancelled
    approved_by: str = ""
    approved_at: float = 0.0
    cancelled_by: str = ""
    cancelled_at: float = 0.0
    started_at: float = 0.0
    finished_at: float = 0.0
    paused_until: float = 0.0  # the daily cap was reached: sending goes on after this time
    recipients: int = 0
    cursor: int = 0  # recipients before this position are done (a restart resumes here)

    def to_fields(self) -> Fields:
        fields: Fields = {k: str(v) for k, v in self.__dict__.items() if k not in ("towns", "texts")}
        fields["towns"] = ",".join(self.towns)
        fields |= {f"text_{lang}": self.texts.get(lang, "") for lang in LANGUAGES}
        return fields

    @classmethod
    def from_fields(cls, raw: HashReply) -> Alert:
        f = text_fields(raw)
        kinds = cls.__dataclass_fields__
        values = {}
        for name, spec in kinds.items():
            if name in ("towns", "texts") or name not in f:
                continue
            values[name] = {"float": float, "int": int}.get(str(spec.type), str)(f[name])
        return cls(
            towns=[t for t in f.get("towns", "").split(",") if t],
            texts={lang: f.get(f"text_{lang}", "") for lang in LANGUAGES},
            **values,
        )


@dataclass
class Version:
    """One language's alert as the phone shows it."""

    language: str  # the readers' language
    text_language: str  # the language of the text they get (a fallback when theirs is empty)
    body: str  # as the phone shows it (SMS: folded to GSM-7)
    segments: int
    encoding: str
    recipients: dict[str, int] = field(default_factory=dict)  # by route: sms, whatsapp, template


@dataclass
class Preview:
    versions: list[Version]
    recipients: int
    sms_segments: int  # what the SMS recipients cost in all
    cost: float  # sms_segments × SMS_PRICE_PER_SEGMENT
    currency: str


class Broadcasts:
    def __init__(self, redis: Redis, settings: Settings, subscriptions: Subscriptions, audit: Audit, route):
        self.redis, self.settings, self.subscriptions, self.audit = redis, settings, subscriptions, audit
        self.route = route  # (channel, last_seen) → "sms" | "whatsapp" | "template": the outbox's choice
        self.ttl = settings.retention_days * 86400

    # -- composing -------------------------------------------------------------------------
    @staticmethod
    def check(towns: list[str], texts_by_lang: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The towns by their canonical names and the texts trimmed; ValueError says what is wrong."""
        named = []
        for town in towns:
            canonical = cities.canonical(town)
            if canonical not in cities.CITIES:
                raise ValueError(f"unknown town: {town[:40]}")
            if canonical not in named:
                named.append(canonical)
        if not named:
            raise ValueError("choose at least one town")
        cleaned = {lang: (texts_by_lang.get(lang) or "").strip() for lang in LANGUAGES}
        if not any(cleaned.values()):
            raise ValueError("write the alert in at least one language")
        for lang, text in cleaned.items():
            if len(text) > MAX_TEXT:
                raise ValueError(f"the {lang} text is longer than {MAX_TEXT} characters")
        return named, cleaned

    def versions(self, towns: list[str], texts_by_lang: dict[str, str]) -> dict[str, tuple[str, str]]:
        """{reader's language: (text's language, message)} (engine/alerts/texts.py)."""
        return {lang: texts.alert_body(texts_by_lang, towns, lang) for lang in LANGUAGES}

    def phone_body(self, body: str, route: str) -> str:
        return sms.for_sms(body, self.settings.sms_gsm_folding) if route == "sms" else body

    async def preview(self, towns: list[str], texts_by_lang: dict[str, str]) -> Preview:
        towns, texts_by_lang = self.check(towns, texts_by_lang)
        senders = await self.subscriptions.subscribers(towns)
        audience = await self.subscriptions.audience(senders, self.route)
        versions, total_segments = [], 0
        for lang, (used, body) in self.versions(towns, texts_by_lang).items():
            shown = self.phone_body(body, "sms")
            counted = sms.segments(shown)
            by_route = {r: n for (lg, r), n in audience.items() if lg == lang}
            total_segments += counted.count * by_route.get("sms", 0)
            versions.append(Version(lang, used, shown, counted.count, counted.encoding, by_route))
        price = self.settings.sms_price_per_segment
        return Preview(
            versions, len(senders), total_segments, round(total_segments * price, 2), self.settings.sms_price_currency
        )

    async def create(self, author: Operator, towns: list[str], texts_by_lang: dict[str, str]) -> Alert:
        _may_write(author)
        towns, texts_by_lang = self.check(towns, texts_by_lang)
        alert = Alert(uuid.uuid4().hex[:16], towns, texts_by_lang, author.username, time.time())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.ALERT.key(alert.id), mapping=alert.to_fields())
            pipe.expire(keys.ALERT.key(alert.id), self.ttl)
            pipe.zadd(keys.ALERTS.key(), {alert.id: alert.created_at})
            pipe.zremrangebyscore(keys.ALERTS.key(), "-inf", time.time() - self.ttl)
            pipe.expire(keys.ALERTS.key(), self.ttl)
            await pipe.execute()
        await self.audit.record(
            author.username,
            "alert.write",
            f"alert:{alert.id}",
            towns=",".join(towns),
            languages=",".join(lang for lang, text in texts_by_lang.items() if text),
        )
        return alert

    # -- reading ---------------------------------------------------------------------------
    async def get(self, alert_id: str) -> Alert:
        raw = await self.redis.hgetall(keys.ALERT.key(alert_id[:64]))
        if not raw:
            raise AlertNotFound(alert_id)
        return Alert.from_fields(raw)

    async def recent(self, count: int = 50) -> list[Alert]:
        found = []
        for raw in await self.redis.zrevrange(keys.ALERTS.key(), 0, count - 1):
            try:
                found.append(await self.get(as_text(raw)))
            except AlertNotFound:  # expired with the retention period
                continue
        return found

    async def counts(self, alert: Alert) -> dict[str, int]:
        """Recipients by status: Twilio's (queued, sent, delivered, failed, undelivered...), ours
        (unknown, skipped: unsubscribed, stopped, unreachable, erased), waiting (not reached
        yet) or cancelled (not reached when the alert was cancelled)."""
        counts: dict[str, int] = {}
        skipped = {int(k): as_text(v) for k, v in (await self.redis.hgetall(keys.ALERT_SKIPPED.key(alert.id))).items()}
        for start in range(0, alert.recipients, 1000):
            end = min(start + 1000, alert.recipients)
            async with self.redis.pipeline(transaction=False) as pipe:
                for i in range(start, end):
                    pipe.hget(keys.OUT.key(ref(alert.id, i)), "status")
                statuses = await pipe.execute()
            for i, status in zip(range(start, end), statuses, strict=True):
                if status:
                    name = status.decode()
                elif i in skipped:
                    name = skipped[i]
                else:
                    name = "cancelled" if alert.status == "cancelled" else "waiting"
                counts[name] = counts.get(name, 0) + 1
        return counts

    # -- four eyes, cancelling -------------------------------------------------------------
    async def approve(self, alert_id: str, operator: Operator) -> Alert:
        """Another supervisor or an administrator approves: the recipients are fixed, and the
        alert waits for the sender."""
        _may_write(operator)
        alert = await self.get(alert_id)
        if operator.username == alert.author:
            raise NotAllowed("the author of an alert cannot approve it: ask another supervisor or an administrator")
        # Only one approval wins, even when two arrive at once.
        if alert.status != "pending" or not await self._claim_approval(alert.id, operator.username):
            raise WrongState(f"the alert is {alert.status}, not waiting for approval")
        senders = await self.subscriptions.subscribers(alert.towns)
        recipients = keys.ALERT_RECIPIENTS.key(alert.id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(recipients)
            for start in range(0, len(senders), 5000):
                pipe.rpush(recipients, *senders[start : start + 5000])
            pipe.expire(recipients, self.ttl)
            pipe.hset(
                keys.ALERT.key(alert.id),
                mapping={
                    "status": "approved",
                    "approved_at": f"{time.time():.3f}",
                    "recipients": len(senders),
                    "cursor": 0,
                },
            )
            pipe.zadd(keys.ALERTS_DUE.key(), {alert.id: time.time()})
            await pipe.execute()
        await self.audit.record(operator.username, "alert.approve", f"alert:{alert.id}", recipients=str(len(senders)))
        # Approving is the decision to send: the approver is who sent it.
        await self.audit.record(operator.username, "alert.send", f"alert:{alert.id}", recipients=str(len(senders)))
        return await self.get(alert.id)

    async def _claim_approval(self, alert_id: str, username: str) -> bool:
        script = (
            "if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end "
            "redis.call('HSET', KEYS[1], 'status', 'approving', 'approved_by', ARGV[1]) return 1"
        )
        return bool(await self.redis.eval(script, 1, keys.ALERT.key(alert_id), username))

    async def cancel(self, alert_id: str, operator: Operator) -> Alert:
        """Stops what has not gone: the sender checks before every recipient."""
        _may_write(operator)
        alert = await self.get(alert_id)
        script = (
            "local s = redis.call('HGET', KEYS[1], 'status') "
            "if s ~= 'pending' and s ~= 'approved' and s ~= 'sending' and s ~= 'paused' then return s end "
            "redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelled_by', ARGV[1], 'cancelled_at', ARGV[2]) "
            "redis.call('ZREM', KEYS[2], ARGV[3]) return 'ok'"
        )
        result = await self.redis.eval(
            script,
            2,
            keys.ALERT.key(alert.id),
            keys.ALERTS_DUE.key(),
            operator.username,
            f"{time.time():.3f}",
            alert.id,
        )
        if result != b"ok":
            raise WrongState(f"the alert is {result.decode()}: it can no longer be cancelled")
        alert = await self.get(alert.id)
        counts = await self.counts(alert)
        await self.audit.record(operator.username, "alert.cancel", f"alert:{alert.id}", **_count_fields(counts))
        return alert


def ref(alert_id: str, position: int) -> str:
    """The outbox's reference of one recipient's message: claimed once, never sent twice."""
    return f"alert:{alert_id}:{position}"


def _may_write(operator: Operator) -> None:
    if not operator.oversees:
        raise NotAllowed("only supervisors and administrators write, approve and cancel alerts")


def _count_fields(counts: dict[str, int]) -> dict[str, str]:
    return {f"n_{status}": str(n) for status, n in sorted(counts.items())}
