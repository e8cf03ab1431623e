"""Production is the default: a missing secret, or one that is not at least 32 random bytes
(Twilio's token: its 16), stops the service from starting; the development secrets file is not
read in production; forwarded headers are believed from the configured proxies only."""

from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from engine import config
from tools import stack

GOOD = {
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    "RASA_TOKEN": secrets.token_urlsafe(32),
    "SENDER_HASH_KEY": secrets.token_hex(32),
    "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}
SIXTEEN_RANDOM_BYTES = secrets.token_urlsafe(16)
WEAK = [
    "remi2024",  # the example
    "remi2024" * 8,  # long, but a repeated word
    "a" * 64,
    "0123456789abcdef" * 4,
    secrets.token_hex(8),  # random, but 8 bytes
    SIXTEEN_RANDOM_BYTES,
    "",
]


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No ENVIRONMENT, no secrets in the environment, no .env and no secrets file."""
    for name in ["ENVIRONMENT", *GOOD]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "ENV_FILE", tmp_path / ".env")
    monkeypatch.setattr(config, "DEV_SECRETS_FILE", tmp_path / "secrets.env")
    return monkeypatch


def test_production_is_the_default(clean):
    assert config.environment_name() == "production"
    for name, value in GOOD.items():
        clean.setenv(name, value)
    assert config.Settings().environment == "production"


@pytest.mark.parametrize("name", ["RASA_TOKEN", "SENDER_HASH_KEY", "CONTACT_ENCRYPTION_KEY", "TWILIO_AUTH_TOKEN"])
@pytest.mark.parametrize("weak", WEAK, ids=lambda w: f"{w[:12]}({len(w)})")
def test_weak_secret_is_refused_in_production(clean, name, weak):
    if name == "TWILIO_AUTH_TOKEN" and weak == SIXTEEN_RANDOM_BYTES:
        pytest.skip("16 random bytes is what a Twilio token holds")
    for key, value in GOOD.items():
        clean.setenv(key, value)
    clean.setenv(name, weak)
    with pytest.raises(ValidationError, match=name):
        config.Settings()


def test_old_key_kept_while_rotating_must_be_random_too(clean):
    for key, value in GOOD.items():
        clean.setenv(key, value)
    clean.setenv("CONTACT_ENCRYPTION_KEY", GOOD["CONTACT_ENCRYPTION_KEY"] + ",remi2024remi2024remi2024remi2024")
    with pytest.raises(ValidationError, match="CONTACT_ENCRYPTION_KEY"):
        config.Settings()


def test_random_secrets_pass_whatever_their_encoding(clean):
    for _ in range(200):  # no false refusals of generated secrets
        assert config.secret_problem(secrets.token_urlsafe(32)) is None
        assert config.secret_problem(secrets.token_hex(32)) is None
        assert config.secret_problem(Fernet.generate_key().decode()) is None
        assert config.secret_problem(secrets.token_hex(16), 16) is None


def test_development_secrets_file_is_not_read_in_production(clean, tmp_path):
    (tmp_path / "secrets.env").write_text("".join(f"{k}={v}\n" for k, v in GOOD.items()))
    with pytest.raises(ValidationError):  # production: the file is ignored, so nothing is set
        config.Settings()
    clean.setenv("ENVIRONMENT", "development")
    assert config.Settings().sender_hash_key == GOOD["SENDER_HASH_KEY"]


def test_environment_in_dotenv_is_honoured(clean, tmp_path):
    (tmp_path / ".env").write_text("ENVIRONMENT=development\n")
    assert config.environment_name() == "development"


def test_forwarded_headers_are_believed_from_the_trusted_proxies_only():
    cmd = stack.api_command("127.0.0.1", 8000, "10.0.0.2")
    assert cmd[cmd.index("--forwarded-allow-ips") + 1] == "10.0.0.2" and "--proxy-headers" in cmd
    assert "--no-proxy-headers" in stack.api_command("127.0.0.1", 8000, "")  # uvicorn trusts 127.0.0.1 by default
