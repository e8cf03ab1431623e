"""`remi operators add USERNAME --team TEAM --role ROLE [--organisation ORG]`: the password is
read from stdin (typed twice at a terminal, one line when piped), never from the command line,
which `ps` and shell history would keep."""

from __future__ import annotations

import asyncio
import getpass
import sys

from redis.asyncio import Redis
from redis.exceptions import RedisError

from engine.config import get_settings
from engine.handover.routing import RoutingError, load
from engine.operators import OperatorExists, Operators


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
    if settings.embedded_redis:
        from tools.serve import EMBEDDED_REDIS_PORT

        redis_url = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"  # the one `remi serve` runs
    else:
        redis_url = settings.required_redis_url()

    async def run() -> int:
        redis = Redis.from_url(redis_url, socket_connect_timeout=3)
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
