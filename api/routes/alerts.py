"""Safety alerts, for supervisors and administrators: compose for one or more towns in French,
Hausa and English, preview as the phone will show it (segments, encoding, recipients per
language, SMS cost), submit; another supervisor or an administrator approves (the author
cannot), and the worker sends it (engine/alerts/). The API under /api/v1/alerts and the
console's pages under /console/alerts; operators get 403 / a page saying so. Every step is
audited, without a number."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api.deps import BroadcastsDep, ConsoleSession, CurrentOperator
from api.routes.console import _check_csrf, _page
from engine.alerts.broadcasts import Alert, AlertNotFound, Broadcasts, NotAllowed, WrongState
from engine.operators import Operator
from remi import cities
from remi.i18n import N_

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
console = APIRouter(prefix="/console/alerts", include_in_schema=False)

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not a supervisor or an administrator, or the author approving their own alert"},
    404: {"description": "No such alert"},
    409: {"description": "The alert is not in a state that allows this"},
}


class AlertIn(BaseModel):
    towns: list[str] = Field(min_length=1, max_length=len(cities.CITIES), description='towns, e.g. ["Agadez"]')
    texts: dict[str, str] = Field(description='{"fr": ..., "ha": ..., "en": ...}; an empty language falls back')


class VersionOut(BaseModel):
    language: str = Field(description="the readers' language")
    text_language: str = Field(description="the language of the text they get (a fallback if theirs is empty)")
    body: str = Field(description="the message as an SMS shows it")
    segments: int
    encoding: str
    recipients: dict[str, int] = Field(description="by route: sms, whatsapp, or template (WhatsApp outside 24 h)")


class PreviewOut(BaseModel):
    versions: list[VersionOut]
    recipients: int
    sms_segments: int
    cost: float
    currency: str


class AlertOut(BaseModel):
    id: str
    towns: list[str]
    texts: dict[str, str]
    status: str
    author: str
    created_at: float
    approved_by: str
    approved_at: float
    cancelled_by: str
    cancelled_at: float
    started_at: float
    finished_at: float
    paused_until: float
    recipients: int
    counts: dict[str, int] = Field(description="recipients by status; no numbers")


async def _out(alert: Alert, broadcasts: Broadcasts) -> AlertOut:
    fields = {k: v for k, v in asdict(alert).items() if k != "cursor"}
    fields["approved_by"] = alert.approved_by if alert.status not in ("pending", "approving") else ""
    return AlertOut(**fields, counts=await broadcasts.counts(alert))


def _oversees(operator: Operator) -> None:
    if not operator.oversees:
        raise HTTPException(403, N_("only supervisors and administrators may work with alerts"))


async def _act(action, *args):
    try:
        return await action(*args)
    except AlertNotFound:
        raise HTTPException(404, N_("no such alert")) from None
    except NotAllowed as exc:
        raise HTTPException(403, str(exc)) from None
    except WrongState as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


# -- the API ---------------------------------------------------------------------------------
@router.post("/preview", summary="An alert as the phone will show it, with its recipients and cost", responses=ERRORS)
async def preview(body: AlertIn, operator: CurrentOperator, broadcasts: BroadcastsDep) -> PreviewOut:
    _oversees(operator)
    return PreviewOut(**asdict(await _act(broadcasts.preview, body.towns, body.texts)))


@router.post("", status_code=201, summary="Write an alert and submit it for approval", responses=ERRORS)
async def create(body: AlertIn, operator: CurrentOperator, broadcasts: BroadcastsDep) -> AlertOut:
    _oversees(operator)
    return await _out(await _act(broadcasts.create, operator, body.towns, body.texts), broadcasts)


@router.get("", summary="The latest alerts, newest first", responses=ERRORS)
async def recent(operator: CurrentOperator, broadcasts: BroadcastsDep) -> list[AlertOut]:
    _oversees(operator)
    return [await _out(a, broadcasts) for a in await broadcasts.recent()]


@router.get("/{alert_id}", summary="One alert, with its recipients counted by status", responses=ERRORS)
async def one(alert_id: str, operator: CurrentOperator, broadcasts: BroadcastsDep) -> AlertOut:
    _oversees(operator)
    return await _out(await _act(broadcasts.get, alert_id), broadcasts)


@router.post("/{alert_id}/approve", summary="Approve (not the author): the alert is sent", responses=ERRORS)
async def approve(alert_id: str, operator: CurrentOperator, broadcasts: BroadcastsDep) -> AlertOut:
    _oversees(operator)
    return await _out(await _act(broadcasts.approve, alert_id, operator), broadcasts)


@router.post("/{alert_id}/cancel", summary="Cancel: what has not gone is not sent", responses=ERRORS)
async def cancel(alert_id: str, operator: CurrentOperator, broadcasts: BroadcastsDep) -> AlertOut:
    _oversees(operator)
    return await _out(await _act(broadcasts.cancel, alert_id, operator), broadcasts)


# -- the console -----------------------------------------------------------------------------
def _zone(request: Request):
    """Niger time, as the rest of the console shows it (content/handover.yml)."""
    return request.app.state.handovers.notices.hours().zone


def _console_oversees(request: Request, session) -> HTMLResponse | None:
    if session.operator.oversees:
        return None
    return _page(request, "console/alerts_forbidden.html", 403, title=N_("Alerts"), session=session)


@console.get("")
async def list_page(request: Request, session: ConsoleSession, broadcasts: BroadcastsDep) -> HTMLResponse:
    if refused := _console_oversees(request, session):
        return refused
    alerts = await broadcasts.recent()
    return _page(
        request, "console/alerts.html", title=N_("Alerts"), session=session, alerts=alerts, zone=_zone(request)
    )


@console.get("/new")
async def new_page(request: Request, session: ConsoleSession) -> HTMLResponse:
    if refused := _console_oversees(request, session):
        return refused
    return _page(
        request,
        "console/alert_new.html",
        title=N_("New alert"),
        session=session,
        towns=cities.CITIES,
        chosen=[],
        texts={},
        preview=None,
    )


@console.post("/new")
async def compose(
    request: Request,
    session: ConsoleSession,
    broadcasts: BroadcastsDep,
    csrf: Annotated[str, Form()] = "",
    towns: Annotated[list[str] | None, Form()] = None,
    text_fr: Annotated[str, Form(max_length=2000)] = "",
    text_ha: Annotated[str, Form(max_length=2000)] = "",
    text_en: Annotated[str, Form(max_length=2000)] = "",
    action: Annotated[str, Form()] = "preview",
) -> Response:
    if refused := _console_oversees(request, session):
        return refused
    _check_csrf(session, csrf)
    chosen, texts = [t for t in (towns or []) if t in cities.CITIES], {"fr": text_fr, "ha": text_ha, "en": text_en}
    try:
        if action == "submit":
            alert = await broadcasts.create(session.operator, chosen, texts)
            return RedirectResponse(f"/console/alerts/{alert.id}?done=submitted", status_code=303)
        shown = await broadcasts.preview(chosen, texts)
    except ValueError as exc:
        return _page(
            request,
            "console/alert_new.html",
            422,
            title=N_("New alert"),
            session=session,
            towns=cities.CITIES,
            chosen=chosen,
            texts=texts,
            preview=None,
            error=str(exc).capitalize() + ".",
        )
    return _page(
        request,
        "console/alert_new.html",
        title=N_("New alert"),
        session=session,
        towns=cities.CITIES,
        chosen=chosen,
        texts=texts,
        preview=shown,
    )


DONE = {
    "submitted": N_("Submitted: another supervisor or an administrator must approve it."),
    "approved": N_("Approved: it is being sent."),
    "cancelled": N_("Cancelled: what had not gone will not be sent."),
}


@console.get("/{alert_id}")
async def alert_page(
    request: Request,
    alert_id: str,
    session: ConsoleSession,
    broadcasts: BroadcastsDep,
    code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    if refused := _console_oversees(request, session):
        return refused
    try:
        alert = await broadcasts.get(alert_id)
    except AlertNotFound:
        raise HTTPException(404, N_("no such alert")) from None
    shown = await broadcasts.preview(alert.towns, alert.texts) if alert.status == "pending" else None
    return _page(
        request,
        "console/alert.html",
        code,
        title=N_("Alert"),
        session=session,
        alert=alert,
        preview=shown,
        zone=_zone(request),
        counts=await broadcasts.counts(alert),
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        versions=broadcasts.versions(alert.towns, alert.texts),
    )


@console.post("/{alert_id}/{action}")
async def alert_action(
    request: Request,
    alert_id: str,
    action: str,
    session: ConsoleSession,
    broadcasts: BroadcastsDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if refused := _console_oversees(request, session):
        return refused
    _check_csrf(session, csrf)
    act = {"approve": broadcasts.approve, "cancel": broadcasts.cancel}.get(action)
    if act is None:
        raise HTTPException(404, N_("no such action"))
    try:
        await act(alert_id, session.operator)
    except AlertNotFound:
        raise HTTPException(404, N_("no such alert")) from None
    except (NotAllowed, WrongState) as exc:
        code = 403 if isinstance(exc, NotAllowed) else 409
        return await alert_page(request, alert_id, session, broadcasts, code, str(exc).capitalize() + ".")
    done = "approved" if action == "approve" else "cancelled"
    return RedirectResponse(f"/console/alerts/{alert_id}?done={done}", status_code=303)
