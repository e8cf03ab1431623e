"""The FastAPI application: Twilio webhooks, health, and (with the handover issue) the
operator API and console. The worker runs in the same process by default (API_WORKER=true),
or on its own with `remi worker`.

    uvicorn api.main:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from api import storage
from api.audit import Audit
from api.config import Settings, get_settings
from api.conversation import Conversation
from api.erasure import Erasure
from api.handover_desk import HandoverDesk
from api.identity import ContactCipher
from api.inbox import Inbox
from api.operators import Operators
from api.outbox import Outbox
from api.profile import Profiles
from api.rasa_client import RasaClient
from api.routes import auth, console, handovers, health, partners, supervision, twilio
from api.worker import Worker
from remi.content.library import LiveLibrary


def build_worker(settings: Settings, redis: Redis) -> Worker:
    """The worker and everything it needs, from settings (shared by the API and `remi worker`)."""
    retention = settings.retention_days * 86400
    inbox = Inbox(redis, ContactCipher(settings.contact_encryption_key), retention,
                  per_minute=settings.inbound_per_sender_per_minute)
    live = LiveLibrary()
    conversation = Conversation(
        RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds), live.get,
        {"max_segments": settings.sms_max_segments_per_page, "fold": settings.sms_gsm_folding},
        settings.retention_days,
    )
    profiles, outbox = Profiles(redis, retention), Outbox(settings, redis)
    desk = HandoverDesk.build(settings, redis, inbox, outbox, profiles)
    worker = Worker(redis, inbox, profiles, conversation, outbox, handovers=desk,
                    concurrency=settings.worker_concurrency)
    worker.erasure = Erasure(redis, Audit(redis, settings.retention_days), retention, handovers=worker.handovers)
    worker.erase = worker.erasure.for_worker
    return worker


def create_app(settings: Settings | None = None, run_worker: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    if run_worker is None:
        run_worker = os.environ.get("API_WORKER", "true").lower() not in ("0", "false", "no")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        redis = storage.connect(settings.redis_url)
        worker = build_worker(settings, redis)
        app.state.settings, app.state.redis = settings, redis
        app.state.inbox, app.state.outbox, app.state.erasure = worker.inbox, worker.outbox, worker.erasure
        app.state.handovers, app.state.audit = worker.handovers, worker.handovers.audit
        app.state.operators = Operators(redis, settings.operator_session_hours * 3600)
        if run_worker:
            worker.start()
        yield
        if run_worker:
            await worker.stop()
        await worker.outbox.aclose()
        await worker.conversation.rasa.aclose()
        await redis.aclose()

    app = FastAPI(title="Re.Mi. orientation service", version="0.1.0", lifespan=lifespan,
                  description="Twilio webhooks for migrants' SMS and WhatsApp messages; operator API.")
    app.include_router(twilio.router)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(handovers.router)
    app.include_router(partners.router)
    app.include_router(supervision.router)
    app.include_router(console.router)
    app.mount("/console/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    return app


def app() -> FastAPI:  # uvicorn --factory api.main:app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app()
