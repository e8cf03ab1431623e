"""The console's session cookie and forms: the cookie is HttpOnly and SameSite=Strict always, and
Secure when the service is reached over HTTPS through a trusted proxy; every form that changes
something needs the session's CSRF token (a page of another site cannot post it)."""

from __future__ import annotations

import httpx

from tests.support.operators import PASSWORD, add_operator, console_client, operator
from tests.support.system import new_number
from tools import stack


def sign_in(url: str, username: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        url + "/console/sign-in", data={"username": username, "password": PASSWORD}, headers=headers or {}, timeout=30
    )


def cookie_flags(response: httpx.Response) -> set[str]:
    """The session cookie's attributes, lower-cased, values dropped but SameSite's."""
    header = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("remi_console="))
    flags = set()
    for attribute in header.split(";")[1:]:
        name, _, value = attribute.strip().lower().partition("=")
        flags.add(f"{name}={value}" if name == "samesite" else name)
    return flags


def test_the_session_cookie_is_httponly_strict_and_secure_behind_a_trusted_https_proxy(system):
    username = add_operator(system, "hotline")
    plain = sign_in(system.api_url, username)
    assert plain.status_code == 303
    flags = cookie_flags(plain)
    assert {"httponly", "samesite=strict", "path"} <= flags and "secure" not in flags  # plain HTTP, test mode

    port = stack.free_port()
    proxied = system.stack.spawn(
        "api-behind-proxy",
        stack.api_command("127.0.0.1", port, "127.0.0.1"),
        {"API_PORT": str(port), "API_WORKER": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    stack.wait_for_http(url + "/healthz", proxied, 60)
    try:
        behind = sign_in(url, username, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        assert behind.status_code == 303 and "secure" in cookie_flags(behind)
    finally:
        proxied.stop()


def test_console_forms_without_the_session_csrf_token_change_nothing(system):
    desk = operator(system, "hotline")
    number, before = new_number(), desk.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)
    hid = desk.new_handover(before)["id"]

    browser = httpx.Client(base_url=system.api_url, timeout=30)
    assert browser.post("/console/sign-in", data={"username": desk.username, "password": PASSWORD}).status_code == 303
    for forged in ({}, {"csrf": ""}, {"csrf": "not-the-token"}):
        assert browser.post(f"/console/handovers/{hid}/claim", data=forged).status_code == 403
    assert browser.post("/console/sign-out", data={}).status_code == 403
    assert desk.detail(hid)["status"] == "waiting" and desk.detail(hid)["assigned_to"] is None
    assert browser.get("/console/queue").status_code == 200  # still signed in: sign-out was refused too


def test_a_refused_console_form_is_a_page_in_the_operator_s_language_and_the_api_keeps_json(system):
    desk = operator(system, "hotline-ha")
    browser = console_client(system, desk.username)
    csrf = browser.get("/console/queue").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert browser.post("/console/language", data={"lang": "ha", "csrf": csrf}).status_code == 303

    refused = browser.post("/console/handovers/nothing-here/claim", data={"csrf": "not-the-token"})
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
    assert "Babu wannan buƙata" in refused.text and 'href="/console/queue"' in refused.text
    assert "Kuskure" not in refused.text and "no such handover" not in refused.text
    api = desk.get("/api/v1/handovers/nothing-here")
    assert api.status_code == 404 and api.json() == {"detail": "no such handover"}  # the API: JSON, English
