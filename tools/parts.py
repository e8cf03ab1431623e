"""`remi api`, `remi rasa`, `remi actions`: one part of the service in the foreground, for a
process manager (deploy/*.service). Each replaces itself with the part's own process (exec), so
the manager's signals and restarts reach the part directly, and each is given only the settings
it needs: Rasa and the action server never see the Twilio token, the hash or encryption keys.
`remi worker` (tools/worker.py) is the fourth part; `remi serve` runs them all at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tools import stack


def _setting(name: str, default: str | None = None) -> str | None:
    """A setting from the environment, else .env (as engine.config reads them)."""
    from dotenv import dotenv_values

    env_file = stack.ROOT / ".env"
    return os.environ.get(name) or (dotenv_values(env_file).get(name) if env_file.exists() else None) or default


def _exec(cmd: list[str], env: dict[str, str]) -> int:
    sys.stdout.flush()
    os.chdir(stack.ROOT)
    os.execve(cmd[0], cmd, env)
    return 127  # not reached


def _busy(part: str, host: str, port: int) -> bool:
    holder = stack.port_in_use(host, port)
    if holder:
        print(f"remi {part}: port {port} is in use by {holder}", file=sys.stderr)
    return bool(holder)


def api(only: str | None, host: str | None, port: int | None) -> int:
    """The API (with its worker unless API_WORKER=false); `only="webhooks"` serves Twilio's
    webhooks and /healthz alone, so that they can run in a process of their own."""
    from pydantic import ValidationError

    from engine.config import Settings

    try:
        settings = Settings()  # refuse bad settings here, with a readable message
    except ValidationError as exc:
        print(f"remi api: the settings are not usable:\n{exc}", file=sys.stderr)
        return 2
    if settings.embedded_redis:
        print("remi api: set REDIS_URL (only `remi serve` runs a Redis of its own)", file=sys.stderr)
        return 2
    host, port = host or settings.api_host, port or settings.api_port
    if _busy("api", host, port):
        return 1
    env = dict(os.environ) | ({"API_ROUTES": only} if only else {})
    return _exec(stack.api_command(host, port, settings.trusted_proxies), env)


def _host_port(url: str, host: str | None, port: int | None) -> tuple[str, int]:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return host or parsed.hostname or "127.0.0.1", port or parsed.port or 80


def rasa(host: str | None, port: int | None, model: Path | None) -> int:
    """Rasa with this project's channel, its trackers in Redis; the model must be trained."""
    redis_url, token = _setting("REDIS_URL"), _setting("RASA_TOKEN")
    if not redis_url or not token:
        print("remi rasa: REDIS_URL and RASA_TOKEN must be set", file=sys.stderr)
        return 2
    model = model or stack.model_path()
    if not model.exists():
        print(f"remi rasa: no model {model.name} for the current training data: run `remi train`", file=sys.stderr)
        return 2
    host, port = _host_port(_setting("RASA_URL", "http://127.0.0.1:5005") or "", host, port)
    if _busy("rasa", host, port):
        return 1
    run_dir = Path(_setting("DATA_DIR", str(stack.ROOT / "var")) or "var") / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    redis_env = stack.rasa_redis_env(redis_url)
    password = "\n  password: ${REMI_REDIS_PASSWORD}" if "REMI_REDIS_PASSWORD" in redis_env else ""
    endpoints, credentials = stack.write_rasa_files(run_dir, "remi", "rasa", password)
    retention = int(_setting("RETENTION_DAYS", "90") or 90)
    env = stack.without_secrets(dict(os.environ)) | redis_env | stack.RASA_ENV
    env |= {
        "RASA_TOKEN": token,
        "ACTION_SERVER_URL": _setting("ACTION_SERVER_URL", "http://127.0.0.1:5055") or "",
        "REMI_TRACKER_TTL": str(retention * 86400),
        "LOG_LEVEL": "INFO",  # never DEBUG: Rasa then logs every message's text
    }
    return _exec(stack.rasa_command(model, endpoints, credentials, host, port), env)


def actions(host: str | None, port: int | None) -> int:
    """The action server (rasa-sdk), which renders the content for each channel."""
    host, port = _host_port(_setting("ACTION_SERVER_URL", "http://127.0.0.1:5055") or "", host, port)
    if _busy("actions", host, port):
        return 1
    env = stack.without_secrets(dict(os.environ), also=("RASA_TOKEN",)) | stack.RASA_ENV
    for name in ("SMS_MAX_SEGMENTS_PER_PAGE", "SMS_GSM_FOLDING"):  # what actions/reply.py reads
        value = _setting(name)
        if value:
            env[name] = value
    return _exec(stack.actions_command(host, port), env)


def print_secrets() -> int:
    """New random secrets, as lines for .env or a secrets store."""
    from tools.serve import new_secrets

    for name, value in new_secrets().items():
        print(f"{name}={value}")
    return 0
