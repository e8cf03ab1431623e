"""Twilio's webhooks: inbound messages and delivery status. Thin on purpose: check the
signature, store, answer at once; the worker does the rest. With Redis away, an inbound
message is kept in the local spool (engine/spool.py) and acknowledged all the same."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, HTTPException, Request, Response
from redis.exceptions import RedisError

from api.deps import BusyDep, InboxDep, OutboxDep, SettingsDep, SpoolDep
from api.twilio_signature import read_body, verified_form
from engine.identity import Contact
from engine.inbox import BUSY, InboundMessage
from engine.spool import Spool

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])
log = logging.getLogger("remi.webhooks")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def webhook_tokens(settings) -> tuple[str, ...]:
    return settings.twilio_auth_token, settings.twilio_auth_token_previous


@router.post("/messages", summary="Twilio inbound message webhook")
async def inbound_message(
    request: Request, settings: SettingsDep, inbox: InboxDep, spool: SpoolDep, busy: BusyDep
) -> Response:
    body = await read_body(request, settings.max_body_bytes)
    form = verified_form(request, body, webhook_tokens(settings), settings.public_base_url)
    try:
        message, contact = InboundMessage.from_twilio(form, settings.sender_hash_key)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    if spool.active:  # behind the messages already spooled, so that they keep their order
        return await _spooled(spool, message, contact)
    try:
        outcome = await inbox.store(message, contact)
    except (RedisError, OSError) as exc:
        log.warning("inbound %s: redis unavailable (%s): spooling", message.sid, type(exc).__name__)
        return await _spooled(spool, message, contact)
    log.info("inbound %s %s", message.sid, outcome)
    if outcome == BUSY:
        # Kept and queued; the person is told now, past the queue (engine/backpressure.py).
        notice = asyncio.create_task(busy.send(message, contact))
        _notices.add(notice)
        notice.add_done_callback(_notices.discard)
    return Response(content=EMPTY_TWIML, media_type="application/xml")


_notices: set[asyncio.Task] = set()  # referenced until done, so none is collected mid-send


async def _spooled(spool: Spool, message: InboundMessage, contact: Contact) -> Response:
    """Kept on this machine's disk (engine/spool.py), replayed into Redis when it is back."""
    try:
        await spool.keep(message, contact)
    except OSError as exc:
        # Neither Redis nor the disk: not kept, so not acknowledged (Twilio calls the fallback URL).
        log.error("inbound %s not stored: redis unavailable and spool failed (%s)", message.sid, type(exc).__name__)
        return Response(status_code=503, content="storage unavailable")
    log.info("inbound %s spooled", message.sid)
    return Response(content=EMPTY_TWIML, media_type="application/xml")


@router.post("/status", summary="Twilio delivery status callback")
async def delivery_status(request: Request, settings: SettingsDep, outbox: OutboxDep) -> Response:
    body = await read_body(request, settings.max_body_bytes)
    form = verified_form(request, body, webhook_tokens(settings), settings.public_base_url)
    sid, status = form.get("MessageSid"), form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        raise HTTPException(status_code=400, detail="MessageSid and MessageStatus are required")
    try:
        await outbox.delivery_status(sid, status[:32], (form.get("ErrorCode") or "")[:16] or None)
    except (RedisError, OSError):
        return Response(status_code=503, content="storage unavailable")
    return Response(status_code=204)
