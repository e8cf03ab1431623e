"""`remi chat`: a phone simulator. It plays a migrant's phone against the running API: what you
type goes out as Twilio would send it (a signed form post, SMS or WhatsApp, from --from), and
what the bot sends back arrives at a local stand-in of Twilio's Messages API and is printed
with each SMS's segment count."""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlparse

import httpx

from remi import sms
from tools.twilio_standin import TwilioStandIn, inbound_form, signed_webhook


def chat(from_: str, whatsapp: bool, wait: float = 20.0) -> int:
    from engine.config import Settings
    from tools.serve import SIMULATOR_PORT, ensure_dev_secrets

    # The simulator talks to a development `remi serve --simulator`, with its generated secrets.
    os.environ.setdefault("ENVIRONMENT", "development")
    ensure_dev_secrets()
    # The simulator is where `remi serve --simulator` sends replies, unless .env says otherwise.
    os.environ.setdefault("TWILIO_API_BASE_URL", f"http://127.0.0.1:{SIMULATOR_PORT}")
    settings = Settings()
    twilio = urlparse(settings.twilio_api_base_url)
    if twilio.hostname not in ("127.0.0.1", "localhost"):
        print(
            "remi chat needs the API to send to the simulator: start it with `remi serve --simulator`", file=sys.stderr
        )
        return 2
    standin = TwilioStandIn(settings.twilio_account_sid, settings.twilio_auth_token, port=twilio.port or 80).start()
    api = f"http://{settings.api_host}:{settings.api_port}"
    url = settings.public_base_url.rstrip("/") + "/webhooks/twilio/messages"
    our_number = settings.twilio_whatsapp_from if whatsapp else settings.twilio_sms_from
    address = ("whatsapp:" if whatsapp else "") + from_
    interactive = sys.stdin.isatty()
    print(f"Phone {address} ({'WhatsApp' if whatsapp else 'SMS'}). Type a message; Ctrl-D to quit.")
    try:
        while True:
            if interactive:
                print("you> ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                return 0
            text = line.rstrip("\n")
            if not interactive:
                print(f"you> {text}")
            before = len(standin.sent_to(address))
            form = inbound_form(text, from_, our_number, settings.twilio_account_sid, whatsapp=whatsapp)
            body, headers = signed_webhook(url, settings.twilio_auth_token, form)
            try:
                response = httpx.post(f"{api}/webhooks/twilio/messages", content=body, headers=headers, timeout=15)
            except httpx.HTTPError as exc:
                print(f"(the API at {api} did not answer: {type(exc).__name__}; is `remi serve` running?)")
                continue
            if response.status_code != 200:
                print(f"(the API answered {response.status_code}: {response.text[:200]})")
                continue
            _print_replies(standin, address, before, whatsapp, wait)
    finally:
        standin.stop()


def _print_replies(standin: TwilioStandIn, address: str, before: int, whatsapp: bool, wait: float) -> None:
    deadline, last_change, seen = time.monotonic() + wait, time.monotonic(), before
    while time.monotonic() < deadline:
        messages = standin.sent_to(address)
        for message in messages[seen:]:
            if whatsapp:
                print(f"bot> {message.body}\n     [WhatsApp, {len(message.body)} characters]")
            else:
                print(f"bot> {message.body}\n     [SMS: {sms.segments(message.body)}]")
            seen, last_change = len(messages), time.monotonic()
        # Replies come one after another; 1.5 s of silence after the first means the turn is over.
        if seen > before and time.monotonic() - last_change > 1.5:
            return
        time.sleep(0.05)
    if seen == before:
        print("(no reply)")
