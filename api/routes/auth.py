"""Operators' sign-in for the API: a bearer token from a username and password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import AuditDep, CurrentOperator, OperatorsDep, SettingsDep, SignInDep, client_address
from engine.signin import SignInRefused

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post(
    "/token",
    summary="Sign in: a bearer token for the other endpoints",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many attempts from this address, or sign-in is busy: see Retry-After"},
    },
)
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    signin: SignInDep,
    operators: OperatorsDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> TokenOut:
    username = form.username.strip().lower()[:64]
    try:
        operator = await signin.attempt(username, form.password, client_address(request))
    except SignInRefused as refused:
        raise HTTPException(429, refused.reason, headers={"Retry-After": str(refused.retry_after)}) from None
    if operator is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    value, _ = await operators.open_session(operator, "api")
    await audit.record(operator.username, "operator.sign_in", operator.username, via="api")
    return TokenOut(access_token=value, expires_in=settings.operator_session_hours * 3600)


@router.post("/revoke", status_code=204, summary="Sign out: the token stops working")
async def revoke(request: Request, operator: CurrentOperator, operators: OperatorsDep) -> Response:
    # The same token the dependency accepted: the scheme is case-insensitive (RFC 7235).
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(400, "revoke the bearer token this request is signed in with")
    await operators.close_session(value.strip())
    return Response(status_code=204)
