"""Safety alerts through the whole stack: people opt in and out by keyword in French, Hausa and
English; a supervisor writes an alert, the author cannot approve it, another supervisor does,
and each subscriber of the town gets it once, in their language (or the fallback); erasure takes
a person out. Twilio is the stand-in; everything else is real."""

from __future__ import annotations

import time

import pytest

from engine import keys
from tests.e2e.transcript import Phone
from tests.support import traces
from tests.support.operators import operator


def wait_until(check, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError("timed out")


def subscription(system, phone: Phone) -> dict:
    raw = traces.client(system).hgetall(keys.ALERT_SUBSCRIPTION.key(traces.sender_of(system, phone.number)))
    return {k.decode(): v.decode() for k, v in raw.items()}


def in_town_index(system, phone: Phone, town: str) -> bool:
    return traces.client(system).zscore(keys.ALERT_TOWN.key(town), traces.sender_of(system, phone.number)) is not None


@pytest.mark.parametrize(
    "digit, subscribe, confirmed, off, stopped",
    [
        (
            "1",
            "ALERTE AGADEZ",
            "Vous recevrez les alertes de sécurité pour Agadez",
            "FIN ALERTE",
            "Vous ne recevrez plus d'alertes",
        ),
        (
            "2",
            "FADAKARWA AGADEZ",
            "Za ku rika samun fadakarwar tsaro ta Agadez",
            "DAINA FADAKARWA",
            "Ba za ku kara samun fadakarwa ba",
        ),
        ("3", "ALERT AGADEZ", "You will get safety alerts for Agadez", "ALERT OFF", "You will get no more alerts"),
    ],
)
def test_opting_in_and_out_by_keyword_in_three_languages(system, digit, subscribe, confirmed, off, stopped):
    phone = Phone(system)
    assert "3 English" in phone.say("ok")  # the language menu
    phone.say(digit)
    assert confirmed in phone.say(subscribe)
    assert subscription(system, phone)["towns"] == "Agadez" and in_town_index(system, phone, "Agadez")
    assert phone.say(off).startswith(stopped)
    assert subscription(system, phone) == {} and not in_town_index(system, phone, "Agadez")


def test_the_town_menu_offers_the_last_known_town_and_stop_ends_alerts(system):
    phone = Phone(system)
    phone.say("ok")
    phone.say("3")
    phone.say("Arlit")  # the town is remembered (engine/handover/desk.py: town_of)
    menu = phone.say("ALERT")
    assert menu.startswith("Safety alerts for Arlit? Answer 1.")
    assert "Arlit" in phone.say("1")
    assert subscription(system, phone)["towns"] == "Arlit"
    phone.say("STOP")
    assert subscription(system, phone) == {} and not in_town_index(system, phone, "Arlit")


def test_erasure_takes_the_person_out_of_alerts(system):
    phone = Phone(system)
    phone.say("ok")
    phone.say("1")
    phone.say("ALERTE NIAMEY")
    assert in_town_index(system, phone, "Niamey")
    phone.say("EFFACER")
    phone.say("1")
    assert subscription(system, phone) == {} and not in_town_index(system, phone, "Niamey")


def test_four_eyes_then_each_subscriber_gets_the_alert_once_in_their_language(system):
    author, second = operator(system, "hotline", "supervisor"), operator(system, "hotline", "supervisor")
    plain = operator(system, "hotline")
    phones = {}
    for lang, digit, words in (
        ("fr", "1", "ALERTE AGADEZ"),
        ("ha", "2", "FADAKARWA AGADEZ"),
        ("en", "3", "ALERT AGADEZ"),
    ):
        phone = phones[lang] = Phone(system)
        phone.say("ok")
        phone.say(digit)
        phone.say(words)
    elsewhere = Phone(system)
    elsewhere.say("ok")
    elsewhere.say("1")
    elsewhere.say("ALERTE NIAMEY")

    texts = {
        "fr": "Expulsions vers Assamaka cette semaine. Restez en contact avec l'OIM.",
        "ha": "",
        "en": "Expulsions to Assamaka this week. Stay in touch with IOM.",
    }
    body = {"towns": ["Agadez"], "texts": texts}
    assert plain.post("/api/v1/alerts/preview", json=body).status_code == 403
    preview = author.post("/api/v1/alerts/preview", json=body).json()
    shown = {v["language"]: v for v in preview["versions"]}
    assert shown["ha"]["text_language"] == "fr"  # Hausa left empty: the French text, as content falls back
    assert shown["fr"]["body"].startswith("Alerte Re.Mi., Agadez : Expulsions vers Assamaka")
    assert shown["fr"]["encoding"] == "GSM-7" and shown["fr"]["segments"] == 1
    assert preview["recipients"] >= 3 and shown["en"]["recipients"]["sms"] >= 1

    created = author.post("/api/v1/alerts", json=body)
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["status"] == "pending"
    refused = author.post(f"/api/v1/alerts/{alert['id']}/approve")
    assert refused.status_code == 403 and "author" in refused.json()["detail"]
    assert plain.post(f"/api/v1/alerts/{alert['id']}/approve").status_code == 403
    approved = second.post(f"/api/v1/alerts/{alert['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert second.post(f"/api/v1/alerts/{alert['id']}/approve").status_code == 409  # once

    sent = wait_until(lambda: (a := author.get(f"/api/v1/alerts/{alert['id']}").json())["status"] == "sent" and a)
    assert sent["approved_by"] == second.username and sum(sent["counts"].values()) == sent["recipients"]
    for lang, phone in phones.items():
        got = [m.body for m in system.twilio.sent_to(phone.number) if "Re.Mi." in m.body and "Assamaka" in m.body]
        assert len(got) == 1, (lang, got)
    assert "Expulsions vers Assamaka" in [m.body for m in system.twilio.sent_to(phones["ha"].number)][-1]
    assert "FIN ALERTE pour arreter les alertes" in system.twilio.sent_to(phones["ha"].number)[-1].body
    assert system.twilio.sent_to(phones["en"].number)[-1].body.startswith("Re.Mi. alert, Agadez: Expulsions to")
    assert not [m for m in system.twilio.sent_to(elsewhere.number) if "Assamaka" in m.body]

    entries = [
        e for e in traces.client(system).xrange(keys.AUDIT.key()) if e[1][b"target"] == f"alert:{alert['id']}".encode()
    ]
    actions = [(f[b"actor"].decode(), f[b"action"].decode()) for _, f in entries]
    assert actions[:3] == [
        (author.username, "alert.write"),
        (second.username, "alert.approve"),
        (second.username, "alert.send"),
    ]
    assert actions[-1] == ("system", "alert.sent")
    everything = b" ".join(v for _, f in entries for v in f.values()).decode()
    for phone in [*phones.values(), elsewhere]:
        assert phone.number.lstrip("+") not in everything and traces.sender_of(system, phone.number) not in everything
