"""`remi serve`: Redis (embedded unless REDIS_URL is set), the action server, Rasa and the API,
in the foreground; Ctrl-C stops them all. Trains the model first if none matches the data."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from pathlib import Path

from tools import stack

SECRETS_FILE = stack.ROOT / "var" / "secrets.env"
EMBEDDED_REDIS_PORT = int(os.environ.get("REMI_EMBEDDED_REDIS_PORT", "6391"))
SIMULATOR_PORT = int(os.environ.get("REMI_SIMULATOR_PORT", "8099"))


def ensure_dev_secrets() -> None:
    """On a developer's machine, random secrets in var/secrets.env for what .env leaves unset."""
    from cryptography.fernet import Fernet

    if os.environ.get("ENVIRONMENT", "development") == "production":
        return
    existing = _read_env(SECRETS_FILE) | _read_env(stack.ROOT / ".env")
    wanted = {
        "TWILIO_AUTH_TOKEN": lambda: secrets.token_hex(16),
        "RASA_TOKEN": lambda: secrets.token_urlsafe(24),
        "SENDER_HASH_KEY": lambda: secrets.token_urlsafe(32),
        "CONTACT_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
    }
    missing = {k: make() for k, make in wanted.items() if k not in existing and k not in os.environ}
    if missing:
        SECRETS_FILE.parent.mkdir(parents=True, exist_ok=True)
        with SECRETS_FILE.open("a") as fh:
            for key, value in missing.items():
                fh.write(f"{key}={value}\n")
        SECRETS_FILE.chmod(0o600)


def _read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs[key.strip()] = value.split(" #")[0].strip().strip('"').strip("'")
    return pairs


def settings_env(settings) -> dict[str, str]:
    """Every setting as an environment variable, for the children (Rasa reads its endpoints'
    values from the environment)."""
    env = {name.upper(): "" if value is None else str(value) for name, value in settings.model_dump().items()}
    env["REMI_TRACKER_TTL"] = str(settings.retention_days * 86400)
    return {k: v for k, v in env.items() if v != "" or k == "REDIS_URL"}


def check_content(production: bool, accept_unverified_content: bool = False, root: Path | None = None) -> bool:
    """In production, the go-live audit's summary at start; no emergency contact at all stops
    the start unless the operator accepts it (and that is logged)."""
    import logging

    from remi.content.audit import audit

    if not production:
        return True
    report = audit(root) if root else audit()
    print(f"remi: content audit: {report.summary()} (`remi content audit` lists them)", flush=True)
    if report.has_emergency_contact:
        return True
    if accept_unverified_content:
        logging.getLogger("tools.serve").warning(
            "starting with no emergency contact in the content (--accept-unverified-content)"
        )
        print(
            "remi: WARNING: no emergency contact in the content; started anyway (--accept-unverified-content)",
            flush=True,
        )
        return True
    print(
        "remi: refusing to start: the content has no emergency contact, so an emergency answer would give no "
        "number. Add one to content/directory.yml (emergency_contact: true), or start with "
        "--accept-unverified-content.",
        flush=True,
    )
    return False


def serve(simulator: bool = False, accept_unverified_content: bool = False) -> int:
    ensure_dev_secrets()
    if simulator:
        os.environ.setdefault("TWILIO_API_BASE_URL", f"http://127.0.0.1:{SIMULATOR_PORT}")
    from engine.config import Settings

    settings = Settings()
    if not check_content(settings.environment == "production", accept_unverified_content):
        return 2
    started = time.monotonic()
    print("remi: checking the model (trains if the training data changed)...", flush=True)
    model = stack.train()
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    system = stack.Stack(env=dict(os.environ), run_dir=run_dir)
    try:
        if settings.embedded_redis:
            system.start_redis(EMBEDDED_REDIS_PORT, settings.data_dir / "redis")
            settings.redis_url = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
        system.env |= settings_env(settings)
        action_port = int(settings.action_server_url.rsplit(":", 1)[1].split("/")[0])
        rasa_port = int(settings.rasa_url.rsplit(":", 1)[1].split("/")[0])
        actions = system.start_actions(action_port)
        rasa = system.start_rasa(rasa_port, model)
        api = system.start_api(settings.api_host, settings.api_port)
        stack.wait_for_http(f"{settings.action_server_url}/health", actions, 120)
        stack.wait_for_http(f"{settings.rasa_url}/", rasa, 300)
        stack.wait_for_http(f"http://{settings.api_host}:{settings.api_port}/healthz", api, 60)
        print(
            f"remi: ready in {time.monotonic() - started:.0f}s. Webhook: {settings.public_base_url}/webhooks/twilio/messages"
            f"  Logs: {run_dir}/",
            flush=True,
        )
        if simulator:
            print("remi: talk to the bot with `remi chat` in another terminal.", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                for child in system.children:
                    if child.process.poll() is not None:
                        print(f"remi: {child.name} stopped (exit {child.process.returncode}); see {child.log}")
                        return 1
                stop.wait(1)
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        print("remi: stopping...", flush=True)
        system.stop()
