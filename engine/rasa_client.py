"""The worker's client for Rasa: one user turn in, the bot's messages out, over Rasa's HTTP
server on loopback through remi's token-checked channel (bot/channels/worker.py)."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa or its action server did not answer in time: the person gets the trouble message."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float):
        self.url = base_url.rstrip("/") + "/webhooks/remi/webhook"
        self._http = httpx.AsyncClient(timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    async def turn(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            response = await self._http.post(self.url, json={"sender": sender, "message": text, "metadata": metadata})
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        messages = response.json()
        # Rasa answers 200 with no message when the action server is down: that is trouble too,
        # since every intent has an action that answers.
        if not messages:
            raise RasaUnavailable("no reply")
        return messages

    async def aclose(self) -> None:
        await self._http.aclose()
