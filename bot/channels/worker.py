"""The Rasa input channel the worker talks to: like Rasa's REST channel, but it requires the
shared bearer token (Rasa's REST channel checks none) and returns each bot message whole
(the REST channel splits texts on blank lines, which would break SMS pages)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import action_validation  # noqa: F401  (Rasa's per-call schema check, made once)


class WholeMessageCollector(CollectingOutputChannel):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **message})


class WorkerInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "remi"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WorkerInput:
        # credentials.yml (written by tools/stack.py) says `token: ${RASA_TOKEN}`: Rasa fills it in
        # from the environment, so the token comes from the service's settings and nowhere else.
        return cls((credentials or {}).get("token") or "")

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the remi channel needs a token (credentials.yml: token: ${RASA_TOKEN})")
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("remi_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            collector = WholeMessageCollector()
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(), metadata=body.get("metadata") or {})
            )
            messages: list[dict[str, Any]] = collector.messages
            return response.json(messages)

        return hook
