"""Hostile input at the webhook, over HTTP: correctly signed but malformed forms, huge fields,
invalid UTF-8, control and bidirectional characters, emoji, MediaUrls that do not point to
Twilio. Never a 5xx, never a crash (the worker answers or sets aside every stored message, and
logs no unexpected error), and no MediaUrl is ever fetched."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.support import traces
from tests.support.system import ACCOUNT_SID, PUBLIC_BASE_URL, SMS_FROM

URL = PUBLIC_BASE_URL + "/webhooks/twilio/messages"
FIELDS = [
    "MessageSid",
    "SmsMessageSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "MediaUrl1",
    "Latitude",
    "Longitude",
    "OptOutType",
    "ProfileName",
    "WaId",
    "AccountSid",
    "NumSegments",
]
ODD = [
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u200f",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b",
    "\r\n",
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "ɓɗƙƴ",
    "ﷺ",
    "\U0010fffd",
]
NUMBERS = st.from_regex(r"\+2279[0-9]{7}", fullmatch=True)


class MediaServer:
    """Stands where a hostile MediaUrl points: records every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_POST = do_HEAD = do_GET

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def urls(self) -> list[str]:
        p = self.port
        return [
            f"http://127.0.0.1:{p}/media/1",
            f"https://127.0.0.1:{p}/media/2",
            f"http://localhost:{p}/x",
            f"https://api.twilio.com.evil.example:{p}/",
            f"https://api.twilio.com@127.0.0.1:{p}/x",
            f"http://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1",
            "file:///etc/passwd",
            "gopher://127.0.0.1:6379/_FLUSHALL",
            "//127.0.0.1/x",
            "javascript:alert(1)",
        ]


@pytest.fixture(scope="module")
def media_server():
    server = MediaServer()
    yield server
    server.server.shutdown()


def nasty_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=300),
        st.lists(st.sampled_from(ODD) | st.text(max_size=5), max_size=40).map("".join),
        st.sampled_from(
            [
                "",
                " ",
                "nan",
                "-inf",
                "1e309",
                "-1",
                "99999999999999999999",
                "0x1F",
                "%00",
                "STOP",
                "EFFACER",
                "1",
                "/emergency",
                "/human_operator",
                '/inform{"city":"x"}',
                "BOT",
                "<script>",
            ]
        ),
        st.integers(0, 70_000).map(lambda n: "é" * (n // 2)),  # up to twice MAX_BODY_BYTES once encoded
    )


@st.composite
def forms(draw, media_urls: list[str]) -> dict[str, str]:
    form = {
        "MessageSid": "SM" + draw(st.uuids()).hex,
        "AccountSid": ACCOUNT_SID,
        "From": draw(st.sampled_from(["", "whatsapp:"])) + draw(NUMBERS),
        "To": SMS_FROM,
        "Body": draw(nasty_text()),
        "NumMedia": "0",
    }
    if draw(st.booleans()):
        urls = draw(st.lists(st.sampled_from(media_urls), min_size=1, max_size=3))
        form |= {f"MediaUrl{i}": url for i, url in enumerate(urls)} | {"NumMedia": str(len(urls))}
        form |= {
            f"MediaContentType{i}": draw(st.sampled_from(["image/jpeg", "audio/ogg", "text/html"]))
            for i in range(len(urls))
        }
    form |= draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=20), nasty_text(), max_size=5))
    return form


def signed(system, body: str) -> dict[str, str]:
    """X-Twilio-Signature over the parameters as the API will read them (first value of a name)."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        params.setdefault(key, value)
    return {
        "X-Twilio-Signature": RequestValidator(system.auth_token).compute_signature(URL, params),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def post(system, body: str | bytes, headers: dict[str, str]) -> httpx.Response:
    return system.http.post(system.api_url + "/webhooks/twilio/messages", content=body, headers=headers)


class Seen:
    """What the fuzzing stored, to check afterwards that the worker dealt with every one."""

    sids: set[str] = set()


def test_signed_malformed_forms_never_give_a_5xx(system, media_server):
    log = next(c for c in system.stack.children if c.name == "api").log
    log_start = log.stat().st_size

    @given(form=forms(media_server.urls()))
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(form):
        body = urlencode(form)
        response = post(system, body, signed(system, body))
        assert response.status_code in (200, 400, 413), (response.status_code, response.text[:200])
        if response.status_code == 200:
            Seen.sids.add(form.get("MessageSid") or form.get("SmsMessageSid"))

    fuzz()

    @given(
        raw=st.binary(max_size=2000),
        number=NUMBERS,
        pairs=st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=50)), max_size=6),
    )
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz_bytes(raw, number, pairs):
        # Invalid UTF-8 percent-encoded (decoded with replacement characters, then signed), and raw.
        body = urlencode([(b"MessageSid", b"SM" + raw[:16].hex().encode()), (b"From", number.encode())] + pairs)
        response = post(system, body, signed(system, body))
        assert response.status_code in (200, 400, 413)
        assert post(system, raw, signed(system, body)).status_code in (400, 403, 413)

    fuzz_bytes()

    # The worker handles every stored message: answered, or answered with the trouble message;
    # none stuck, none set aside after failing, no unexpected error in the log.
    r = traces.client(system)
    stored = sorted(sid for sid in Seen.sids if sid and r.exists(f"remi:msg:{sid}"))
    assert stored, "the control: fuzzing got messages through to the worker"
    records = traces.wait_done(system, stored, timeout=180)
    stuck = {sid: rec.get("state") for sid, rec in records.items() if rec and rec.get("state") != "done"}
    assert stuck == {}
    with log.open("rb") as fh:
        fh.seek(log_start)
        new_log = fh.read().decode(errors="replace")
    assert "unexpected error" not in new_log and "set aside" not in new_log and "Traceback" not in new_log
    time.sleep(1)
    assert media_server.hits == []  # no MediaUrl was fetched, Twilio's or not
    assert system.http.get(system.api_url + "/healthz").status_code == 200
