"""Builds the engine from settings: the worker and everything the API's routes share with it.

One place that wires the parts by constructor arguments, used by the API process (`api/main.py`)
and by `remi worker` (`tools/worker.py`), so both run exactly the same engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from engine.alerts.broadcasts import Broadcasts
from engine.alerts.sending import Broadcaster
from engine.alerts.subscriptions import Subscriptions
from engine.audit import Audit
from engine.backpressure import BusyNotice
from engine.config import Settings
from engine.conversation import Conversation
from engine.erasure import Erasure
from engine.handover.desk import HandoverDesk
from engine.identity import Contact, ContactCipher
from engine.inbox import Inbox
from engine.insight.store import Insight
from engine.operators import Operators
from engine.outbox import Outbox
from engine.profile import Profiles
from engine.rasa_client import RasaClient
from engine.signin import PasswordPool, SignIn
from engine.worker import Worker
from remi.content.library import LiveLibrary


@dataclass
class Engine:
    """The running parts, for the worker and for the API's dependencies."""

    settings: Settings
    redis: Redis
    inbox: Inbox
    outbox: Outbox
    handovers: HandoverDesk
    erasure: Erasure
    operators: Operators
    signin: SignIn
    worker: Worker
    busy: BusyNotice
    broadcasts: Broadcasts
    insight: Insight | None = None

    @property
    def audit(self) -> Audit:
        return self.handovers.audit

    async def aclose(self) -> None:
        self.signin.pool.close()
        await self.handovers.drain()  # replies still being sent end before the outbox closes
        await self.outbox.aclose()
        await self.worker.conversation.rasa.aclose()
        if self.insight is not None:
            self.insight.close()


def build(settings: Settings, redis: Redis) -> Engine:
    retention = settings.retention_days * 86400
    inbox = Inbox(
        redis,
        ContactCipher(settings.contact_encryption_key),
        retention,
        per_minute=settings.inbound_per_sender_per_minute,
        max_waiting=settings.max_waiting_messages,
    )
    live = LiveLibrary()
    conversation = Conversation(
        RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds),
        live.get,
        {"max_segments": settings.sms_max_segments_per_page, "fold": settings.sms_gsm_folding},
        settings.retention_days,
    )
    profiles, outbox = Profiles(redis, retention), Outbox(settings, redis)
    desk = HandoverDesk.build(settings, redis, inbox, outbox, profiles)
    audit = Audit(redis, settings.retention_days)
    subscriptions = Subscriptions(redis, retention)
    broadcasts = Broadcasts(
        redis,
        settings,
        subscriptions,
        audit,
        route=lambda channel, last_seen: outbox.initiated_route(Contact("", channel), last_seen),
    )
    broadcaster = Broadcaster(redis, settings, broadcasts, subscriptions, inbox, outbox, audit)
    # Insight events: the worker's turns, the desk's handovers, the outbox's sends (engine/insight/).
    insight = Insight(settings.insight_path, settings.retention_days)
    outbox.insight = desk.insight = insight
    erasure = Erasure(redis, audit, retention, handovers=desk, subscriptions=subscriptions)
    erasure.insight = insight
    worker = Worker(
        redis,
        inbox,
        profiles,
        conversation,
        outbox,
        handovers=desk,
        erase=erasure.for_worker,
        concurrency=settings.worker_concurrency,
        subscriptions=subscriptions,
        broadcaster=broadcaster,
        insight=insight,
    )
    operators = Operators(redis, settings.operator_session_hours * 3600)
    signin = SignIn(
        redis, operators, PasswordPool(settings.signin_workers, settings.signin_queue), settings.sender_hash_key
    )
    return Engine(
        settings,
        redis,
        inbox,
        outbox,
        desk,
        erasure,
        operators,
        signin,
        worker,
        BusyNotice(profiles, outbox),
        broadcasts,
        insight,
    )
