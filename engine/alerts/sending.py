"""Sending approved alerts: one process at a time (a lease), one alert at a time in the order
they were approved, through the outbox, at ALERT_PER_SECOND_PER_NUMBER from each of the service's
numbers and at most ALERT_DAILY_CAP_PER_NUMBER a day, behind the conversations.

Exactly once: each recipient's message is the outbox's record `alert:<id>:<position>`, claimed
before it is sent and never sent twice (engine/outbox.py); a send a crash cut off is checked
with Twilio before it is tried again. The alert's cursor moves past a batch of recipients once
the whole batch is done, so a restart goes over at most one batch again, and finds those
already sent by their records.

Before each recipient's turn: the alert not cancelled, the person still subscribed to one of its
towns (STOP, FIN ALERTE and erasure remove the subscription) and no STOP of theirs waiting in
the inbox. Conversations first: while people wait for a worker (remi:ready) the sender holds
back, and it runs as a task of its own, never on the conversation queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from redis.asyncio import Redis

from engine import keys
from engine.alerts.broadcasts import Alert, AlertNotFound, Broadcasts, _count_fields, ref
from engine.alerts.subscriptions import Subscriptions
from engine.audit import Audit
from engine.config import Settings
from engine.inbox import Inbox
from engine.lock import Lease
from engine.outbox import Outbox
from engine.storage import as_text
from remi import keywords

log = logging.getLogger("remi.alerts")

MAX_YIELD_SECONDS = 1.0  # how long one alert message waits at most for the conversations


class Pace:
    """At most `rate` messages a second from one number, evenly spaced."""

    def __init__(self, rate: float):
        self.interval, self.next_at = 1.0 / rate, 0.0

    async def take(self) -> None:
        now = time.monotonic()
        at = max(now, self.next_at)
        self.next_at = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


class Broadcaster:
    def __init__(
        self,
        redis: Redis,
        settings: Settings,
        broadcasts: Broadcasts,
        subscriptions: Subscriptions,
        inbox: Inbox,
        outbox: Outbox,
        audit: Audit,
    ):
        self.redis, self.settings, self.broadcasts, self.subscriptions = redis, settings, broadcasts, subscriptions
        self.inbox, self.outbox, self.audit = inbox, outbox, audit
        rate = settings.alert_per_second_per_number
        self.paces = {"sms": Pace(rate), "whatsapp": Pace(rate)}  # the SMS number, the WhatsApp sender

    async def run(self, stopping: asyncio.Event) -> None:
        """The worker's task: send approved alerts, one process at a time."""
        while not stopping.is_set():
            try:
                lease = Lease(self.redis, keys.ALERTS_LEASE.key())
                if not await lease.acquire():
                    await asyncio.sleep(2)
                    continue
                async with lease.held():
                    while not stopping.is_set() and not lease.lost.is_set():
                        due = await self.redis.zrange(keys.ALERTS_DUE.key(), 0, 0)
                        if not due:
                            await asyncio.sleep(1)
                            continue
                        await self.send(as_text(due[0]), stopping, lease.lost)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away, Twilio down: try again in a moment
                log.warning("alert sending: %s", type(exc).__name__)
                await asyncio.sleep(1)

    async def send(self, alert_id: str, stopping: asyncio.Event, lost: asyncio.Event | None = None) -> None:
        try:
            alert = await self.broadcasts.get(alert_id)
        except AlertNotFound:
            await self.redis.zrem(keys.ALERTS_DUE.key(), alert_id)
            return
        key = keys.ALERT.key(alert.id)
        if alert.status == "approved":
            await self.redis.hset(key, mapping={"status": "sending", "started_at": f"{time.time():.3f}"})
        elif alert.status not in ("sending", "paused"):
            await self.redis.zrem(keys.ALERTS_DUE.key(), alert.id)
            return
        versions = self.broadcasts.versions(alert.towns, alert.texts)
        recipients = keys.ALERT_RECIPIENTS.key(alert.id)
        cursor, size = alert.cursor, self.settings.alert_batch_size
        in_flight = asyncio.Semaphore(self.settings.alert_send_concurrency)
        while cursor < alert.recipients:
            if stopping.is_set() or (lost is not None and lost.is_set()):
                return  # the next holder resumes at the cursor
            batch = [as_text(raw) for raw in await self.redis.lrange(recipients, cursor, cursor + size - 1)]
            tasks = []
            for offset, sender in enumerate(batch):
                if await self._cancelled(alert.id):
                    break
                await self._behind_conversations()
                await in_flight.acquire()
                task = asyncio.create_task(self._deliver(alert, cursor + offset, sender, versions))
                task.add_done_callback(lambda _: in_flight.release())
                tasks.append(task)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            if failed:
                raise failed[0]  # the batch is done again after a pause; sent ones are not resent
            if await self._cancelled(alert.id):
                break
            cursor += len(batch)
            await self.redis.hset(key, "cursor", cursor)
        await self._finish(alert.id)

    async def _cancelled(self, alert_id: str) -> bool:
        return await self.redis.hget(keys.ALERT.key(alert_id), "status") == b"cancelled"

    async def _behind_conversations(self) -> None:
        """Hold back while people who wrote wait for a worker (bounded, so alerts still move)."""
        deadline = time.monotonic() + MAX_YIELD_SECONDS
        while time.monotonic() < deadline and await self.redis.llen(keys.READY.key()):
            await asyncio.sleep(0.02)

    async def _deliver(self, alert: Alert, position: int, sender: str, versions: dict) -> None:
        out_key = keys.OUT.key(ref(alert.id, position))
        status = as_text(await self.redis.hget(out_key, "status") or b"")
        if status and status not in ("sending", "retrying"):
            return  # done before a restart
        subscription = await self.subscriptions.get(sender) if sender != "-" else None
        contact = await self.inbox.contact(sender) if subscription else None
        reason = await self._reason_to_skip(alert, sender, subscription, contact)
        if reason:
            await self.redis.hset(keys.ALERT_SKIPPED.key(alert.id), str(position), reason)
            await self.redis.expire(keys.ALERT_SKIPPED.key(alert.id), self.broadcasts.ttl)
            return
        assert subscription is not None and contact is not None  # else _reason_to_skip gave one
        route = self.outbox.initiated_route(contact, subscription.last_seen)
        number = "sms" if route == "sms" else "whatsapp"
        await self._within_daily_cap(alert.id, number)
        await self.paces[number].take()
        if await self._cancelled(alert.id):
            await self.redis.decr(keys.ALERTS_SENT_TODAY.key(f"{number}:{time.strftime('%Y%m%d', time.gmtime())}"))
            return
        _, body = versions[subscription.language if subscription.language in versions else "fr"]
        await self.outbox.send_initiated(
            sender, contact, body, ref(alert.id, position), subscription.last_seen, route=route
        )

    async def _reason_to_skip(self, alert: Alert, sender: str, subscription, contact) -> str | None:
        if sender == "-":
            return "erased"
        if subscription is None or not set(subscription.towns) & set(alert.towns):
            return "unsubscribed"  # FIN ALERTE, STOP, erasure, or no message for RETENTION_DAYS
        if await self._stop_waiting(sender):
            return "stopped"
        if contact is None:
            return "unreachable"
        return None

    async def _stop_waiting(self, sender: str) -> bool:
        """A STOP (or FIN ALERTE) the worker has not reached yet: it wins over the alert."""
        sids = await self.redis.lrange(keys.INBOX.key(sender), 0, 20)
        for sid in sids:
            body, opt_out = await self.redis.hmget(keys.MESSAGE_RECORD.key(as_text(sid)), "body", "opt_out_type")
            if as_text(opt_out or b"").upper() == "STOP":
                return True
            if keywords.keyword_of(as_text(body or b"")) in ("stop", "alert_off"):
                return True
        return False

    async def _within_daily_cap(self, alert_id: str, number: str) -> None:
        """Count one message against the number's daily cap, waiting for the next day (UTC) if
        it is reached; the alert shows "paused" meanwhile."""
        while True:
            day = time.strftime("%Y%m%d", time.gmtime())
            counter = keys.ALERTS_SENT_TODAY.key(f"{number}:{day}")
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(counter)
                pipe.expire(counter, 2 * 86400)
                used, _ = await pipe.execute()
            if used <= self.settings.alert_daily_cap_per_number:
                if await self.redis.hget(keys.ALERT.key(alert_id), "status") == b"paused":
                    await self.redis.hset(keys.ALERT.key(alert_id), mapping={"status": "sending", "paused_until": 0})
                return
            await self.redis.decr(counter)
            tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
            until = dt.datetime.combine(tomorrow, dt.time(), dt.timezone.utc).timestamp()
            await self.redis.eval(
                "if redis.call('HGET', KEYS[1], 'status') == 'sending' then "
                "redis.call('HSET', KEYS[1], 'status', 'paused', 'paused_until', ARGV[1]) end return 1",
                1,
                keys.ALERT.key(alert_id),
                f"{until:.0f}",
            )
            await asyncio.sleep(min(30.0, max(1.0, until - time.time())))
            if await self._cancelled(alert_id):
                return

    async def _finish(self, alert_id: str) -> None:
        alert = await self.broadcasts.get(alert_id)
        await self.redis.zrem(keys.ALERTS_DUE.key(), alert_id)
        if alert.status == "cancelled":
            return
        await self.redis.hset(keys.ALERT.key(alert_id), mapping={"status": "sent", "finished_at": f"{time.time():.3f}"})
        counts = await self.broadcasts.counts(await self.broadcasts.get(alert_id))
        await self.audit.record("system", "alert.sent", f"alert:{alert_id}", **_count_fields(counts))
        log.info("alert %s sent to %d recipients", alert_id, alert.recipients)
