"""`remi serve`: Redis (embedded unless REDIS_URL is set), the action server, Rasa and the API,
in the foreground. Trains the model first if none matches the data.

Stopping it stops everything: Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed, an SSH
session dropped) stop every child, and a `remi serve` that dies without cleaning up (SIGKILL,
the OOM killer) takes them with it (tools/stack.py: each child asks for a parent-death signal).
Before starting it checks that every port it needs is free and names whoever holds one; it
says "ready" only when its own children answer.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

from tools import stack

SECRETS_FILE = stack.ROOT / "var" / "secrets.env"
EMBEDDED_REDIS_PORT = int(os.environ.get("REMI_EMBEDDED_REDIS_PORT", "6391"))
SIMULATOR_PORT = int(os.environ.get("REMI_SIMULATOR_PORT", "8099"))
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """A stop signal arrived: whatever `remi serve` was doing, it stops its children."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def new_secrets() -> dict[str, str]:
    """Fresh random values for the service's own secrets (32 bytes each)."""
    from cryptography.fernet import Fernet

    return {
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }


def ensure_dev_secrets() -> None:
    """Outside production, random secrets in var/secrets.env for what .env leaves unset."""
    from engine.config import environment_name

    if environment_name() == "production":
        return
    existing = _read_env(SECRETS_FILE) | _read_env(stack.ROOT / ".env")
    wanted = new_secrets() | {"TWILIO_AUTH_TOKEN": secrets.token_hex(16)}
    missing = {k: v for k, v in wanted.items() if k not in existing and k not in os.environ}
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
    values from the environment; tools/stack.py leaves the secrets out for Rasa and the actions)."""
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


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _raise_stopped(signum, _frame) -> None:
    raise Stopped(signum)


def serve(simulator: bool = False, accept_unverified_content: bool = False) -> int:
    # Installed first: a signal during training or start-up must stop the children too.
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise_stopped)
    try:
        return _serve(simulator, accept_unverified_content)
    except Stopped as stop:
        print(f"remi: {stop} received", flush=True)
        return 0 if stop.signum in (signal.SIGINT, signal.SIGTERM) else 128 + stop.signum


def _serve(simulator: bool, accept_unverified_content: bool) -> int:
    if simulator:
        # The phone simulator is a developer's tool: its replies never go to Twilio.
        os.environ.setdefault("ENVIRONMENT", "development")
        os.environ.setdefault("TWILIO_API_BASE_URL", f"http://127.0.0.1:{SIMULATOR_PORT}")
    ensure_dev_secrets()
    from pydantic import ValidationError

    from engine.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"remi: the settings are not usable:\n{exc}", file=sys.stderr)
        return 2
    if not check_content(settings.environment == "production", accept_unverified_content):
        return 2
    ports = {
        "action server": ("127.0.0.1", _port(settings.action_server_url)),
        "rasa": ("127.0.0.1", _port(settings.rasa_url)),
        "api": (settings.api_host, settings.api_port),
    }
    if settings.embedded_redis:
        ports["redis"] = ("127.0.0.1", EMBEDDED_REDIS_PORT)
    busy = stack.busy_ports(ports)
    if busy:
        for line in busy:
            print(f"remi: {line}", file=sys.stderr)
        print("remi: stop it (or set another port) and start again.", file=sys.stderr)
        return 1

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
        actions = system.start_actions(_port(settings.action_server_url))
        rasa = system.start_rasa(_port(settings.rasa_url), model)
        api = system.start_api(settings.api_host, settings.api_port)
        # Each answer must come from the child just started (stack.wait_for_http checks who
        # listens): a leftover of an earlier run on the same port is not "ready".
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
        while True:
            for child in system.children:
                if child.process.poll() is not None:
                    print(f"remi: {child.name} stopped (exit {child.process.returncode}); see {child.log}", flush=True)
                    return 1
            time.sleep(1)
    except (RuntimeError, TimeoutError) as exc:
        print(f"remi: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second signal must not cut the stopping short.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        print("remi: stopping...", flush=True)
        system.stop()
        print("remi: stopped.", flush=True)
