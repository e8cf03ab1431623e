"""Operators for the tests: accounts made with the real `remi operators add` against the test
system's Redis, and an HTTP client signed in to the operator API as one of them."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import httpx

from tests.support.system import System, new_number
from tools.stack import ROOT

PASSWORD = "a long test passphrase"


def add_operator(system, team: str, role: str = "operator", username: str | None = None) -> str:
    """A new operator (password on stdin, as an administrator would type it); returns the name."""
    username = username or f"op-{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", "operators", "add", username, "--team", team, "--role", role],
        input=PASSWORD + "\n",
        env=system.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return username


@dataclass
class OperatorClient:
    system: System
    username: str
    token: str

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {})
        return self.system.http.request(method, self.system.api_url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def ids(self, status: str = "waiting") -> set[str]:
        response = self.get(f"/api/v1/handovers?status={status}")
        assert response.status_code == 200, response.text
        return {h["id"] for h in response.json()}

    def new_handover(self, before: set[str], timeout: float = 30) -> dict:
        """The one waiting handover that appeared in this operator's queue since `before`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fresh = [h for h in self.get("/api/v1/handovers?status=waiting").json() if h["id"] not in before]
            if fresh:
                assert len(fresh) == 1, fresh
                return fresh[0]
            time.sleep(0.2)
        raise AssertionError(f"no new handover in {self.username}'s queue after {timeout:.0f}s")

    def detail(self, handover_id: str) -> dict:
        response = self.get(f"/api/v1/handovers/{handover_id}")
        assert response.status_code == 200, response.text
        return response.json()


def sign_in(system, username: str, password: str = PASSWORD) -> OperatorClient:
    response = system.http.post(
        system.api_url + "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return OperatorClient(system, username, response.json()["access_token"])


def operator(system, team: str, role: str = "operator") -> OperatorClient:
    return sign_in(system, add_operator(system, team, role))


def claimed_handover(system, team: str = "hotline", whatsapp: bool = False) -> tuple[OperatorClient, str, str]:
    """A person who asked for a person (in French; in Hausa for a Hausa team), and an operator of
    `team` who claimed the handover: (that operator, the person's number, the handover's id)."""

    desk = operator(system, team)
    number, before = new_number(), desk.ids()
    hausa = team.endswith("-ha")
    system.converse("Sannu" if hausa else "Bonjour", number, whatsapp=whatsapp)
    system.converse("ina son magana da mutum" if hausa else "je veux parler à quelqu'un", number, whatsapp=whatsapp)
    hid = desk.new_handover(before)["id"]
    assert desk.post(f"/api/v1/handovers/{hid}/claim").status_code == 200
    return desk, number, hid


def console_client(system, username: str) -> httpx.Client:
    """A client signed in to the console through its form, as a browser without scripts would be."""
    client = httpx.Client(base_url=system.api_url, timeout=30)
    signed = client.post("/console/sign-in", data={"username": username, "password": PASSWORD})
    assert signed.status_code == 303, signed.text
    return client
