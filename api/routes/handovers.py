"""The operator API: the queue, a handover with its transcript, and what an operator does with
it. Every endpoint answers 404 for a handover the caller may not see, exactly as for one that
does not exist; every read of a transcript and every action is in the audit log."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentOperator, HandoverDeskDep, VisibleHandover
from engine.handover.desk import Conflict, Gone, NotFound
from engine.handover.records import Handover

router = APIRouter(prefix="/api/v1", tags=["handovers"])

NOT_VISIBLE: dict[int | str, dict[str, Any]] = {404: {"description": "No such handover, or not one the caller may see"}}


class Status(str, Enum):
    waiting = "waiting"
    active = "active"
    closed = "closed"


class HandoverOut(BaseModel):
    id: str
    category: str = Field(description="medical, psychosocial, legal, protection or general")
    city: str | None = Field(description="the town the person named or shared, if any")
    language: Literal["fr", "ha", "en"]
    channel: Literal["sms", "whatsapp"]
    priority: bool = Field(description="an emergency, or words of danger while waiting")
    reason: str = Field(description="what asked for a person: requested, a topic's id...")
    status: Status
    team: str
    organisation: str
    created_at: float = Field(description="Unix time")
    assigned_to: str | None
    escalated: bool = Field(description="waited longer than HANDOVER_ESCALATE_MINUTES unclaimed")
    waiting_seconds: int = Field(description="how long the person waited (so far) for a person")


class MediaOut(BaseModel):
    type: str
    url: str = Field(description="this API's address for the file (fetched from Twilio on request)")


class EntryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: float
    sender: Literal["migrant", "bot", "operator", "system"] = Field(alias="from")
    text: str | None = None
    by: str | None = Field(None, description="the operator, for their messages and actions")
    event: str | None = Field(None, description="system entries: opened, claimed, transferred, escalated...")
    media: list[MediaOut] = []
    status: str | None = Field(None, description="operator messages: the send's status")
    details: dict[str, str] = Field(
        {},
        description="system entries: reason, from_team, to_team...; operator messages: channel, reason "
        "(why a send failed, in words)",
    )


class NoteOut(BaseModel):
    at: float
    by: str
    text: str


class HandoverDetail(HandoverOut):
    recent: list[EntryOut] = Field(description="the conversation with the bot before the handover")
    transcript: list[EntryOut] = Field(description="everything since, oldest first")
    notes: list[NoteOut]


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=1600, description="1600 characters at most (10 SMS segments)")
    invite: bool = Field(
        False,
        description="WhatsApp, 24-hour window closed: send the approved invitation template and hold the"
        " message until the person writes back (without it, 409 says the window is closed)",
    )


class TransferIn(BaseModel):
    team: str = Field(min_length=1, max_length=40)


class TeamOut(BaseModel):
    id: str
    name: str
    organisation: str


def entry_out(handover_id: str, index: int, raw: dict, recent: bool = False) -> EntryOut:
    media = (
        []
        if recent
        else [
            MediaOut(type=m.get("type") or "", url=f"/api/v1/handovers/{handover_id}/media/{index}/{n}")
            for n, m in enumerate(raw.get("media") or [])
        ]
    )
    fields = {k: raw.get(k) for k in ("at", "text", "by", "event", "status")}
    details = {k: str(v) for k, v in raw.items() if k in ("reason", "from_team", "to_team", "note", "channel")}
    return EntryOut(sender=raw.get("from", "system"), media=media, details=details, **fields)


async def detail(desk, handover: Handover, operator) -> HandoverDetail:
    read = await desk.read(handover, operator)
    return HandoverDetail(
        **handover.summary(),
        recent=[entry_out(handover.id, i, e, recent=True) for i, e in enumerate(handover.recent)],
        transcript=[entry_out(handover.id, i, e) for i, e in enumerate(read["transcript"])],
        notes=[NoteOut(**n) for n in read["notes"]],
    )


def refused(exc: Exception) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(404, "no such handover")
    if isinstance(exc, Gone):
        return HTTPException(410, str(exc))
    if isinstance(exc, Conflict):
        return HTTPException(409, str(exc))
    return HTTPException(422, str(exc))


@router.get("/handovers", summary="The handovers the caller may see")
async def list_handovers(
    operator: CurrentOperator, desk: HandoverDeskDep, status: Status | None = None
) -> list[HandoverOut]:
    """Without `status`: waiting then active ones. Waiting ones come priority first, then
    escalated, then longest waiting; closed ones, the most recent first."""
    return [HandoverOut(**h.summary()) for h in await desk.queue(operator, status.value if status else None)]


@router.get("/handovers/{handover_id}", responses=NOT_VISIBLE, summary="A handover with its transcript")
async def get_handover(handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep) -> HandoverDetail:
    return await detail(desk, handover, operator)


@router.post(
    "/handovers/{handover_id}/claim",
    responses=NOT_VISIBLE | {409: {"description": "Not waiting"}},
    summary="Take the handover: of two claims at once, exactly one wins",
)
async def claim(handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep) -> HandoverOut:
    try:
        return HandoverOut(**(await desk.claim(handover, operator)).summary())
    except (Conflict, NotFound) as exc:
        raise refused(exc) from None


@router.post(
    "/handovers/{handover_id}/messages",
    status_code=201,
    summary="Send a message to the person",
    responses=NOT_VISIBLE
    | {
        409: {"description": "Not claimed by the caller, the person opted out, or WhatsApp's window is closed"},
        410: {"description": "The person can no longer be reached"},
    },
)
async def send_message(
    body: TextIn,
    handover: VisibleHandover,
    operator: CurrentOperator,
    desk: HandoverDeskDep,
    idempotency_key: Annotated[str, Header(max_length=80)] = "",
) -> EntryOut:
    """Sent through Twilio on the channel the person last wrote from (SMS or WhatsApp). With an
    `Idempotency-Key` header, a request repeated with the same key sends nothing more and answers
    with the first one's message."""
    try:
        entry = await desk.reply(handover, operator, body.text, idempotency_key, invite=body.invite)
    except (Conflict, Gone) as exc:
        raise refused(exc) from None
    return entry_out(handover.id, 0, entry)


