"""Twilio's webhooks: inbound messages and delivery status. Thin on purpose: check the
signature, store, answer at once; the worker does the rest."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, Response
from redis.exceptions import RedisError

from api.deps import InboxDep, OutboxDep, SettingsDep
from api.twilio_signature import read_body, verified_form
from engine.inbox import InboundMessage

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])
log = logging.getLogger("remi.webhooks")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def webhook_tokens(settings) -> tuple[str, ...]:
    return settings.twilio_auth_token, settings.twilio_auth_token_previous


@router.post("/messages", summary="Twilio inbound message webhook")
async def inbound_message(request: Request, settings: SettingsDep, inbox: InboxDep) -> Response:
    body = await read_body(request, settings.max_body_bytes)
    form = verified_form(request, body, webhook_tokens(settings), settings.public_base_url)
    try:
        message, contact = InboundMessage.from_twilio(form, settings.sender_hash_key)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    try:
        outcome = await inbox.store(message, contact)
    except (RedisError, OSError):
        # Not stored, so not acknowledged: Twilio retries, or uses the fallback URL.
        log.error("inbound %s not stored: redis unavailable", message.sid)
        return Response(status_code=503, content="storage unavailable")
    log.info("inbound %s %s", message.sid, outcome)
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
