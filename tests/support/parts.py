"""Stopping and starting the real parts of a running System (tools.stack), for tests of what
happens when one of them is down, and extra API processes for tests of scale-out and limits."""

from __future__ import annotations

import contextlib
import os
import signal

from tools import stack


def running(system, name: str) -> stack.Child:
    """The live child called `name` (restarts add a new child of the same name)."""
    return next(c for c in reversed(system.stack.children) if c.name == name and c.process.poll() is None)


def kill(system, name: str) -> None:
    """Stop a part the hard way (SIGKILL), as a crash or a pulled plug would."""
    child = running(system, name)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signal.SIGKILL)
    child.process.wait(10)


def stop(system, name: str) -> None:
    running(system, name).stop()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def start_redis(system) -> None:
    system.stack.start_redis(system.redis_port, system.redis_dir)


def start_rasa(system) -> None:
    port = _port(system.env["RASA_URL"])
    child = system.stack.start_rasa(port, stack.model_path())
    stack.wait_for_http(f"http://127.0.0.1:{port}/", child, 300)


def start_actions(system) -> None:
    port = _port(system.env["ACTION_SERVER_URL"])
    child = system.stack.start_actions(port)
    stack.wait_for_http(f"http://127.0.0.1:{port}/health", child, 120)


def start_api(system, name: str, **env: str) -> tuple[stack.Child, str]:
    """Another API process (with its worker unless API_WORKER=false) on a free port."""
    port = stack.free_port()
    child = system.stack.start_api("127.0.0.1", port, name=name, extra_env={"API_PORT": str(port), **env})
    url = f"http://127.0.0.1:{port}"
    stack.wait_for_http(url + "/healthz", child, 60)
    return child, url


def start_rasa_replica(system, name: str) -> tuple[stack.Child, str]:
    """A second Rasa on the same Redis (tracker and lock store), on a free port."""
    port = stack.free_port()
    child = system.stack.start_rasa(port, stack.model_path(), name=name)
    url = f"http://127.0.0.1:{port}"
    stack.wait_for_http(url + "/", child, 300)
    return child, url


@contextlib.contextmanager
def frozen(system, name: str):
    """A part that hangs (SIGSTOP): connections open, nothing answers. Thawed on leaving."""
    child = running(system, name)
    os.killpg(child.process.pid, signal.SIGSTOP)
    try:
        yield child
    finally:
        os.killpg(child.process.pid, signal.SIGCONT)
