"""Opting in and out of safety alerts in the conversation (engine/conversation.py, the `alerts`
step), in milliseconds against a Rasa stand-in: keywords with a town, the town menu with the
last known town first, the main menu, FIN ALERTE, and STOP, which always wins."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine.conversation import Conversation
from engine.inbox import InboundMessage
from engine.profile import Profile
from engine.rasa_client import RasaClient
from remi.content.library import LiveLibrary
from remi.sms import for_sms
from tests.support.rasa_standin import RasaStandIn

OPTS = {"max_segments": 2, "fold": True}


@pytest.fixture(scope="module")
def rasa():
    standin = RasaStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def talk(rasa):
    rasa.turns.clear()
    conversation = Conversation(RasaClient(rasa.url, rasa.token, 2.0), LiveLibrary().get, OPTS, 90)

    def say(profile: Profile, body: str) -> list[str]:
        message = InboundMessage(
            sid="SM" + "0" * 32, sender=profile.sender, channel="sms", body=body, received_at=time.time()
        )
        # As an SMS carries them (the outbox folds to GSM-7).
        return [for_sms(t) for t in asyncio.run(conversation.respond(message, profile)).texts]

    return say


def known(language: str, **fields) -> Profile:
    now = time.time()
    return Profile(sender="s1", language=language, first_seen=now - 60, last_seen=now - 60, **fields)


@pytest.mark.parametrize(
    "lang, ask, confirmed, off, stopped",
    [
        (
            "fr",
            "ALERTE AGADEZ",
            "Vous recevrez les alertes de sécurité pour Agadez. Pour arreter seulement les "
            "alertes, écrivez FIN ALERTE. ARRET arrete tous les messages de Re.Mi.",
            "fin alerte",
            "Vous ne recevrez plus d'alertes",
        ),
        (
            "ha",
            "fadakarwa agades",
            "Za ku rika samun fadakarwar tsaro ta Agadez. Don dakatar da fadakarwa kawai, "
            "ku rubuta DAINA FADAKARWA. TSAYA yana dakatar da duk sakonnin Re.Mi.",
            "DAINA FADAKARWA",
            "Ba za ku kara samun fadakarwa ba",
        ),
        (
            "en",
            "Alert Agadez",
            "You will get safety alerts for Agadez. To stop alerts only, write ALERT OFF. "
            "STOP stops every message from Re.Mi.",
            "alert off",
            "You will get no more alerts",
        ),
    ],
)
def test_keyword_with_a_town_subscribes_and_the_alerts_keyword_unsubscribes(
    talk, rasa, lang, ask, confirmed, off, stopped
):
    person = known(lang)
    texts = talk(person, ask)
    assert person.alert_towns == ["Agadez"]
    # The engine folds SMS at sending: compare what the phone will show.
    from remi.sms import for_sms

    assert for_sms(texts[0]) == confirmed
    assert for_sms(talk(person, off)[0]).startswith(stopped)
    assert person.alert_towns == [] and not person.opted_out  # alerts only: the rest goes on
    assert rasa.turns == []


def test_the_keyword_alone_offers_the_last_known_town_first_and_a_digit_subscribes(talk):
    person = known("fr", city="Arlit")
    menu = talk(person, "ALERTE")[0]
    assert menu.startswith("Alertes de sécurité pour Arlit ? Répondez 1.")
    assert "1 Arlit 2 Niamey" in menu
    talk(person, "1")
    assert person.alert_towns == ["Arlit"]


def test_a_town_named_after_the_menu_subscribes_too(talk):
    person = known("en")
    assert talk(person, "ALERT")[0].startswith("Which town do you want safety alerts for?")
    talk(person, "assamaka")
    assert person.alert_towns == ["Assamaka"]


def test_an_unknown_town_asks_again(talk):
    person = known("en")
    texts = talk(person, "ALERT Paris")
    assert texts[0] == "We do not know that town." and "Which town" in texts[1]
    assert person.alert_towns == []


def test_from_the_main_menu(talk):
    person = known("ha")
    menu = talk(person, "MENU")[0]
    assert "5 Fadakarwa" in menu
    assert "Fadakarwar tsaro ta wane gari" in talk(person, "5")[0]
    talk(person, "2")  # 2 Agadez
    assert person.alert_towns == ["Agadez"]


def test_stop_ends_alerts_too_and_start_does_not_bring_them_back(talk):
    person = known("fr", alert_towns=["Agadez"])
    talk(person, "STOP")
    assert person.opted_out and person.alert_towns == []
    talk(person, "DEMARRER")
    assert person.alert_towns == []


def test_a_sentence_that_begins_with_alert_is_not_a_subscription(talk, rasa):
    person = known("fr")
    talk(person, "alerte la police arrive au garage")
    assert person.alert_towns == []
    assert rasa.turns  # the NLU (and the danger words before it) got it
