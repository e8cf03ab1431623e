"""Least exposure: Rasa, the action server, Redis (and the API, behind its proxy) listen on
loopback only; Rasa's channel needs the token and Rasa's own HTTP API is not served; the
action server's error responses carry no tracker and no text."""

from __future__ import annotations

import json
import uuid

import httpx
import psutil
import pytest

from tests.support import traces

LOOPBACK = {"127.0.0.1", "::1"}


def listening(pid: int) -> set[tuple[str, int]]:
    process = psutil.Process(pid)
    found = set()
    for proc in [process, *process.children(recursive=True)]:
        for conn in proc.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                found.add((conn.laddr.ip, conn.laddr.port))
    return found


@pytest.mark.parametrize("part", ["redis", "rasa", "actions", "api"])
def test_part_listens_on_loopback_only(system, part):
    child = next(c for c in system.stack.children if c.name == part and c.process.poll() is None)
    addresses = listening(child.process.pid)
    assert addresses, f"{part} listens nowhere?"
    assert {ip for ip, _ in addresses} <= LOOPBACK, f"{part} listens on {addresses}"


def rasa(system, path: str) -> str:
    return system.env["RASA_URL"] + path


def test_rasa_channel_refuses_requests_without_the_token(system):
    body = {"sender": uuid.uuid4().hex, "message": "Bonjour, un secret"}
    url = rasa(system, "/webhooks/remi/webhook")
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": system.env["RASA_TOKEN"]}).status_code == 401
    good = httpx.post(url, json=body, headers={"Authorization": f"Bearer {system.env['RASA_TOKEN']}"}, timeout=20)
    assert good.status_code == 200  # the control: with the token, it answers
    assert traces.leaks(system, [], [body["message"]]) == []


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/conversations/{sender}/tracker"),
        ("POST", "/conversations/{sender}/messages"),
        ("POST", "/model/parse"),
        ("GET", "/status"),
        ("POST", "/webhooks/rest/webhook"),
        ("POST", "/webhooks/twilio/webhook"),
        ("PUT", "/model"),
    ],
)
def test_rasa_http_api_and_unchecked_channels_are_not_served(system, method, path):
    """Rasa runs without --enable-api, and only remi's token-checked channel is configured."""
    response = httpx.request(
        method, rasa(system, path.format(sender=uuid.uuid4().hex)), json={"text": "x", "sender": "x", "message": "x"}
    )
    assert response.status_code in (401, 403, 404, 405)


def action_call(action: str, text: str, metadata: dict) -> dict:
    sender = uuid.uuid4().hex
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            "latest_input_channel": "remi",
            "latest_message": {
                "text": text,
                "intent": {"name": "emergency", "confidence": 1.0},
                "entities": [],
                "metadata": metadata,
            },
            "events": [
                {"event": "user", "text": text, "parse_data": {}, "input_channel": "remi", "metadata": metadata}
            ],
        },
    }


SECRET = "ils nous frappent au camp de Arlit"


def assert_discreet(response: httpx.Response) -> None:
    assert response.status_code >= 400
    assert "tracker" not in response.text and "request_body" not in response.text
    assert SECRET not in response.text and "Arlit" not in response.text


def test_action_server_error_on_a_failing_action_carries_no_tracker_or_text(system):
    # A location that is not two numbers makes the emergency topic's action fail.
    call = action_call("action_answer_topic", SECRET, {"language": "fr", "channel": "sms", "location": ["x", {}]})
    response = httpx.post(system.env["ACTION_SERVER_URL"] + "/webhook", json=call, timeout=20)
    assert response.status_code == 500  # the action really failed
    assert_discreet(response)


def test_action_server_error_on_a_malformed_body_carries_no_text(system):
    url = system.env["ACTION_SERVER_URL"] + "/webhook"
    broken = json.dumps(action_call("action_answer_topic", SECRET, {}))[:-7]
    assert_discreet(httpx.post(url, content=broken, headers={"Content-Type": "application/json"}, timeout=20))
    not_a_tracker = {"next_action": "action_answer_topic", "tracker": SECRET, "domain": SECRET, "version": "3.6.21"}
    assert_discreet(httpx.post(url, json=not_a_tracker, timeout=20))
    unknown = action_call("action_that_does_not_exist", SECRET, {})
    assert_discreet(httpx.post(url, json=unknown, timeout=20))


def test_action_server_errors_are_logged_without_the_text(system):
    test_action_server_error_on_a_failing_action_carries_no_tracker_or_text(system)
    assert traces.leaks(system, [], [SECRET]) == []
