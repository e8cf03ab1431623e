"""Operator accounts are managed, and a change takes effect at once (the real `remi operators`
commands and the admin API against the running system): disabling ends the operator's token and
console session on their next request, a new password ends the old sessions and the old password,
revoking ends sessions but keeps the account, removing deletes it; only admins may do it."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.support.operators import PASSWORD, add_operator, operator, sign_in
from tools.stack import ROOT


def remi_operators(system, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", "operators", *args],
        input=stdin,
        env=system.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def console_session(system, username: str, password: str = PASSWORD) -> httpx.Client:
    """A browser's view of the console: its own cookie jar, signed in."""
    browser = httpx.Client(base_url=system.api_url, timeout=30)
    response = browser.post("/console/sign-in", data={"username": username, "password": password})
    assert response.status_code == 303 and "remi_console" in browser.cookies, response.text
    return browser


def console_status(browser: httpx.Client) -> int:
    return browser.get("/console/queue").status_code


def test_disable_from_the_command_line_ends_token_and_console_at_once_and_enable_restores_sign_in(system):
    username = add_operator(system, "hotline")
    client, browser = sign_in(system, username), console_session(system, username)
    assert client.get("/api/v1/handovers").status_code == 200 and console_status(browser) == 200

    listed = remi_operators(system, "list")
    assert listed.returncode == 0 and username in listed.stdout and "active" in listed.stdout
    result = remi_operators(system, "disable", username)
    assert result.returncode == 0, result.stderr
    assert "2 session(s) ended" in result.stdout
    assert client.get("/api/v1/handovers").status_code == 401
    assert console_status(browser) in (303, 401)  # back to the sign-in page
    bad = system.http.post(system.api_url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert bad.status_code == 401
    assert "disabled" in remi_operators(system, "list").stdout

    assert remi_operators(system, "enable", username).returncode == 0
    assert sign_in(system, username).get("/api/v1/handovers").status_code == 200


def test_a_new_password_ends_the_old_sessions_and_the_old_password(system):
    username = add_operator(system, "hotline")
    client = sign_in(system, username)
    new = "another long passphrase"
    result = remi_operators(system, "reset-password", username, stdin=new + "\n")
    assert result.returncode == 0, result.stderr
    assert client.get("/api/v1/handovers").status_code == 401
    old = system.http.post(system.api_url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert old.status_code == 401
    assert sign_in(system, username, new).get("/api/v1/handovers").status_code == 200


def test_admins_manage_accounts_over_the_api_and_no_one_else_may(system):
    admin, supervisor = operator(system, "hotline", "admin"), operator(system, "hotline", "supervisor")
    username = add_operator(system, "hotline")
    target = sign_in(system, username)

    assert supervisor.post(f"/api/v1/admin/operators/{username}/revoke").status_code == 403
    assert supervisor.get("/api/v1/admin/operators").status_code == 403
    assert target.get("/api/v1/handovers").status_code == 200

    accounts = admin.get("/api/v1/admin/operators").json()
    assert any(a["username"] == username and not a["disabled"] for a in accounts)
    assert all("password" not in a for a in accounts)
    revoked = admin.post(f"/api/v1/admin/operators/{username}/revoke")
    assert revoked.status_code == 200 and revoked.json()["sessions_ended"] == 1
    assert target.get("/api/v1/handovers").status_code == 401
    again = sign_in(system, username)  # revoked, not disabled: the account still signs in
    assert admin.post(f"/api/v1/admin/operators/{username}/disable").json()["sessions_ended"] == 1
    assert again.get("/api/v1/handovers").status_code == 401
    assert admin.request("DELETE", f"/api/v1/admin/operators/{username}").status_code == 204
    assert admin.post(f"/api/v1/admin/operators/{username}/enable").status_code == 404
    assert username not in remi_operators(system, "list").stdout


def test_revoke_accepts_the_scheme_in_any_case_and_really_ends_the_token(system):
    client = operator(system, "hotline")
    response = client.post("/api/v1/auth/revoke", headers={"Authorization": f"bearer {client.token}"})
    assert response.status_code == 204
    assert client.get("/api/v1/handovers").status_code == 401
