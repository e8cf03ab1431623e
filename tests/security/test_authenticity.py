"""Every Twilio webhook is checked against X-Twilio-Signature before anything is stored:
forged, missing or altered → 403, nothing in Redis, nothing sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.security.conftest import PREVIOUS_AUTH_TOKEN
from tests.support import traces
from tests.support.system import PUBLIC_BASE_URL, new_number

MESSAGES = "/webhooks/twilio/messages"
STATUS = "/webhooks/twilio/status"


def _post(system, path: str, body: str, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return system.http.post(system.api_url + path, content=body, headers=headers)


def _sign(token: str, url: str, form: dict[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, form)


def forgeries(system, path: str, form: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Ways a request can fail to be Twilio's: name → (body, X-Twilio-Signature)."""
    token, url, body = system.auth_token, PUBLIC_BASE_URL + path, urlencode(form)
    good = _sign(token, url, form)
    altered = dict(form, Body=form.get("Body", "") + " et plus", MessageStatus="failed")
    added = dict(form, NumMedia="1", MediaUrl0="https://api.twilio.com/x")
    # The signature over the URL alone (no parameters): what a careless check would accept.
    url_only = base64.b64encode(hmac.new(token.encode(), url.encode(), hashlib.sha1).digest()).decode()
    return {
        "missing": (body, None),
        "empty": (body, ""),
        "forged": (body, base64.b64encode(b"not a signature at all").decode()),
        "other auth token": (body, _sign("0" * 32, url, form)),
        "signed for another url": (body, _sign(token, "https://evil.example.org" + path, form)),
        "signed for the other webhook": (
            body,
            _sign(token, PUBLIC_BASE_URL + (STATUS if path == MESSAGES else MESSAGES), form),
        ),
        "signed for plain http": (body, _sign(token, url.replace("https://", "http://"), form)),
        "body altered after signing": (urlencode(altered), good),
        "parameter added after signing": (urlencode(added), good),
        "url only": (body, url_only),
        "signature of another message": (body, _sign(token, url, dict(form, MessageSid="SM" + "0" * 32))),
    }


def test_inbound_message_not_from_twilio_is_refused_and_nothing_is_stored_or_sent(system):
    number = new_number()
    form = system.form("Bonjour, je voudrais savoir mes droits", number)
    sender = traces.sender_of(system, number)
    r = traces.client(system)
    for name, (body, signature) in forgeries(system, MESSAGES, form).items():
        response = _post(system, MESSAGES, body, signature)
        assert response.status_code == 403, name
        assert not r.exists(f"remi:seen:{form['MessageSid']}", f"remi:msg:{form['MessageSid']}"), name
        assert not r.exists(f"remi:inbox:{sender}", f"remi:contact:{sender}", f"remi:sids:{sender}"), name
    # A genuine message from someone else goes through the whole path: by the time it is
    # answered, anything the forgeries had queued would have been answered too.
    control = new_number()
    assert system.converse("Bonjour", control)
    assert system.twilio.sent_to(number) == []
    assert not [k for k in r.scan_iter(f"remi:*{sender}*")]


def test_genuine_inbound_message_is_stored(system):
    """The control: the same request, correctly signed, is accepted and stored."""
    number = new_number()
    form = system.form("Bonjour", number)
    assert system.post_webhook(form).status_code == 200
    assert traces.client(system).exists(f"remi:seen:{form['MessageSid']}")
    assert system.twilio.wait_for(number, timeout=30)


@pytest.fixture(scope="module")
def sent_reply(system):
    """A reply really sent, with its outbound record: (record key, Twilio's message sid)."""
    number = new_number()
    system.converse("Bonjour", number)
    inbound = system.form("MENU", number)
    before = len(system.twilio.sent_to(number))
    assert system.post_webhook(inbound).status_code == 200
    sent = system.twilio.wait_for(number, before + 1)
    key = f"remi:out:{inbound['MessageSid']}:0"
    r = traces.client(system)
    for _ in range(100):
        if r.hget(key, "twilio_sid"):
            break
        system.twilio.wait_quiet(number, quiet=0.2, timeout=1)
    assert r.hget(key, "twilio_sid").decode() == sent[-1].sid
    return key, sent[-1].sid


def test_status_callback_not_from_twilio_changes_nothing(system, sent_reply):
    key, twilio_sid = sent_reply
    r = traces.client(system)
    before = r.hgetall(key)
    failed_before = r.lrange("remi:outbound:failed", 0, -1)
    form = {
        "MessageSid": twilio_sid,
        "MessageStatus": "undelivered",
        "ErrorCode": "30007",
        "AccountSid": system.env["TWILIO_ACCOUNT_SID"],
    }
    for name, (body, signature) in forgeries(system, STATUS, form).items():
        assert _post(system, STATUS, body, signature).status_code == 403, name
    assert r.hgetall(key) == before
    assert r.lrange("remi:outbound:failed", 0, -1) == failed_before


def test_genuine_status_callback_is_recorded(system, sent_reply):
    key, twilio_sid = sent_reply
    form = {"MessageSid": twilio_sid, "MessageStatus": "delivered", "AccountSid": system.env["TWILIO_ACCOUNT_SID"]}
    assert system.post_webhook(form, path=STATUS).status_code == 204
    assert traces.client(system).hget(key, "status") == b"delivered"


def test_while_the_auth_token_is_rotated_the_previous_one_still_signs(system, limited_api):
    """TWILIO_AUTH_TOKEN_PREVIOUS (set on limited_api only): accepted there, refused elsewhere."""
    number = new_number()
    form = system.form("Bonjour", number)
    body = urlencode(form)
    signature = _sign(PREVIOUS_AUTH_TOKEN, PUBLIC_BASE_URL + MESSAGES, form)
    assert _post(system, MESSAGES, body, signature).status_code == 403
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    assert system.http.post(limited_api + MESSAGES, content=body, headers=headers).status_code == 200
    assert system.twilio.wait_for(number)
