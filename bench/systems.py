"""The two systems under test, started as tests/support/system.py starts the real stack: one
Redis of the benchmark's own, the trained model, the action server, Rasa and the API on free
loopback ports with generated secrets; beside them plain Rasa (Rasa 3.6's Twilio connector,
bench/plain_rasa_twilio.py) with the same model and the same action server, its trackers in
another Redis database. Replies of both go to the one Twilio stand-in."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import psutil
from cryptography.fernet import Fernet

from tools import stack

ACCOUNT_SID = "AC" + "8" * 32
SMS_FROM = "+22780000000"
WHATSAPP_FROM = "whatsapp:+22780000000"
PUBLIC_BASE_URL = "https://remi.example.org"  # as Twilio would call it, behind a proxy
RASA_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


@dataclass
class Systems:
    env: dict[str, str]
    ours: stack.Stack
    plain: stack.Stack
    model: Path
    api_url: str
    rasa_url: str
    plain_url: str
    redis_url: str

    def processes(self) -> dict[str, psutil.Process]:
        """The processes to measure, by the name the report uses."""
        named = {c.name: c for c in self.ours.children + self.plain.children}
        return {
            name: psutil.Process(named[name].process.pid) for name in ("redis", "actions", "rasa", "api", "plain-rasa")
        }

    def stop(self) -> None:
        self.plain.stop()
        self.ours.stop()


def settings(run_dir: Path, twilio_base_url: str, auth_token: str) -> dict[str, str]:
    ports = {name: stack.free_port() for name in ("redis", "api", "rasa", "actions", "plain")}
    return dict(os.environ) | {
        "ENVIRONMENT": "production",  # as deployed: real (generated) secrets required
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": auth_token,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_API_BASE_URL": twilio_base_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(ports["api"]),
        "REMI_TRACKER_TTL": str(90 * 86400),
        "DATA_DIR": str(run_dir),
        "BENCH_PLAIN_PORT": str(ports["plain"]),
    }


def start_plain_rasa(plain: stack.Stack, port: int, model: Path) -> stack.Child:
    """Rasa's Twilio connector, changed only in where its SDK client sends (see the module)."""
    endpoints, credentials = plain.rasa_files("twilio", "plain-rasa")
    text = credentials.read_text()
    assert text.startswith("twilio:")
    credentials.write_text("bench.plain_rasa_twilio.StandInTwilioInput:" + text.removeprefix("twilio:"))
    cmd = [
        str(stack.RASA_PYTHON),
        "-m",
        "rasa",
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    # `bench` is not one of the packages installed in .venv-rasa: found from the project root.
    return plain.spawn("plain-rasa", cmd, RASA_ENV | {"PYTHONPATH": str(stack.ROOT)})


def start(run_dir: Path, twilio_base_url: str, auth_token: str) -> Systems:
    run_dir.mkdir(parents=True, exist_ok=True)
    env = settings(run_dir, twilio_base_url, auth_token)
    model = stack.train(quiet=True)
    ours = stack.Stack(env=env, run_dir=run_dir)
    redis_url = env["REDIS_URL"]
    plain = stack.Stack(env=dict(env) | {"REDIS_URL": redis_url.rsplit("/", 1)[0] + "/1"}, run_dir=run_dir)
    port = lambda url: int(url.rsplit(":", 1)[1])  # noqa: E731
    plain_port = int(env["BENCH_PLAIN_PORT"])
    try:
        ours.start_redis(port(redis_url.rsplit("/", 1)[0]), run_dir / "redis")
        actions = ours.start_actions(port(env["ACTION_SERVER_URL"]))
        rasa = ours.start_rasa(port(env["RASA_URL"]), model)
        plain_rasa = start_plain_rasa(plain, plain_port, model)
        api = ours.start_api("127.0.0.1", int(env["API_PORT"]))
        stack.wait_for_http(f"{env['ACTION_SERVER_URL']}/health", actions, 120)
        stack.wait_for_http(f"{env['RASA_URL']}/", rasa, 300)
        stack.wait_for_http(f"http://127.0.0.1:{plain_port}/webhooks/twilio/", plain_rasa, 300)
        stack.wait_for_http(f"http://127.0.0.1:{env['API_PORT']}/healthz", api, 60)
    except Exception:
        plain.stop()
        ours.stop()
        raise
    return Systems(
        env,
        ours,
        plain,
        model,
        f"http://127.0.0.1:{env['API_PORT']}",
        env["RASA_URL"],
        f"http://127.0.0.1:{plain_port}",
        redis_url,
    )
