"""Every setting of the API, the worker and `remi serve`, from the environment or `.env`.

.env.example lists each one with a comment. The environment is production unless ENVIRONMENT
says otherwise (the demo and the tests say development and test). In production every secret
must be set and look random: at least 32 bytes once decoded (16 for Twilio's token, which
Twilio makes), without long repeats or a small alphabet (`secret_problem`). Outside production,
`remi serve` writes random secrets into var/secrets.env on a first run, and only there is that
file read.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / ".env"
DEV_SECRETS_FILE = ROOT / "var" / "secrets.env"  # development and tests only
MIN_SECRET_BYTES = 32
# (setting, bytes it must hold at least): Twilio makes its auth tokens (32 hex digits, 16 bytes).
SECRETS = (
    ("twilio_auth_token", 16),
    ("rasa_token", MIN_SECRET_BYTES),
    ("sender_hash_key", MIN_SECRET_BYTES),
    ("contact_encryption_key", MIN_SECRET_BYTES),
)


def environment_name() -> str:
    """ENVIRONMENT from the process's environment, else from .env, else production."""
    name = os.environ.get("ENVIRONMENT") or (dotenv_values(ENV_FILE).get("ENVIRONMENT") if ENV_FILE.exists() else None)
    return (name or "production").strip().lower()


def _decoded(value: str) -> bytes:
    """The bytes a secret stands for: hex and base64 (standard or URL-safe) are decoded."""
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        return bytes.fromhex(value)
    if re.fullmatch(r"[A-Za-z0-9_\-+/]+={0,2}", value):
        try:
            return base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4))
        except binascii.Error:
            pass
    return value.encode()


