"""The conversation steps (engine/conversation.py), one message at a time, in milliseconds:
the real content and catalogs, a stand-in for Rasa on loopback. Each test reads as a
transcript: the person's state, what they write, what the phone gets, what Rasa was asked."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine.conversation import Conversation
from engine.inbox import InboundMessage
from engine.profile import Profile
from engine.rasa_client import RasaClient
from remi.content.library import LiveLibrary
from remi.content.render import Reply
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
    rasa.status = 200
    conversation = Conversation(RasaClient(rasa.url, rasa.token, 2.0), LiveLibrary().get, OPTS, 90)

    def say(profile: Profile, body: str, channel: str = "sms", **fields):
        message = InboundMessage(
            sid="SM" + "0" * 32, sender=profile.sender, channel=channel, body=body, received_at=time.time(), **fields
        )
        outcome = asyncio.run(conversation.respond(message, profile))
        profile.first_seen = profile.first_seen or time.time()  # as the worker does after a turn
        profile.last_seen = time.time()
        return outcome

    return say


def known(language: str = "fr", **fields) -> Profile:
    """A person who has written before."""
    now = time.time()
    return Profile(sender="s1", language=language, first_seen=now - 60, last_seen=now - 60, **fields)


def test_a_first_message_sets_the_language_welcomes_and_asks_rasa(talk, rasa):
    person = Profile(sender="s1")
    out = talk(person, "Bonjour, je cherche un médecin à Niamey")
    assert person.language == "fr"
    assert out.texts[0].startswith("Bienvenue sur Re.Mi.")  # the welcome with the retention notice
    assert "EFFACER" in out.texts[0]
    assert rasa.turns[-1]["message"] == "Bonjour, je cherche un médecin à Niamey"
    assert rasa.turns[-1]["metadata"] == {"language": "fr", "channel": "sms", "render": OPTS}


def test_a_short_first_message_gets_the_language_menu_and_a_digit_chooses(talk, rasa):
    person = Profile(sender="s1")
    out = talk(person, "ok")
    assert "2 Hausa 3 English" in out.texts[0]
    out = talk(person, "2")
    assert person.language == "ha" and person.language_chosen
    assert rasa.turns == []  # menus and choices never reach Rasa


def test_stop_silences_everything_until_start(talk, rasa):
    person = known()
    out = talk(person, "STOP")
    assert person.opted_out and "DEMARRER" in out.texts[0]
    assert talk(person, "au secours").texts == []  # nothing at all, even words of danger
    out = talk(person, "DEMARRER")
    assert not person.opted_out and out.texts
    assert rasa.turns == []


def test_words_of_danger_go_to_the_emergency_topic_whatever_the_nlu_would_say(talk, rasa):
    talk(known(), "ils vont me tuer, aidez moi vite")
    assert rasa.messages == ["/emergency"]


def test_a_digit_answers_the_last_menu_without_rasa(talk, rasa):
    person = known()
    talk(person, "MENU")
    out = talk(person, "1")  # 1 Droits
    assert out.texts[0].startswith("Droits")
    assert rasa.turns == []


def test_a_digit_with_no_such_choice_repeats_the_menu(talk, rasa):
    person = known()
    talk(person, "MENU")
    out = talk(person, "9")
    assert out.texts[0].startswith("Choisissez un numéro de la liste")
    assert rasa.turns == []


def test_during_a_handover_the_bot_is_silent_and_bot_brings_it_back(talk, rasa):
    person = known(handover="h1")
    out = talk(person, "merci, j'attends")
    assert out.to_person and out.texts == []
    out = talk(person, "BOT")
    assert out.leave_handover
    assert rasa.turns == []


def test_erasure_is_asked_and_confirmed(talk):
    person = known()
    out = talk(person, "EFFACER")
    assert person.awaiting == "delete_confirm" and "1" in out.texts[0]
    out = talk(person, "1")
    assert out.erase


def test_when_rasa_is_down_the_person_is_told_and_an_emergency_still_reaches_a_person(talk, rasa):
    rasa.status = 500
    person = known()
    out = talk(person, "je suis perdu dans le desert")
    assert "difficult" in out.texts[-1].lower() or "probl" in out.texts[-1].lower()
    assert out.handover == {"category": "protection", "priority": True, "reason": "requested while the bot was down"}


def test_rasa_s_rendered_reply_is_remembered_as_the_menu(talk, rasa):
    reply = Reply(pages=["Arrestation: restez calme.", "page 2"], topic="rights_arrest", handover="legal")
    rasa.answer = lambda turn: [{"text": reply.pages[0], "custom": {"remi": reply.to_json()}}]
    try:
        person = known()
        out = talk(person, "la police m'a arrêté")
        assert out.texts == ["Arrestation: restez calme."]
        assert person.pages == ["page 2"]  # waits for PLUS
        assert out.handover == {"category": "legal", "priority": False, "reason": "rights_arrest"}
        assert talk(person, "PLUS").texts == ["page 2"]
    finally:
        rasa.answer = RasaStandIn().answer


def test_a_photo_without_text_says_what_the_service_reads(talk, rasa):
    out = talk(known(), "", media=[{"url": "https://api.twilio.com/x", "type": "image/jpeg"}])
    assert "photos" in out.texts[0]
    assert rasa.turns == []


# -- languages the service does not read, shared phones (issue 16) --------------------------------


def test_a_first_message_in_zarma_gets_the_three_language_menu_and_a_person(talk, rasa):
    person = Profile(sender="s1")
    out = talk(person, "Fofo, ay ga ba gaakasinay")
    text = out.texts[-1]
    assert "lit le fran" in text and "Hausa da Turanci" in text and "reads French, Hausa and English" in text
    assert "2 Hausa 3 English 4 " in text
    assert person.language is None and rasa.turns == []  # never a confident answer in another language
    out = talk(person, "4")
    assert out.handover == {"category": "general", "priority": False, "reason": "other_language"}


def test_arabic_from_a_french_speaker_s_phone_gets_the_menu_not_french(talk, rasa):
    person = known("fr", language_chosen=True)
    out = talk(person, "السلام عليكم أريد المساعدة")
    assert "reads French, Hausa and English" in out.texts[-1]
    assert rasa.turns == []
    talk(person, "3")  # English
    assert person.language == "en" and person.language_chosen


def test_a_second_unreadable_message_goes_to_a_person_not_a_third_menu(talk, rasa):
    person = known("fr")
    talk(person, "qwx zpv kjt")
    assert rasa.turns == []  # the first time: the three-language menu
    talk(person, "qwx zpv kjt")
    assert rasa.messages == ["/human_operator"]  # never stuck: the second time, a person


def test_words_of_danger_win_over_the_other_language_menu(talk, rasa):
    talk(known(), "au secours, السلام عليكم")
    assert rasa.messages == ["/emergency"]


def test_a_hausa_greeting_on_a_french_phone_switches_to_hausa_and_says_so(talk, rasa):
    person = known("fr", language_chosen=True)  # even a language chosen with LANGUE
    out = talk(person, "Sannu")
    assert person.language == "ha"
    assert out.texts[0] == "Za mu ci gaba da Hausa — HARSHE don canzawa."
    assert rasa.turns[-1]["metadata"]["language"] == "ha"


def test_several_words_clearly_in_english_switch_from_french(talk, rasa):
    person = known("fr")
    out = talk(person, "please where can I find a doctor for my brother")
    assert person.language == "en" and out.texts[0].startswith("Switching to English — LANGUAGE")


@pytest.mark.parametrize("body", ["2", "MENU", "ok", "merci", "Bonjour"])
def test_digits_keywords_one_word_replies_and_same_language_greetings_never_switch(talk, rasa, body):
    person = known("fr", language_chosen=True)
    talk(person, "MENU")
    out = talk(person, body)
    assert person.language == "fr"
    assert not any("—" in t for t in out.texts)
