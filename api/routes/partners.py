"""Partner webhooks: an organisation's supervisor (or an administrator) registers the URL its
case-management system receives referrals at (engine/handover/partners.py says what is sent and how it is
signed). Anyone else, and any organisation not in the routing file, gets 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from api.deps import CurrentOperator, HandoverDeskDep, SettingsDep
from engine.handover.partners import check_url
from engine.operators import Operator

router = APIRouter(prefix="/api/v1/organisations", tags=["partner webhooks"])
NOT_VISIBLE: dict[int | str, dict[str, Any]] = {404: {"description": "No such organisation, or not the caller's"}}


class WebhookIn(BaseModel):
    url: str = Field(max_length=500, description="https://... (http only outside production)")
    secret: str | None = Field(
        None, min_length=32, max_length=200, description="the HMAC key; leave out to have one generated"
    )


class WebhookOut(BaseModel):
    organisation: str
    url: str
    updated_at: float
    updated_by: str


class WebhookCreated(BaseModel):
    organisation: str
    url: str
    secret: str = Field(description="shown this once: keep it in the partner's system")


class DeadLetter(BaseModel):
    delivery: str
    organisation: str
    event: str
    attempts: int
    last_error: str
    created_at: float


def _own(organisation: str, operator: Operator, desk) -> None:
    if organisation not in desk.routing.get().organisations or not (
        operator.role == "admin" or (operator.role == "supervisor" and operator.organisation == organisation)
    ):
        raise HTTPException(404, "no such organisation")


@router.put("/{organisation}/webhook", responses=NOT_VISIBLE, summary="Register (or replace) the webhook")
async def register(
    organisation: str, body: WebhookIn, operator: CurrentOperator, desk: HandoverDeskDep, settings: SettingsDep
) -> WebhookCreated:
    _own(organisation, operator, desk)
    problem = check_url(body.url, settings.environment == "production")
    if problem:
        raise HTTPException(422, problem)
    secret = await desk.partners.register(organisation, body.url, body.secret, operator.username)
    await desk.audit.record(operator.username, "webhook.register", organisation)
    return WebhookCreated(organisation=organisation, url=body.url, secret=secret)


@router.get("/{organisation}/webhook", responses=NOT_VISIBLE, summary="The registered webhook (not its secret)")
async def show(organisation: str, operator: CurrentOperator, desk: HandoverDeskDep) -> WebhookOut:
    _own(organisation, operator, desk)
    found = await desk.partners.webhook(organisation)
    if found is None:
        raise HTTPException(404, "no webhook registered")
    return WebhookOut(**found)


@router.delete("/{organisation}/webhook", status_code=204, responses=NOT_VISIBLE, summary="Stop the deliveries")
async def remove(organisation: str, operator: CurrentOperator, desk: HandoverDeskDep) -> Response:
    _own(organisation, operator, desk)
    await desk.partners.remove(organisation)
    await desk.audit.record(operator.username, "webhook.remove", organisation)
    return Response(status_code=204)


@router.get(
    "/{organisation}/webhook/dead-letters",
    responses=NOT_VISIBLE,
    summary="Events given up on after the last try, newest first",
)
async def dead_letters(organisation: str, operator: CurrentOperator, desk: HandoverDeskDep) -> list[DeadLetter]:
    _own(organisation, operator, desk)
    return [DeadLetter(**d) for d in await desk.partners.dead_letters(organisation)]