@router.post(
    "/handovers/{handover_id}/notes",
    status_code=201,
    responses=NOT_VISIBLE,
    summary="Add a note for colleagues (never sent to the person)",
)
async def add_note(
    body: TextIn, handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep
) -> NoteOut:
    return NoteOut(**await desk.note(handover, operator, body.text))


@router.post(
    "/handovers/{handover_id}/transfer",
    summary="Hand it to another team (it waits there)",
    responses=NOT_VISIBLE
    | {409: {"description": "Closed, or held by someone else"}, 422: {"description": "No such team"}},
)
async def transfer(
    body: TransferIn, handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep
) -> HandoverOut:
    try:
        return HandoverOut(**(await desk.transfer(handover, operator, body.team)).summary())
    except (Conflict, ValueError) as exc:
        raise refused(exc) from None


@router.post(
    "/handovers/{handover_id}/close",
    summary="Close it: the person is told, the bot answers again",
    responses=NOT_VISIBLE | {409: {"description": "Already closed, or held by someone else"}},
)
async def close(handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep) -> HandoverOut:
    try:
        return HandoverOut(**(await desk.close(handover, operator)).summary())
    except Conflict as exc:
        raise refused(exc) from None


@router.get(
    "/handovers/{handover_id}/media/{entry}/{n}",
    response_class=Response,
    summary="A photo or voice note",
    responses=NOT_VISIBLE
    | {200: {"content": {"application/octet-stream": {}}}, 410: {"description": "Twilio no longer has it"}},
)
async def media(
    entry: int, n: int, handover: VisibleHandover, operator: CurrentOperator, desk: HandoverDeskDep
) -> Response:
    try:
        content, kind = await desk.media(handover, operator, entry, n)
    except (NotFound, Gone) as exc:
        raise refused(exc) from None
    return media_response(content, kind)


def media_response(content: bytes, kind: str) -> Response:
    return Response(
        content,
        media_type=kind,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline" if kind != "application/octet-stream" else "attachment",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.get("/teams", summary="The teams a handover can be transferred to")
async def teams(operator: CurrentOperator, desk: HandoverDeskDep) -> list[TeamOut]:
    return [TeamOut(id=t.id, name=t.name, organisation=t.organisation) for t in desk.routing.get().teams.values()]