def secret_problem(value: str, min_bytes: int = MIN_SECRET_BYTES) -> str | None:
    """Why `value` is not a secret of at least `min_bytes` random bytes, or None.

    A heuristic on the text itself (no list of bad words): long enough once decoded, an
    empirical entropy of at least 60 % of the bits asked for, at least 2.5 bits a character,
    and no pattern repeated (four in five of its three-character runs distinct).
    """
    text = value.strip()
    if len(_decoded(text)) < min_bytes:
        return f"is shorter than {min_bytes} bytes"
    counts = Counter(text)
    per_char = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    if per_char < 2.5 or per_char * len(text) < 0.6 * 8 * min_bytes:
        return "does not look random (too few different characters)"
    runs = [text[i : i + 3] for i in range(len(text) - 2)]
    if len(set(runs)) < 0.8 * len(runs):
        return "does not look random (it repeats itself)"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "production"

    # Twilio
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str
    twilio_auth_token_previous: str = ""  # while rotating the token: webhooks signed with it still pass
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_sms_from: str = "+22700000000"  # the service's SMS number, E.164
    twilio_whatsapp_from: str = "whatsapp:+22700000000"
    public_base_url: str = "http://127.0.0.1:8000"  # as Twilio sees it; signatures are over it

    # Where things listen
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    redis_url: str | None = None  # unset: an embedded Redis under data_dir
    data_dir: Path = ROOT / "var"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str
    action_server_url: str = "http://127.0.0.1:5055"

    # Privacy: keyed hash of phone numbers, encryption of the contact record
    sender_hash_key: str
    contact_encryption_key: str  # a Fernet key
    retention_days: int = 90
    # Insight (engine/insight/): the events' SQLite file; empty: insight.sqlite3 under DATA_DIR
    insight_db: Path | None = None

    # Worker
    api_worker: bool = True  # the API process runs the worker too; false when `remi worker` runs apart
    # "webhooks": the process serves Twilio's webhooks and /healthz only (`remi api --only webhooks`)
    api_routes: Literal["all", "webhooks"] = "all"
    # Above the number of people writing at once, or newcomers wait in remi:ready behind
    # conversations that keep their worker (docs/benchmarks.md, "System benchmark").
    worker_concurrency: int = 64
    rasa_timeout_seconds: float = 8.0
    send_max_attempts: int = 5
    send_backoff_seconds: float = 0.5
    twilio_timeout_seconds: float = Field(15.0, gt=0)  # a send without answer by then is "unknown", not resent

    # Guidance: the content folder (read by the action server and the handover notices through
    # CONTENT_DIR, which this setting passes on to the children)
    content_dir: Path = ROOT / "content"

    # SMS rendering
    sms_gsm_folding: bool = True
    sms_max_segments_per_page: int = Field(2, ge=1, le=3)

    # Abuse and cost
    max_body_bytes: int = 64 * 1024
    inbound_per_sender_per_minute: int = 20
    # Messages waiting for the worker, all people together, beyond which a person is told once an
    # hour "we are busy, your message is kept" (it is still stored and answered; emergencies are
    # never told, and go first). 0: no cap.
    max_waiting_messages: int = Field(2000, ge=0)
    outbound_segments_per_sender_per_day: int = 60
    operator_api_per_minute: int = 120

    # Handover
    handover_escalate_minutes: int = 30
    handover_sweep_seconds: float = 20.0  # how often the worker looks for handovers to escalate
    routing_file: Path = ROOT / "config" / "routing.yml"  # teams and referral rules (administrators)
    operator_session_hours: int = 12  # lifetime of an operator's bearer token or console session
    # Password checks (argon2, about 0.1 s of a core each) run in a pool of their own, so that a
    # flood of sign-ins cannot take the cores the webhooks need; more waiting than this: 429.
    signin_workers: int = Field(default=1, ge=1, le=8)
    signin_queue: int = Field(default=8, ge=0, le=100)
    # An operator's reply answers the page by then even if Twilio is slow (the send goes on and
    # the transcript gets its status): under the proxy's read timeout (15 s in docs/deployment.md).
    reply_answer_within_seconds: float = Field(default=8.0, gt=0)
    webhook_max_attempts: int = 6  # deliveries to a partner before the dead-letter list
    webhook_backoff_seconds: float = 30.0  # first wait before a retry, doubling each time
    webhook_timeout_seconds: float = 10.0

    # Safety alerts (engine/alerts/): sent at a pace Twilio accepts from one number, never in the
    # way of conversations (docs/deployment.md, "Safety alerts").
    alert_per_second_per_number: float = Field(1.0, gt=0, le=500)  # messages a second from each number
    alert_daily_cap_per_number: int = Field(10_000, ge=1)  # alert messages a day from each number (UTC day)
    alert_batch_size: int = Field(100, ge=1, le=1000)  # recipients taken at a time; a restart resumes from a batch
    alert_send_concurrency: int = Field(8, ge=1, le=64)  # sends in flight at once (Twilio answers in ~150 ms)
    # A WhatsApp recipient who last wrote more than 24 hours ago can only be sent an approved
    # template: "template" (WHATSAPP_ALERT_TEMPLATE_SID, the alert as its variable {{1}}) or "sms".
    whatsapp_outside_window: Literal["template", "sms"] = "sms"
    whatsapp_alert_template_sid: str = ""  # HX..., Twilio's Content SID of the approved alert template
    # The approved template that invites a person to write back when an operator's reply finds
    # WhatsApp's window closed (engine/window.py), per language: {"fr": "HX...", "ha": "HX...",
    # "en": "HX..."} (JSON in the environment). Its variable {{1}} is the team's name. Without
    # one for the person's language, a reply outside the window is refused with the reason.
    whatsapp_invitation_content_sids: dict[str, str] = {}
    sms_price_per_segment: float = Field(0.0, ge=0)  # for the cost shown before sending; 0: segments only
    sms_price_currency: str = "USD"

    # Addresses of the reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed
    # (uvicorn's --forwarded-allow-ips), comma-separated; empty: none, the headers are ignored.
    trusted_proxies: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The generated development secrets are never read in production, even if the file is there.
        files = (ENV_FILE,) if environment_name() == "production" else (DEV_SECRETS_FILE, ENV_FILE)
        return init_settings, env_settings, DotEnvSettingsSource(settings_cls, env_file=files), file_secret_settings

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if self.environment == "production":
            for name, min_bytes in SECRETS:
                for part in (
                    getattr(self, name).split(",") if name == "contact_encryption_key" else [getattr(self, name)]
                ):
                    problem = secret_problem(part, min_bytes)
                    if problem:
                        raise ValueError(
                            f"{name.upper()} {problem}: in production every secret must be random "
                            f"(`remi secrets` prints new ones)"
                        )
        if self.whatsapp_outside_window == "template" and not self.whatsapp_alert_template_sid.startswith("HX"):
            raise ValueError("WHATSAPP_OUTSIDE_WINDOW=template needs WHATSAPP_ALERT_TEMPLATE_SID (HX...)")
        return self

    @property
    def insight_path(self) -> Path:
        return self.insight_db or self.data_dir / "insight.sqlite3"

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    def required_redis_url(self) -> str:
        """The Redis a process connects to: `remi serve` sets it for its children after starting
        the embedded one; a part run alone (`remi api`, `remi worker`) needs it set."""
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set: run `remi serve`, or set REDIS_URL for this process")
        return self.redis_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
