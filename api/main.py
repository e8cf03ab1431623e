"""The FastAPI application: Twilio webhooks, health, the operator API and console. The engine
(`engine/assembly.py`) is built at start-up; its worker runs in the same process by default
(API_WORKER=true), or on its own with `remi worker`.

    uvicorn --factory api.main:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.routes import accounts, alerts, auth, console, handovers, health, insight, partners, supervision, twilio
from engine import assembly, storage
from engine import spool as spool_module
from engine.config import Settings, get_settings
from engine.spool import Spool


def create_app(settings: Settings | None = None, run_worker: bool | None = None, routes: str | None = None) -> FastAPI:
    """`routes="webhooks"` (API_ROUTES, `remi api --only webhooks`): Twilio's webhooks and
    /healthz only, for a process that nothing else on the public surface can slow down."""
    settings = settings or get_settings()
    if run_worker is None:
        run_worker = settings.api_worker
    routes = routes or settings.api_routes

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        redis = storage.connect(settings.required_redis_url())
        engine = assembly.build(settings, redis)
        app.state.settings, app.state.redis = settings, redis
        app.state.inbox, app.state.outbox, app.state.erasure = engine.inbox, engine.outbox, engine.erasure
        app.state.handovers, app.state.audit, app.state.operators = engine.handovers, engine.audit, engine.operators
        app.state.signin = engine.signin
        app.state.busy = engine.busy
        app.state.insight, app.state.library = engine.insight, engine.worker.conversation.library
        # Webhooks Redis could not take wait on this machine's disk, replayed when it is back.
        spool = Spool(
            spool_module.directory_for(settings.data_dir, settings.redis_url or ""),
            engine.inbox,
            settings.contact_encryption_key,
        )
        app.state.spool, stopping = spool, asyncio.Event()
        replayer = asyncio.create_task(spool.run(stopping))
        app.state.broadcasts = engine.broadcasts
        if run_worker:
            engine.worker.start()
        yield
        stopping.set()
        replayer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await replayer
        spool.close()
        if run_worker:
            await engine.worker.stop()
        await engine.aclose()
        await redis.aclose()

    app = FastAPI(
        title="Re.Mi. orientation service",
        version="0.1.0",
        lifespan=lifespan,
        description="Twilio webhooks for migrants' SMS and WhatsApp messages; operator API.",
    )
    app.include_router(twilio.router)
    app.include_router(health.router)
    if routes == "webhooks":
        return app
    app.include_router(auth.router)
    app.include_router(handovers.router)
    app.include_router(partners.router)
    app.include_router(supervision.router)
    app.include_router(accounts.router)
    app.include_router(console.router)
    app.include_router(alerts.router)
    app.include_router(alerts.console)
    app.include_router(insight.router)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/console/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors on the console's pages are pages in the operator's language; the API keeps JSON."""
    assert isinstance(exc, StarletteHTTPException)
    path = request.url.path
    if 400 <= exc.status_code < 500 and path.startswith("/console/") and not path.startswith("/console/events"):
        page = console.error_page(request, exc.status_code, str(exc.detail))
        page.headers.update(exc.headers or {})
        return page
    return await http_exception_handler(request, exc)


def app() -> FastAPI:  # uvicorn --factory api.main:app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app()
