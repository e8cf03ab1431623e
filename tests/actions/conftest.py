"""The real action server (rasa-sdk, in the Rasa environment) on a port of its own; the tests
speak Rasa's action-server wire format to it, as Rasa does."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from tools import stack


@pytest.fixture(scope="session")
def action_server(tmp_path_factory):
    port = stack.free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    with open(log, "w") as out:
        process = subprocess.Popen(stack.actions_command("127.0.0.1", port), cwd=stack.ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the action server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(10)


def call(url: str, action: str, intent: str, text: str = "", slots: dict | None = None,
         metadata: dict | None = None, channel: str = "remi") -> dict:  # fmt: skip
    """One action call, as Rasa makes it: the tracker with the latest message and its metadata."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": [],
              "metadata": metadata if metadata is not None else {}}  # fmt: skip
    tracker = {
        "sender_id": "test-sender",
        "slots": {"city": None, "fallback_count": 0} | (slots or {}),
        "latest_message": latest,
        "latest_event_time": time.time(),
        "followup_action": None,
        "paused": False,
        "events": [
            {
                "event": "user",
                "timestamp": time.time(),
                "text": text,
                "parse_data": latest,
                "input_channel": channel,
                "metadata": latest["metadata"],
            }
        ],  # fmt: skip
        "latest_input_channel": channel,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {"next_action": action, "sender_id": "test-sender", "tracker": tracker, "domain": {}, "version": "3.6.21"}
    response = httpx.post(url + "/webhook", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()
