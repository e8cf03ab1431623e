"""Sign-in over HTTP against the running API (engine/signin.py behind /api/v1/auth/token and
/console/sign-in): concurrent guesses from one address cannot all reach the password check,
what is refused is a 429 with Retry-After, and the operator signs in from their own address
while the attacker's stays throttled. Addresses are loopback aliases (all of 127/8 is local)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from engine import signin
from tests.support.operators import PASSWORD, add_operator


def client_from(system, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=system.api_url, timeout=60, transport=transport)


def token_attempt(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_twenty_concurrent_guesses_then_the_operator_from_elsewhere(system):
    username = add_operator(system, "hotline")
    octet = uuid.uuid4().int % 250 + 1
    attacker, operator = client_from(system, f"127.0.{octet}.1"), client_from(system, f"127.0.{octet}.2")

    with ThreadPoolExecutor(20) as pool:
        burst = list(pool.map(lambda i: token_attempt(attacker, username, f"guess {i}"), range(20)))
    statuses = [r.status_code for r in burst]
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses.count(401) <= signin.PAIR_FAILURES, statuses
    assert statuses.count(429) >= 20 - signin.PAIR_FAILURES
    assert all(int(r.headers["Retry-After"]) >= 1 for r in burst if r.status_code == 429)

    # Guess on until the pair's limit is spent: from then on even the right password waits there.
    wrong = statuses.count(401)
    while wrong < signin.PAIR_FAILURES:
        response = token_attempt(attacker, username, "one more guess")
        assert response.status_code in (401, 429)
        wrong += response.status_code == 401
    refused = token_attempt(attacker, username, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 1
    refused_page = attacker.post("/console/sign-in", data={"username": username, "password": PASSWORD})
    assert refused_page.status_code == 429 and "Retry-After" in refused_page.headers

    # The real operator, from their own address, is not locked out by any of it.
    assert token_attempt(operator, username, PASSWORD).status_code == 200
    page = operator.post("/console/sign-in", data={"username": username, "password": PASSWORD})
    assert page.status_code == 303 and "remi_console" in operator.cookies
    attacker.close()
    operator.close()
