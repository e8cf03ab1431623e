"""`remi serve` as a person or a process manager runs it: whatever stops it (Ctrl-C, SIGTERM,
the terminal closing, SIGKILL), none of its children outlives it; a busy port is named before
anything starts; "ready" means its own children answer; Rasa and the action server are not
given the service's secrets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import psutil
import pytest
from cryptography.fernet import Fernet

from tools import stack

SECRETS = {
    "TWILIO_AUTH_TOKEN": os.urandom(16).hex(),
    "RASA_TOKEN": os.urandom(32).hex(),
    "SENDER_HASH_KEY": os.urandom(32).hex(),
    "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}


def serve_env(tmp_path, **extra: str) -> dict[str, str]:
    ports = {name: stack.free_port() for name in ("redis", "api", "rasa", "actions")}
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | SECRETS
    return env | {
        "ENVIRONMENT": "test",
        "REMI_EMBEDDED_REDIS_PORT": str(ports["redis"]),
        "DATA_DIR": str(tmp_path),
        "API_HOST": "127.0.0.1",
        "API_PORT": str(ports["api"]),
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # nothing is sent in these tests
        **extra,
    }


class Serve:
    """`remi serve` in a process of its own, its output collected."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.lines: list[str] = []
        self.children: list[psutil.Process] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.cli", "serve"],
            cwd=stack.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("remi: ready"):
                self.ready.set()

    def wait_ready(self, timeout: float = 300) -> list[psutil.Process]:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.2):
            assert self.process.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, "not ready in time:\n" + "".join(self.lines)
        self.children = psutil.Process(self.process.pid).children(recursive=True)
        return self.children

    def output(self) -> str:
        return "".join(self.lines)


def alive(processes: list[psutil.Process]) -> list[str]:
    """The processes still running (zombies waiting to be reaped are not running)."""
    left = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(p.cmdline())[:100])
        except psutil.NoSuchProcess:
            pass
    return left


def wait_gone(processes: list[psutil.Process], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive(processes)


def part(children: list[psutil.Process], marker: str) -> psutil.Process:
    return next(p for p in children if marker in " ".join(p.cmdline()))


@pytest.fixture
def serve(tmp_path):
    started: list[Serve] = []

    def start(**extra: str) -> Serve:
        started.append(Serve(serve_env(tmp_path, **extra)))
        return started[-1]

    yield start
    for s in started:  # whatever a failing test left behind
        s.process.kill()
        s.process.wait()
        for p in s.children:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_stop_signal_stops_every_child(serve, signum):
    s = serve()
    children = s.wait_ready()
    assert len(children) >= 4, [" ".join(p.cmdline()) for p in children]  # redis, actions, rasa, api
    s.process.send_signal(signum)
    s.process.wait(60)
    assert wait_gone(children, 5) == [], s.output()


def test_killed_serve_takes_its_children_with_it(serve):
    s = serve()
    children = s.wait_ready()
    s.process.kill()  # SIGKILL: no handler runs, nothing is cleaned up by remi serve itself
    s.process.wait(10)
    assert wait_gone(children, 30) == [], s.output()


def test_rasa_and_the_action_server_get_no_secret(serve):
    s = serve()
    children = s.wait_ready()
    try:
        for marker in ("-m rasa run", "-m actions.server", "redis-server"):
            env = part(children, marker).environ()
            assert not {k for k in env if k in SECRETS.keys() - {"RASA_TOKEN"}}, marker
            assert "REDIS_URL" not in env, marker
        assert "RASA_TOKEN" not in part(children, "-m actions.server").environ()
        api = part(children, "uvicorn").environ()
        assert all(api.get(k) == v for k, v in SECRETS.items())  # the API needs them all
    finally:
        s.process.send_signal(signal.SIGTERM)
        s.process.wait(60)


def test_busy_port_is_named_and_nothing_starts(serve):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        s = serve(API_PORT=str(port))
        assert s.process.wait(60) == 1
    out = s.output()
    assert f"port {port} (api) is in use by pid {os.getpid()}" in out, out
    assert "remi: ready" not in out and "checking the model" not in out


class _Answers200(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_answer_from_another_process_is_not_readiness(tmp_path):
    """A leftover of an earlier run answering on the child's port is an error, not "ready"."""
    impostor = HTTPServer(("127.0.0.1", 0), _Answers200)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    port = impostor.server_address[1]
    system = stack.Stack(env=dict(os.environ), run_dir=tmp_path)
    child = system.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(RuntimeError, match=f"port {port} answers, but not from sleeper"):
            stack.wait_for_http(f"http://127.0.0.1:{port}/healthz", child, 10)
    finally:
        system.stop()
        impostor.shutdown()
