"""Pseudonymous by design: after a full conversation (French, English and Hausa; SMS and
WhatsApp; a town; a request for a person), no phone number is anywhere in Redis (keys and
values, Rasa's trackers included) or in the logs of any process, and no message text is in
the logs."""

from __future__ import annotations

import json
import time

from tests.support import traces
from tests.support.system import new_number


def full_conversation(system) -> tuple[list[str], list[str]]:
    """The numbers used, and the texts the people wrote."""
    person, hausa = new_number(), new_number()
    said: list[str] = []

    def say(text: str, number: str, whatsapp: bool = False, wait: bool = True) -> list[str]:
        said.append(text)
        if wait:
            return system.converse(text, number, whatsapp)
        system.send(text, number, whatsapp)
        return []

    assert say("Bonjour, je suis à Agadez depuis hier", person)
    assert say("la police a arrêté mon frère au marché", person)
    assert say("Hello, where can I find a doctor in Agadez please", person, whatsapp=True)
    assert say("je veux parler à une personne de votre équipe", person)  # a handover opens
    say("ils ont pris mon passeport au poste de police", person, wait=False)  # for the operator
    time.sleep(2)
    assert system.converse("BOT", person)
    assert say("Sannu, ina neman taimako game da takardu", hausa)
    assert say("ina Niamey yanzu, ina son likita", hausa, whatsapp=True)
    return [person, hausa], said


def test_no_number_in_redis_or_logs_and_no_text_in_logs(system):
    numbers, texts = full_conversation(system)
    records = traces.dump(system)
    found = [
        f"{form!r} in {rec.key!r}"
        for rec in records
        for n in numbers
        for form in traces.number_forms(n)
        if form.encode() in rec.key or form.encode() in rec.value
    ]
    assert found == []
    assert traces.leaks(system, numbers, texts) == []

    # The controls: the scan did read Rasa's tracker (the person's texts are in it, under the
    # keyed hash) and the logs (the messages' ids are in them).
    sender = traces.sender_of(system, numbers[0])
    tracker = next(rec for rec in records if rec.key == f"rasa:tracker:{sender}".encode())
    assert json.dumps(texts[0])[1:-1].encode() in tracker.value
    assert "inbound SM" in system.log_text()
