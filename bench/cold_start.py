"""Cold start: `remi serve` as a person would run it (REDIS_URL unset, so its own embedded
Redis, here on a free port), with a trained model present, to the first answer of a first
message sent as soon as it says it is ready. Replies go to the benchmark's stand-in."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from cryptography.fernet import Fernet

from bench.mix import Script, Step
from bench.systems import ACCOUNT_SID, PUBLIC_BASE_URL, SMS_FROM
from bench.traffic import Registry, Sender, Target, wait_answered
from tools import stack


@dataclass
class ColdStart:
    ready: float  # seconds from launch to "remi: ready"
    first_answer: float  # seconds from launch to the first reply at the stand-in
    reply: str


def _remi_command() -> list[str]:
    script = Path(sys.executable).with_name("remi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tools.cli"]


async def measure(
    run_dir: Path, twilio_base_url: str, token: str, registry: Registry, http, timeout: float = 240
) -> ColdStart:
    ports = {name: stack.free_port() for name in ("redis", "api", "rasa", "actions")}
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "REMI_EMBEDDED_REDIS_PORT": str(ports["redis"]),
        "DATA_DIR": str(run_dir),
        "API_HOST": "127.0.0.1",
        "API_PORT": str(ports["api"]),
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}",
        "TWILIO_API_BASE_URL": twilio_base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_SMS_FROM": SMS_FROM,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        # Given here so that `remi serve` does not write var/secrets.env.
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    log = (run_dir / "serve.log").open("w")
    ready = threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(
        _remi_command() + ["serve"],
        cwd=stack.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def read() -> None:
        for line in process.stdout or ():
            log.write(line)
            log.flush()
            if line.startswith("remi: ready"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    descendants: list[psutil.Process] = []
    try:
        while not ready.wait(0.05):
            if process.poll() is not None:
                raise RuntimeError(f"remi serve exited ({process.returncode}); see {run_dir / 'serve.log'}")
            if time.monotonic() - started > timeout:
                raise TimeoutError("remi serve was not ready in time")
            await asyncio.sleep(0)
        ready_at = time.monotonic() - started
        descendants = psutil.Process(process.pid).children(recursive=True)
        target = Target(
            "cold",
            f"http://127.0.0.1:{ports['api']}/webhooks/twilio/messages",
            PUBLIC_BASE_URL + "/webhooks/twilio/messages",
            token,
            ACCOUNT_SID,
            SMS_FROM,
        )
        sender = Sender(target, http, registry, {})
        conv = sender.conversation(Script("cold", "fr", "cold start", (Step("Bonjour", "greeting"),)))
        turn = sender.send(conv, 0)
        await wait_answered([turn], time.monotonic() + 60)
        if not turn.replies:
            raise RuntimeError("remi serve gave no answer to the first message")
        first = turn.replies[0] - time.time() + time.monotonic() - started
        return ColdStart(ready_at, first, turn.texts[0])
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # `remi serve` stops its children itself
            try:
                process.wait(40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in descendants:  # only if `remi serve` could not stop them
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        log.close()
