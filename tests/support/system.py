"""The real system for tests: a Redis server of the tests' own, the trained model, the action
server, Rasa and the API as child processes, and the Twilio stand-in (the one part stood in
for). Tests talk to it as Twilio and as a phone would."""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tools import stack
from tools.twilio_standin import TwilioStandIn, inbound_form, signed_webhook

ACCOUNT_SID = "AC" + "1" * 32
SMS_FROM = "+22780000000"
WHATSAPP_FROM = "whatsapp:+22780000000"
# Twilio signs the URL it calls, which behind a proxy is not the address the API listens on.
PUBLIC_BASE_URL = "https://remi.example.org"


_ISSUED: set[str] = set()


def new_number() -> str:
    """A phone number no other test uses, so conversations never meet. Drawn at random and never
    twice: 2,000 draws from ten million collide one time in five (the broadcast test's 2,000
    subscribers once counted 1,999)."""
    while (number := "+2279" + "".join(random.choices("0123456789", k=7))) in _ISSUED:
        pass
    _ISSUED.add(number)
    return number


@dataclass
class System:
    stack: stack.Stack
    twilio: TwilioStandIn
    env: dict[str, str]
    api_url: str
    redis_port: int
    redis_dir: Path
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=20))

    @property
    def auth_token(self) -> str:
        return self.env["TWILIO_AUTH_TOKEN"]

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def post_webhook(
        self,
        form: dict[str, str],
        path: str = "/webhooks/twilio/messages",
        signature: str | None = None,
        api_url: str | None = None,
    ) -> httpx.Response:
        body, headers = signed_webhook(PUBLIC_BASE_URL + path, self.auth_token, form)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.http.post((api_url or self.api_url) + path, content=body, headers=headers)

    def form(self, body: str, number: str, whatsapp: bool = False, **extra: str) -> dict[str, str]:
        return inbound_form(
            body, number, WHATSAPP_FROM if whatsapp else SMS_FROM, ACCOUNT_SID, whatsapp=whatsapp, **extra
        )

    def send(self, body: str, number: str, whatsapp: bool = False, **extra: str) -> httpx.Response:
        response = self.post_webhook(self.form(body, number, whatsapp, **extra))
        assert response.status_code == 200, response.text
        return response

    def converse(self, body: str, number: str, whatsapp: bool = False, quiet: float = 1.2, **extra) -> list[str]:
        """Send a message and return the texts the phone receives for it."""
        address = ("whatsapp:" if whatsapp else "") + number
        before = len(self.twilio.sent_to(address))
        self.send(body, number, whatsapp, **extra)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.twilio.sent_to(address)) == before:
            time.sleep(0.05)
        settled = self.twilio.wait_quiet(address, quiet=quiet, timeout=30)
        return [m.body for m in settled[before:]]

    def log_text(self) -> str:
        return "\n".join(c.log.read_text(errors="replace") for c in self.stack.children if c.log.exists())


def start_system(run_dir: Path, extra_env: dict[str, str] | None = None) -> System:
    run_dir.mkdir(parents=True, exist_ok=True)
    redis_port, api_port, rasa_port, action_port = (stack.free_port() for _ in range(4))
    env = (
        dict(os.environ)
        | {
            "ENVIRONMENT": "test",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "RASA_TOKEN": secrets.token_urlsafe(32),
            "SENDER_HASH_KEY": secrets.token_urlsafe(32),
            "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}",
            "API_HOST": "127.0.0.1",
            "API_PORT": str(api_port),
            "SEND_BACKOFF_SECONDS": "0.05",
            "REMI_TRACKER_TTL": str(90 * 86400),
            "DATA_DIR": str(run_dir),
            # Handovers: the tests' own teams, and escalations and webhook retries quick enough to watch.
            "ROUTING_FILE": str(Path(__file__).with_name("routing.yml")),
            "HANDOVER_SWEEP_SECONDS": "0.5",
            "WEBHOOK_BACKOFF_SECONDS": "0.2",
            "WEBHOOK_MAX_ATTEMPTS": "4",
            # Alerts: fast enough that a broadcast to thousands fits in a test.
            "ALERT_PER_SECOND_PER_NUMBER": "100",
            # WhatsApp's 24-hour window: the invitation template per language (engine/window.py).
            "WHATSAPP_INVITATION_CONTENT_SIDS": json.dumps(
                {lang: f"HXinvite{lang}" + "0" * 24 for lang in ("fr", "ha", "en")}
            ),
        }
        | (extra_env or {})
    )
    twilio = TwilioStandIn(ACCOUNT_SID, env["TWILIO_AUTH_TOKEN"]).start()
    env["TWILIO_API_BASE_URL"] = twilio.base_url
    model = stack.train(quiet=True)
    system = stack.Stack(env=env, run_dir=run_dir)
    try:
        system.start_redis(redis_port, run_dir / "redis")
        actions = system.start_actions(action_port)
        rasa = system.start_rasa(rasa_port, model)
        api = system.start_api("127.0.0.1", api_port)
        stack.wait_for_http(f"http://127.0.0.1:{action_port}/health", actions, 120)
        stack.wait_for_http(f"http://127.0.0.1:{rasa_port}/", rasa, 300)
        stack.wait_for_http(f"http://127.0.0.1:{api_port}/healthz", api, 60)
    except Exception:
        system.stop()
        twilio.stop()
        raise
    return System(system, twilio, env, f"http://127.0.0.1:{api_port}", redis_port, run_dir / "redis")
