"""Dependencies shared by the routes, as Annotated aliases (one place to see what a route
can ask for). The objects themselves are built once, in api.main's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import OAuth2PasswordBearer

from engine.alerts.broadcasts import Broadcasts
from engine.audit import Audit
from engine.backpressure import BusyNotice
from engine.config import Settings
from engine.erasure import Erasure
from engine.handover.desk import HandoverDesk, NotFound
from engine.handover.records import Handover
from engine.inbox import Inbox
from engine.insight.store import Insight
from engine.operators import Operator, Operators, Session
from engine.outbox import Outbox
from engine.signin import SignIn
from engine.spool import Spool


def _state(name: str):
    def get(request: Request):
        return getattr(request.app.state, name)

    return get


SettingsDep = Annotated[Settings, Depends(_state("settings"))]
InboxDep = Annotated[Inbox, Depends(_state("inbox"))]
OutboxDep = Annotated[Outbox, Depends(_state("outbox"))]
SpoolDep = Annotated[Spool, Depends(_state("spool"))]
BusyDep = Annotated[BusyNotice, Depends(_state("busy"))]
HandoverDeskDep = Annotated[HandoverDesk, Depends(_state("handovers"))]
OperatorsDep = Annotated[Operators, Depends(_state("operators"))]
SignInDep = Annotated[SignIn, Depends(_state("signin"))]
AuditDep = Annotated[Audit, Depends(_state("audit"))]
ErasureDep = Annotated[Erasure, Depends(_state("erasure"))]
BroadcastsDep = Annotated[Broadcasts, Depends(_state("broadcasts"))]
InsightDep = Annotated[Insight, Depends(_state("insight"))]


def client_address(request: Request) -> str:
    """The caller's address: uvicorn puts the proxy's X-Forwarded-For there when the proxy is
    trusted (TRUSTED_PROXIES), else the connection's."""
    return request.client.host if request.client else "unknown"


_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
CONSOLE_COOKIE = "remi_console"


async def _rate_limited(operator: Operator, operators: Operators, settings: Settings) -> None:
    wait = await operators.within_rate(operator.username, settings.operator_api_per_minute)
    if wait:
        raise HTTPException(429, "too many requests: wait a little", headers={"Retry-After": str(wait)})


async def _api_operator(
    token: Annotated[str | None, Depends(_bearer)], operators: OperatorsDep, settings: SettingsDep
) -> Operator:
    session = await operators.session(token, "api")
    if session is None:
        raise HTTPException(401, "sign in first (POST /api/v1/auth/token)", headers={"WWW-Authenticate": "Bearer"})
    await _rate_limited(session.operator, operators, settings)
    return session.operator


CurrentOperator = Annotated[Operator, Depends(_api_operator)]


async def _visible_handover(
    handover_id: Annotated[str, Path(max_length=64)], operator: CurrentOperator, desk: HandoverDeskDep
) -> Handover:
    # Absent and not the caller's answer alike, so ids of other teams' handovers cannot be probed.
    try:
        return await desk.visible(handover_id, operator)
    except NotFound:
        raise HTTPException(404, "no such handover") from None


VisibleHandover = Annotated[Handover, Depends(_visible_handover)]


async def _console_session(request: Request, operators: OperatorsDep, settings: SettingsDep) -> Session:
    session = await operators.session(request.cookies.get(CONSOLE_COOKIE), "console")
    if session is None:
        raise HTTPException(303, "sign in first", headers={"Location": "/console/sign-in"})
    await _rate_limited(session.operator, operators, settings)
    return session


ConsoleSession = Annotated[Session, Depends(_console_session)]
