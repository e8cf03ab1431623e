"""GET /healthz: whether Redis, Rasa and the action server answer."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Whether Redis, Rasa and the action server answer")
async def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    checks: dict[str, bool] = {}
    try:
        checks["redis"] = bool(await state.redis.ping())
    except Exception:
        checks["redis"] = False
    async with httpx.AsyncClient(timeout=2) as http:
        for name, url in (
            ("rasa", state.settings.rasa_url.rstrip("/") + "/"),
            ("action_server", state.settings.action_server_url.rstrip("/") + "/health"),
        ):
            try:
                checks[name] = (await http.get(url)).status_code == 200
            except httpx.HTTPError:
                checks[name] = False
    ok = all(checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503)
