"""`remi worker`: the worker on its own, for deployments that run the API with API_WORKER=false
(several API processes taking webhooks, workers scaled apart)."""

from __future__ import annotations

import asyncio
import logging
import signal

from api import storage
from api.config import get_settings
from api.main import build_worker


async def _main() -> None:
    settings = get_settings()
    redis = storage.connect(settings.redis_url)
    worker = build_worker(settings, redis)
    worker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await worker.stop()
    await worker.outbox.aclose()
    await worker.conversation.rasa.aclose()
    await redis.aclose()


def run() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_main())
    return 0
