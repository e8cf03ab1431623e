"""The Redis a command such as `remi operators` or `remi keys` talks to: REDIS_URL, or the
embedded one `remi serve` runs."""

from __future__ import annotations

from engine.config import Settings


def redis_url(settings: Settings) -> str:
    if settings.embedded_redis:
        from tools.serve import EMBEDDED_REDIS_PORT

        return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
    return settings.required_redis_url()
