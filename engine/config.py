"""Every setting of the API, the worker and `remi serve`, from the environment or `.env`.

.env.example lists each one with a comment. Secrets have no default: `remi serve` writes
random ones into var/secrets.env on a developer's first run; in production they must be set,
and placeholders are refused.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "your-auth-token"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=(ROOT / "var" / "secrets.env", ROOT / ".env"), env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"

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

    # Worker
    api_worker: bool = True  # the API process runs the worker too; false when `remi worker` runs apart
    # Above the number of people writing at once, or newcomers wait in remi:ready behind
    # conversations that keep their worker (docs/benchmarks.md, "System benchmark").
    worker_concurrency: int = 64
    rasa_timeout_seconds: float = 8.0
    send_max_attempts: int = 5
    send_backoff_seconds: float = 0.5
    twilio_timeout_seconds: float = Field(15.0, gt=0)  # a send without answer by then is "unknown", not resent

    # SMS rendering
    sms_gsm_folding: bool = True
    sms_max_segments_per_page: int = Field(2, ge=1, le=3)

    # Abuse and cost
    max_body_bytes: int = 64 * 1024
    inbound_per_sender_per_minute: int = 20
    outbound_segments_per_sender_per_day: int = 60
    operator_api_per_minute: int = 120

    # Handover
    handover_escalate_minutes: int = 30
    handover_sweep_seconds: float = 20.0  # how often the worker looks for handovers to escalate
    routing_file: Path = ROOT / "config" / "routing.yml"  # teams and referral rules (administrators)
    operator_session_hours: int = 12  # lifetime of an operator's bearer token or console session
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
    sms_price_per_segment: float = Field(0.0, ge=0)  # for the cost shown before sending; 0: segments only
    sms_price_currency: str = "USD"

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment == "production":
            for name in ("twilio_auth_token", "rasa_token", "sender_hash_key", "contact_encryption_key"):
                if getattr(self, name).strip().lower() in PLACEHOLDERS:
                    raise ValueError(f"{name.upper()} must be set to a real secret in production")
        if self.whatsapp_outside_window == "template" and not self.whatsapp_alert_template_sid.startswith("HX"):
            raise ValueError("WHATSAPP_OUTSIDE_WINDOW=template needs WHATSAPP_ALERT_TEMPLATE_SID (HX...)")
        return self

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
