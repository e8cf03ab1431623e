"""With Rasa or the action server down, the person gets a short "we are having trouble"
message in their language within seconds, and a request for a person is still recorded: a
handover an operator can claim, the emergency first."""

from __future__ import annotations

import time

from remi import keywords, sms
from remi.i18n import gettext_for
from tests.support import parts, traces
from tests.support.system import new_number

SECONDS = 10  # "within seconds": Rasa's timeout (RASA_TIMEOUT_SECONDS) is 8


def trouble(lang: str, channel: str = "sms") -> str:
    text = gettext_for(lang)("We are having trouble. Please try again in a few minutes, or write {help}.").format(
        help=keywords.word("help", lang)
    )
    return sms.for_sms(text) if channel == "sms" else text  # on SMS, folded to GSM-7 as every text


def first_replies(system, text: str, number: str, whatsapp: bool = False) -> tuple[list[str], float]:
    """The replies to one message, and how long the first one took to reach the phone."""
    address = ("whatsapp:" if whatsapp else "") + number
    before = len(system.twilio.sent_to(address))
    started = time.monotonic()
    system.send(text, number, whatsapp)
    system.twilio.wait_for(address, before + 1, timeout=30)
    took = time.monotonic() - started
    return [m.body for m in system.twilio.wait_quiet(address, quiet=1.5)[before:]], took


def requests_for_a_person(system, number: str) -> list[dict]:
    """The handovers this person's requests opened (engine/handover/records.py)."""
    sender = traces.sender_of(system, number)
    r = traces.client(system)
    found = []
    for handover_id in r.smembers(f"remi:handovers:of:{sender}"):
        record = r.hgetall(f"remi:handover:{handover_id.decode()}")
        found.append({k.decode(): v.decode() for k, v in record.items()})
    return found


def assert_trouble_and_requests_recorded(system) -> None:
    replies, took = first_replies(system, "Bonjour, j'ai une question sur mes papiers", number := new_number())
    assert trouble("fr") in replies and took < SECONDS
    replies, took = first_replies(system, "Sannu, ina da tambaya game da takardu", new_number())
    assert trouble("ha") in replies and took < SECONDS
    replies, took = first_replies(system, "Hello, I have a question about my papers", new_number(), whatsapp=True)
    assert trouble("en", "whatsapp") in replies and took < SECONDS

    # "Talk to someone" from the menu (shown without Rasa), while Rasa cannot answer.
    system.converse("MENU", number)
    replies, took = first_replies(system, "4", number)
    assert trouble("fr") in replies and took < SECONDS
    asked = requests_for_a_person(system, number)
    assert len(asked) == 1 and asked[0]["category"] == "general"

    # Words of danger: the emergency, first in the queue of people waiting.
    danger = "au secours ils me frappent ici"
    replies, took = first_replies(system, danger, in_danger := new_number())
    assert trouble("fr") in replies and took < SECONDS
    asked = requests_for_a_person(system, in_danger)
    assert len(asked) == 1 and asked[0]["category"] == "protection" and asked[0]["priority"] == "1"
    waiting = [i.decode() for i in traces.client(system).zrange("remi:handovers:waiting", 0, -1)]
    assert asked[0]["id"] in waiting


def test_rasa_down_trouble_message_and_request_for_a_person_recorded(own_system):
    parts.stop(own_system, "rasa")
    try:
        assert_trouble_and_requests_recorded(own_system)
    finally:
        parts.start_rasa(own_system)
    assert "Bienvenue" in "\n".join(own_system.converse("Bonjour", new_number()))  # and back to normal


def test_action_server_down_trouble_message_and_request_for_a_person_recorded(own_system):
    parts.stop(own_system, "actions")
    try:
        assert_trouble_and_requests_recorded(own_system)
    finally:
        parts.start_actions(own_system)
    assert "Bienvenue" in "\n".join(own_system.converse("Bonjour", new_number()))
