"""A stand-in for Rasa behind the worker's channel (bot/channels/worker.py), for the fast tier:
it speaks the channel's wire format on loopback (POST /webhooks/remi/webhook with a bearer
token; a JSON list of bot messages back), records what it was asked, and answers what the
test tells it to. The whole-stack tests use the real Rasa."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/webhooks/remi/webhook"


class RasaStandIn:
    def __init__(self, token: str = "test-token"):
        self.token = token
        self.turns: list[dict[str, Any]] = []  # each request's JSON: sender, message, metadata
        self.status = 200
        self.answer: Callable[[dict[str, Any]], list[dict[str, Any]]] = lambda turn: [
            {"recipient_id": turn["sender"], "text": f"rasa: {turn['message']}"}
        ]
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != PATH or self.headers.get("Authorization") != f"Bearer {standin.token}":
                    self.send_response(403 if self.path == PATH else 404)
                    self.end_headers()
                    return
                turn = json.loads(body)
                standin.turns.append(turn)
                payload = json.dumps(standin.answer(turn) if standin.status == 200 else {}).encode()
                self.send_response(standin.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def messages(self) -> list[str]:
        return [t["message"] for t in self.turns]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
