"""Conversations on a basic phone, through the real stack, in the three languages: language
choice, numbered menus, keywords, services near the person, fallback, emergencies."""

from __future__ import annotations

import pytest

from remi.content.library import Library
from tests.e2e.transcript import Phone, digit_for

CONTENT = Library()
LANGS = {
    # lang: (greeting, services area label, medical label, free-text medical question with a town,
    #        town as the answer shows it, stop, start, delete, danger)
    "fr": (
        "Bonjour",
        "Services",
        "Soins",
        "je suis malade je cherche un docteur a yamai",
        "Niamey",
        "ARRET",
        "DEMARRER",
        "EFFACER",
        "au secours ils me frappent",
    ),
    "ha": (
        "Sannu",
        "Taimako",
        "Kiwon lafiya",
        "ina rashin lafiya ina neman asibiti a yamai",
        "Niamey",
        "TSAYA",
        "FARA",
        "GOGE",
        "ku cece ni ana dukana yanzu",
    ),
    "en": (
        "Hello",
        "Services",
        "Medical",
        "i am sick i need a doctor in niamey",
        "Niamey",
        "STOP",
        "START",
        "DELETE",
        "help me now they are beating me",
    ),
}


def sms_of(topic: str, lang: str) -> str:
    """The first words of a topic's SMS text as the phone shows them (GSM-7 folded)."""
    from remi.sms import fold_to_gsm7

    return fold_to_gsm7(CONTENT.topics[topic].text("sms", lang))[:40]


@pytest.mark.parametrize("lang", LANGS)
def test_language_by_digit_menus_by_digit_then_free_text_with_a_town(system, lang):
    greeting, services, medical, question, town, *_ = LANGS[lang]
    phone = Phone(system)
    # An unclear first message: the language is asked.
    shown = phone.say("ok")
    assert "2 Hausa 3 English" in shown
    shown = phone.say({"fr": "1", "ha": "2", "en": "3"}[lang])
    assert digit_for(shown, services)
    shown = phone.say(digit_for(shown, services))
    shown = phone.say(digit_for(shown, medical))
    # No town known yet: the town is asked, as a numbered choice.
    assert "Niamey" in shown and "Agadez" in shown
    shown = phone.say(digit_for(shown, "Agadez"))
    more = {"fr": "PLUS", "ha": "KARA", "en": "MORE"}[lang]
    # A service answer leads with where to go (Agadez has none listed: the nearest town), then
    # says what help, on the next page when the answer is long.
    assert "Agadez" in shown
    if sms_of("service_medical", lang)[:25] not in shown and more in shown:
        shown += "\n" + phone.say(more)
    assert sms_of("service_medical", lang)[:25] in shown
    # Free text, with a town: the services of that town (on the next page when the answer is long).
    shown = phone.say(question)
    if more in shown:
        shown += "\n" + phone.say(more)
    assert town in shown
    assert "+227" in shown or "Talladj" in shown  # a service of Niamey from the directory


@pytest.mark.parametrize("lang", LANGS)
def test_stop_then_silence_then_start(system, lang):
    greeting, *_, stop, start, _delete, _danger = LANGS[lang]
    phone = Phone(system)
    phone.say(greeting)
    confirmation = phone.say(stop)
    assert start in confirmation  # says how to come back
    assert phone.silent_after(greeting)
    assert phone.silent_after("1")
    assert phone.silent_after("MENU")
    back = phone.say(start)
    assert "1" in back and "4" in back  # the main menu again


def test_carrier_opt_out_is_silent_and_start_resumes(system):
    phone = Phone(system)
    phone.say("Bonjour")
    # Twilio answers carrier keywords itself; the service must then send nothing at all.
    assert phone.silent_after("STOP", OptOutType="STOP")
    assert phone.silent_after("Bonjour")
    assert phone.say("START", OptOutType="START")


@pytest.mark.parametrize("lang", LANGS)
def test_delete_erases_after_confirmation(system, lang):
    greeting, *_, delete, _danger = LANGS[lang]
    phone = Phone(system)
    first = phone.say(greeting)
    asked = phone.say(delete)
    assert "1" in asked and "2" in asked
    phone.say("1")
    # Erased: the service no longer knows the person, so they are welcomed as new.
    again = phone.say(greeting)
    assert first.splitlines()[0] == again.splitlines()[0]


def test_delete_can_be_cancelled(system):
    phone = Phone(system)
    phone.say("Hello")
    phone.say("DELETE")
    kept = phone.say("2")
    assert "Nothing was erased" in kept


@pytest.mark.parametrize("lang", LANGS)
def test_emergency_gets_the_safety_message_first(system, lang):
    *_, danger = LANGS[lang]
    phone = Phone(system)
    shown = phone.screen if phone.say(danger) else []
    assert shown[0].startswith(sms_of("emergency", lang)[:30])


@pytest.mark.parametrize("lang", LANGS)
def test_fallback_never_loops_more_than_twice(system, lang):
    greeting = LANGS[lang][0]
    phone = Phone(system)
    phone.say(greeting)
    not_understood = 0
    for _ in range(3):
        shown = phone.say("qwx zpv kjt")
        if sms_of("human_operator", lang)[:30] in shown:
            break
        not_understood += 1
    assert not_understood <= 2
    # The person's answer, then the handover notice (when someone answers, BOT to go back).
    assert sms_of("human_operator", lang)[:30] in "\n".join(phone.screen[-2:]) or not_understood < 2
    assert "BOT" in phone.screen[-1] or not_understood < 2


def test_more_gives_the_next_page(system):
    phone = Phone(system)
    phone.say("Bonjour")
    shown = phone.say("je suis malade a yamai")
    assert "PLUS" in shown
    more = phone.say("PLUS")
    assert more and more not in shown


def test_zero_goes_back_and_menu_shows_the_main_menu(system):
    phone = Phone(system)
    main = phone.say("Hello")
    rights = phone.say(digit_for(main, "Rights"))
    back = phone.say("0")
    assert digit_for(back, "Rights") and digit_for(back, "Talk to someone")
    assert phone.say(digit_for(back, "Rights")) == rights
    assert digit_for(phone.say("MENU"), "Risks")


def test_language_keyword_changes_the_language(system):
    phone = Phone(system)
    phone.say("Bonjour")
    menu = phone.say("LANGUE")
    assert "Hausa" in menu
    shown = phone.say(digit_for(menu, "Hausa"))
    assert "Magana da mutum" in shown


def test_voice_note_without_text_gets_a_short_answer(system):
    phone = Phone(system, whatsapp=True)
    phone.say("Sannu")
    shown = phone.say(
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="audio/ogg",
    )
    assert "murya" in shown  # "we cannot listen to voice notes", in Hausa
    assert "Magana da mutum" in shown  # and the offer of a person


def test_location_pin_lists_the_nearest_services(system):
    phone = Phone(system, whatsapp=True)
    phone.say("Hello")
    question = phone.say("I need a doctor")
    assert "Niamey" in question
    # A pin near Talladjé, Niamey.
    shown = phone.say("", Latitude="13.49", Longitude="2.13")
    assert "km" in shown and "Nearest to you" in shown
