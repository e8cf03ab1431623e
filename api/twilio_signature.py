"""Twilio webhook authenticity: X-Twilio-Signature over the public URL and the POST params,
checked before anything is stored. Rasa's own Twilio connector checks nothing."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 past `limit` bytes (announced or actually sent)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def public_url(request: Request, base: str) -> str:
    """The URL Twilio signed: the public base (the proxy's address), this path and query."""
    url = base.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


def verified_form(request: Request, body: bytes, auth_tokens: tuple[str, ...], base_url: str) -> dict[str, str]:
    """The webhook's form fields if X-Twilio-Signature matches under one of the account's auth
    tokens (the current one, and the previous one while it is being rotated); 403 otherwise."""
    signature = request.headers.get("x-twilio-signature")
    if not signature:
        raise HTTPException(status_code=403, detail="missing X-Twilio-Signature")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise HTTPException(status_code=403, detail="invalid signature") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    url = public_url(request, base_url)
    if not any(RequestValidator(token).validate(url, form, signature) for token in auth_tokens if token):
        raise HTTPException(status_code=403, detail="invalid signature")
    return form
