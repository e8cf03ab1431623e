"""Dependencies shared by the routes, as Annotated aliases (one place to see what a route
can ask for). The objects themselves are built once, in api.main's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.config import Settings
from api.inbox import Inbox
from api.outbox import Outbox


def _state(name: str):
    def get(request: Request):
        return getattr(request.app.state, name)

    return get


SettingsDep = Annotated[Settings, Depends(_state("settings"))]
InboxDep = Annotated[Inbox, Depends(_state("inbox"))]
OutboxDep = Annotated[Outbox, Depends(_state("outbox"))]
