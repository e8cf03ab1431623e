"""A local stand-in for Twilio's Messages API, speaking its wire format: the phone simulator
(`remi chat`), the tests and the benchmark point TWILIO_API_BASE_URL at it.

  POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form: To, From, Body, StatusCallback)
  → 201 and Twilio's JSON message resource; 401 on wrong credentials; 400 without To/Body.
  GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=...   (the messages sent to To, newest first)
  GET /2010-04-01/Accounts/{AccountSid}/Messages/{MM...}/Media/{ME...}
  → the bytes of a media file a test put in `media` (photos, voice notes); 401, 404 likewise.

It records every message with the time it arrived, can answer after a set delay (the real API
takes about 150 ms from West Africa or Europe), can fail the next N requests with a given status
(429/5xx, to exercise retries), and can post signed status callbacks back ("sent", "delivered").
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode

import httpx
from twilio.request_validator import RequestValidator


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    received_at: float  # time.time() when the request arrived
    content_sid: str | None = None  # an approved WhatsApp template, sent instead of a body
    content_variables: str | None = None


@dataclass
class TwilioStandIn:
    account_sid: str
    auth_token: str
    port: int = 0
    delay: float = 0.0
    send_status_callbacks: bool = False
    messages: list[SentMessage] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses to answer the next requests with
    # (public base URL, address to deliver to): callbacks are signed over the public URL and
    # delivered to the API directly, as a reverse proxy in front of the API would.
    callback_proxy: tuple[str, str] | None = None
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (content type, bytes)
    media_redirects: dict[str, str] = field(default_factory=dict)  # path -> where a 302 sends it (a CDN)
    media_requests: int = 0
    requests: int = 0
    # address -> Twilio error code: messages to it are accepted, then reported "failed" with that
    # code by the status callback, as Twilio reports WhatsApp's 63016 (outside the 24-hour window).
    callback_errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what tests ask ----------------------------------------------------------------------
    def sent_to(self, address: str) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.messages if m.to == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30.0) -> list[SentMessage]:
        """The first `count` messages sent to `address`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if m.to == address]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return found
                self._lock.wait(remaining)

    def wait_quiet(self, address: str, quiet: float = 1.5, timeout: float = 30.0) -> list[SentMessage]:
        """Everything sent to `address` once nothing new has come for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        seen, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = len(self.sent_to(address))
            if now != seen:
                seen, last_change = now, time.monotonic()
            elif now and time.monotonic() - last_change >= quiet:
                break
            time.sleep(0.05)
        return self.sent_to(address)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    # -- the server ----------------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: bodies hold phone numbers
                pass

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                expected = "Basic " + base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                path, _, query = self.path.partition("?")
                if path == f"/2010-04-01/Accounts/{standin.account_sid}/Messages.json":
                    to = dict(parse_qsl(query)).get("To")
                    with standin._lock:
                        found = [m for m in standin.messages if to is None or m.to == to]
                    return self._reply(
                        200,
                        {
                            "messages": [standin._resource(m) for m in reversed(found)][:1000],
                            "next_page_uri": None,
                            "page": 0,
                            "page_size": 1000,
                            "uri": path,
                        },
                    )
                with standin._lock:
                    standin.media_requests += 1
                    found = standin.media.get(self.path)
                    elsewhere = standin.media_redirects.get(self.path)
                if elsewhere:
                    self.send_response(302)
                    self.send_header("Location", elsewhere)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if found is None:
                    return self._reply(
                        404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
                    )
                self.send_response(200)
                self.send_header("Content-Type", found[0])
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                self.wfile.write(found[1])

            def do_POST(self) -> None:
                arrived = time.time()
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
                expected_path = f"/2010-04-01/Accounts/{standin.account_sid}/Messages.json"
                if self.path != expected_path:
                    return self._reply(
                        404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
                    )
                expected = "Basic " + base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if standin.delay:
                    time.sleep(standin.delay)
                with standin._lock:
                    standin.requests += 1
                    failure = standin.failures.pop(0) if standin.failures else None
                if failure:
                    return self._reply(
                        failure,
                        {
                            "code": 20429 if failure == 429 else 20500,
                            "message": "Too Many Requests" if failure == 429 else "Internal error",
                            "status": failure,
                        },
                    )
                if not form.get("To") or not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
                    return self._reply(400, {"code": 21602, "message": "Message body is required.", "status": 400})
                sid = "SM" + uuid.uuid4().hex
                message = SentMessage(
                    sid,
                    form["To"],
                    form.get("From", ""),
                    form.get("Body", ""),
                    form.get("StatusCallback"),
                    arrived,
                    form.get("ContentSid"),
                    form.get("ContentVariables"),
                )
                with standin._lock:
                    standin.messages.append(message)
                    standin._lock.notify_all()
                self._reply(201, standin._resource(message))
                if (standin.send_status_callbacks or message.to in standin.callback_errors) and message.status_callback:
                    threading.Thread(target=standin._callbacks, args=(message,), daemon=True).start()

        return Handler

    def _resource(self, message: SentMessage) -> dict:
        """Twilio's JSON message resource."""
        return {
            "sid": message.sid,
            "account_sid": self.account_sid,
            "to": message.to,
            "from": message.from_,
            "body": message.body,
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "num_media": "0",
            "price": None,
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": None,
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(message.received_at)),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
        }

    def _callbacks(self, message: SentMessage) -> None:
        if not message.status_callback:
            return
        validator = RequestValidator(self.auth_token)
        error = self.callback_errors.get(message.to)
        for status in ("failed",) if error else ("sent", "delivered"):
            params = {
                "MessageSid": message.sid,
                "MessageStatus": status,
                "AccountSid": self.account_sid,
                "To": message.to,
                "From": message.from_,
            } | ({"ErrorCode": error} if error else {})
            signature = validator.compute_signature(message.status_callback, params)
            target = message.status_callback
            if self.callback_proxy and target.startswith(self.callback_proxy[0]):
                target = self.callback_proxy[1] + target[len(self.callback_proxy[0]) :]
            try:
                httpx.post(
                    target,
                    content=urlencode(params),
                    timeout=5,
                    headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
                )
            except httpx.HTTPError:
                return
            time.sleep(0.05)


def signed_webhook(url: str, auth_token: str, form: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Body and headers of a webhook exactly as Twilio sends it: form-encoded and signed."""
    signature = RequestValidator(auth_token).compute_signature(url, form)
    return urlencode(form), {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
    }


def inbound_form(
    body: str, from_: str, to: str, account_sid: str, whatsapp: bool = False, **extra: str
) -> dict[str, str]:
    """The form fields of Twilio's inbound-message webhook."""
    prefix = "whatsapp:" if whatsapp else ""
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": account_sid,
        "From": prefix + from_.removeprefix("whatsapp:"),
        "To": prefix + to.removeprefix("whatsapp:"),
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        form |= {"ProfileName": "Test", "WaId": from_.removeprefix("whatsapp:").lstrip("+")}
    form |= extra
    return form
