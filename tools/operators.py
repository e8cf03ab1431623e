"""`remi operators add USERNAME --team TEAM --role ROLE [--organisation ORG]`: the password is
read from stdin (typed twice at a terminal, one line when piped), never from the command line,
which `ps` and shell history would keep.

`remi operators list | disable U | enable U | reset-password U | revoke U | remove U`: the
accounts of staff who leave or lose a phone. Disabling, a new password and revoking end every
token and console session of the account at once; each change is in the audit log."""

from __future__ import annotations

import asyncio
import getpass
import sys

from redis.asyncio import Redis
from redis.exceptions import RedisError

from engine.audit import Audit
from engine.config import get_settings
from engine.handover.routing import RoutingError, load
from engine.operators import NoSuchOperator, OperatorExists, Operators
from tools.target import redis_url


def _password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            print("remi operators add: the two passwords differ", file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def add(username: str, team: str, role: str, organisation: str | None) -> int:
    settings = get_settings()
    try:
        routing = load(settings.routing_file)
    except RoutingError as exc:
        print(f"remi operators add: {exc}", file=sys.stderr)
        return 1
    known = routing.team(team)
    if known is None:
        print(
            f"remi operators add: no team {team!r} in {settings.routing_file} (teams: {', '.join(routing.teams)})",
            file=sys.stderr,
        )
        return 1
    if organisation and organisation != known.organisation:
        print(
            f"remi operators add: team {team!r} belongs to {known.organisation!r}, not {organisation!r}",
            file=sys.stderr,
        )
        return 1
    password = _password()
    if password is None:
        return 1
    url = redis_url(settings)

    async def run() -> int:
        redis = Redis.from_url(url, socket_connect_timeout=3)
        try:
            await Operators(redis, settings.operator_session_hours * 3600).add(
                username, password, role, team, known.organisation
            )
        finally:
            await redis.aclose()
        return 0

    try:
        status = asyncio.run(run())
    except (ValueError, OperatorExists) as exc:
        print(f"remi operators add: {exc}", file=sys.stderr)
        return 1
    except (RedisError, OSError):
        print(
            "remi operators add: Redis does not answer (is `remi serve` running, or REDIS_URL right?)", file=sys.stderr
        )
        return 1
    print(f"operator {username} added: {role}, team {team} ({known.organisation})")
    return status


def manage(action: str, username: str | None) -> int:
    """list, disable, enable, reset-password, revoke or remove (tools/cli.py)."""
    settings = get_settings()
    password = None
    if action == "reset-password":
        password = _password()
        if password is None:
            return 1

    async def run() -> str:
        redis = Redis.from_url(redis_url(settings), socket_connect_timeout=3)
        operators = Operators(redis, settings.operator_session_hours * 3600)
        try:
            if action == "list":
                rows = await operators.accounts()
                lines = [f"{'username':<24} {'role':<11} {'team':<16} {'organisation':<16} state"]
                for row in rows:
                    state = "disabled" if row["disabled"] == "1" else "active"
                    lines.append(
                        f"{row['username']:<24} {row['role']:<11} {row['team']:<16} {row['organisation']:<16} {state}"
                    )
                return "\n".join(lines)
            assert username is not None
            if action == "disable":
                said = f"operator {username} disabled; {await operators.disable(username)} session(s) ended"
            elif action == "enable":
                await operators.enable(username)
                said = f"operator {username} enabled"
            elif action == "reset-password":
                assert password is not None
                ended = await operators.reset_password(username, password)
                said = f"operator {username}: new password; {ended} session(s) ended"
            elif action == "revoke":
                said = f"operator {username}: {await operators.revoke(username)} session(s) ended"
            else:
                await operators.remove(username)
                said = f"operator {username} removed"
            await Audit(redis, settings.retention_days).record("cli", f"operator.{action}", username)
            return said
        finally:
            await redis.aclose()

    try:
        print(asyncio.run(run()))
    except (ValueError, NoSuchOperator) as exc:
        print(f"remi operators {action}: {exc}", file=sys.stderr)
        return 1
    except (RedisError, OSError):
        print(
            f"remi operators {action}: Redis does not answer (is `remi serve` running, or REDIS_URL right?)",
            file=sys.stderr,
        )
        return 1
    return 0
