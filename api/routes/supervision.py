"""What supervisors and administrators need beyond the handover queues: replies that could not
be sent (so someone can reach the person another way), and erasing one person on request.

Both need a signed-in operator (api/deps.py) with the right role; the erasure is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import CurrentOperator, ErasureDep, HandoverDeskDep, OutboxDep, SettingsDep
from engine.erasure import SenderBusy
from engine.identity import international_number, sender_id
from engine.operators import Operator

router = APIRouter(prefix="/api/v1", tags=["supervision"])

FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "The caller's role may not do this"}}


def _require(operator: Operator, *roles: str) -> None:
    if operator.role not in roles:
        raise HTTPException(403, f"only {' or '.join(roles)} accounts may do this")


class FailedSend(BaseModel):
    ref: str = Field(description="the inbound MessageSid and the reply's index, or an operator reply's id")
    status: str = Field(description="failed (Twilio refused or gave up) or unknown (may have been sent)")
    error: str | None
    channel: str | None
    attempts: int | None
    created_at: float | None


@router.get("/supervision/outbound/failed", summary="Replies that could not be sent, newest first", responses=FORBIDDEN)
async def failed_sends(
    operator: CurrentOperator, outbox: OutboxDep, desk: HandoverDeskDep, limit: int = 100
) -> list[FailedSend]:
    """A supervisor sees the failed replies of their organisation's handovers and, if their
    organisation runs the service (it holds the default team), the bot's own; an admin sees all."""
    _require(operator, "supervisor", "admin")
    rows = await outbox.failed(max(1, min(limit, 500)))
    if operator.role != "admin":
        routing = desk.routing.get()
        service = routing.teams[routing.default_team].organisation  # the bot's replies are theirs
        visible = []
        for row in rows:
            ref = row["ref"] or ""
            if ref.startswith("handover:"):  # an operator's reply: "handover:<id>:<n>"
                handover = await desk.store.get(ref.split(":")[1])
                owner = handover.organisation if handover else None
            else:
                owner = service
            if owner == operator.organisation:
                visible.append(row)
        rows = visible
    return [
        FailedSend(
            ref=row["ref"],
            status=row["status"] or "",
            error=row["error"],
            channel=row["channel"],
            attempts=int(row["attempts"]) if row["attempts"] else None,
            created_at=float(row["created_at"]) if row["created_at"] else None,
        )
        for row in rows
    ]


class ErasureIn(BaseModel):
    phone: str = Field(
        min_length=4, max_length=40, description="the person's number, E.164 (+227...), with or without whatsapp:"
    )


class ErasureOut(BaseModel):
    erasure_id: str = Field(description="the id of this erasure in the audit log")
    records: int = Field(description="how many records were deleted (0: nothing was held)")


@router.post(
    "/admin/erasures",
    status_code=201,
    summary="Erase everything held about one person",
    responses=FORBIDDEN
    | {
        409: {"description": "The person's conversation is busy: try again"},
        422: {"description": "Not a phone number"},
    },
)
async def erase_person(
    body: ErasureIn, operator: CurrentOperator, erasure: ErasureDep, settings: SettingsDep
) -> ErasureOut:
    _require(operator, "admin")
    number = international_number(body.phone)
    if number is None:
        raise HTTPException(422, "not a phone number in international form (+227...)")
    try:
        erasure_id, records = await erasure.erase_person(
            sender_id(number, settings.sender_hash_key), actor=operator.username
        )
    except SenderBusy:
        raise HTTPException(409, "the person's conversation is busy: try again in a minute") from None
    return ErasureOut(erasure_id=erasure_id, records=records)
