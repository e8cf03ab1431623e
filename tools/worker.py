"""`remi worker`: the worker on its own, for deployments that run the API with API_WORKER=false
(several API processes taking webhooks, workers scaled apart)."""

from __future__ import annotations

import asyncio
import logging
import signal

from engine import assembly, storage
from engine.config import get_settings


async def _main() -> None:
    settings = get_settings()
    redis = storage.connect(settings.required_redis_url())
    engine = assembly.build(settings, redis)
    engine.worker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await engine.worker.stop()
    await engine.aclose()
    await redis.aclose()


def run() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_main())
    return 0
