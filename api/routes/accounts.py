"""Administrators manage operator accounts over the API, as `remi operators` does on the
server: list, disable, enable, revoke, a new password, remove. Disabling, a new password and
revoking end every token and console session of the account at once; each change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from api.deps import AuditDep, CurrentOperator, OperatorsDep
from engine.operators import MIN_PASSWORD, NoSuchOperator, Operator

router = APIRouter(prefix="/api/v1/admin/operators", tags=["accounts"])

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only administrators manage accounts"},
    404: {"description": "No such operator"},
}


class Account(BaseModel):
    username: str
    role: str
    team: str
    organisation: str
    disabled: bool


class Ended(BaseModel):
    sessions_ended: int = Field(description="tokens and console sessions that stopped working")


class NewPassword(BaseModel):
    password: str = Field(min_length=MIN_PASSWORD, max_length=256)


def _admin(operator: Operator) -> None:
    if operator.role != "admin":
        raise HTTPException(403, "only admin accounts may do this")


@router.get("", summary="Every operator account", responses=ERRORS)
async def accounts(operator: CurrentOperator, operators: OperatorsDep) -> list[Account]:
    _admin(operator)
    return [
        Account(
            username=row["username"],
            role=row["role"],
            team=row.get("team", ""),
            organisation=row.get("organisation", ""),
            disabled=row["disabled"] == "1",
        )
        for row in await operators.accounts()
    ]


async def _change(action: str, username: str, operator: Operator, operators, audit, password: str = "") -> int:
    _admin(operator)
    try:
        if action == "disable":
            ended = await operators.disable(username)
        elif action == "enable":
            await operators.enable(username)
            ended = 0
        elif action == "revoke":
            ended = await operators.revoke(username)
        elif action == "reset_password":
            ended = await operators.reset_password(username, password)
        else:
            await operators.remove(username)  # its sessions end with it
            ended = 0
    except NoSuchOperator:
        raise HTTPException(404, "no such operator") from None
    await audit.record(operator.username, f"operator.{action}", username)
    return ended


@router.post("/{username}/disable", summary="Disable: every session ends at once", responses=ERRORS)
async def disable(username: str, operator: CurrentOperator, operators: OperatorsDep, audit: AuditDep) -> Ended:
    return Ended(sessions_ended=await _change("disable", username, operator, operators, audit))


@router.post("/{username}/enable", summary="Enable a disabled account", responses=ERRORS)
async def enable(username: str, operator: CurrentOperator, operators: OperatorsDep, audit: AuditDep) -> Ended:
    return Ended(sessions_ended=await _change("enable", username, operator, operators, audit))


@router.post("/{username}/revoke", summary="End every token and console session", responses=ERRORS)
async def revoke(username: str, operator: CurrentOperator, operators: OperatorsDep, audit: AuditDep) -> Ended:
    return Ended(sessions_ended=await _change("revoke", username, operator, operators, audit))


@router.post("/{username}/password", summary="Set a new password: every session ends", responses=ERRORS)
async def reset_password(
    username: str, body: NewPassword, operator: CurrentOperator, operators: OperatorsDep, audit: AuditDep
) -> Ended:
    ended = await _change("reset_password", username, operator, operators, audit, body.password)
    return Ended(sessions_ended=ended)


@router.delete("/{username}", status_code=204, summary="Remove an account", responses=ERRORS)
async def remove(username: str, operator: CurrentOperator, operators: OperatorsDep, audit: AuditDep) -> Response:
    await _change("remove", username, operator, operators, audit)
    return Response(status_code=204)
