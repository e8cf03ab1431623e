"""The FastAPI application: Twilio webhooks, health, and (with the handover issue) the
operator API and console. The worker runs in the same process by default (API_WORKER=true),
or on its own with `remi worker`.

    uvicorn api.main:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from api.config import Settings, get_settings
from api.conversation import Conversation
from api.identity import ContactCipher
from api.inbox import Inbox
from api.outbox import Outbox
from api.profile import Profiles
from api.rasa_client import RasaClient
from api.routes import health, twilio
from api.worker import Worker
from remi.content.library import LiveLibrary


def build_worker(settings: Settings, redis: Redis) -> Worker:
    """The worker and everything it needs, from settings (shared by the API and `remi worker`)."""
    retention = settings.retention_days * 86400
    inbox = Inbox(redis, ContactCipher(settings.contact_encryption_key), retention)
    live = LiveLibrary()
    conversation = Conversation(
        RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds), live.get,
        {"max_segments": settings.sms_max_segments_per_page, "fold": settings.sms_gsm_folding},
        settings.retention_days,
    )
    return Worker(redis, inbox, Profiles(redis, retention), conversation, Outbox(settings, redis),
                  concurrency=settings.worker_concurrency)


def create_app(settings: Settings | None = None, run_worker: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    if run_worker is None:
        run_worker = os.environ.get("API_WORKER", "true").lower() not in ("0", "false", "no")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2,
                               health_check_interval=10)
        worker = build_worker(settings, redis)
        app.state.settings, app.state.redis = settings, redis
        app.state.inbox, app.state.outbox = worker.inbox, worker.outbox
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
    return app


def app() -> FastAPI:  # uvicorn --factory api.main:app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app()
