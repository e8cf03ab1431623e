"""Messages as they really come (issue 16), through the real stack: languages the service does
not read, a phone passed to someone else, a story whose need is in one of its sentences."""

from __future__ import annotations

from remi.content.library import Library
from tests.e2e.transcript import Phone, digit_for

CONTENT = Library()


def sms_of(topic: str, lang: str) -> str:
    from remi.sms import fold_to_gsm7

    return fold_to_gsm7(CONTENT.topics[topic].text("sms", lang))[:30]


def test_zarma_gets_the_three_language_menu_and_a_person(system):
    phone = Phone(system)
    shown = phone.say("Fofo, ay ga ba gaakasinay")
    assert "reads French, Hausa and English" in shown and "Hausa da Turanci" in shown
    assert "2 Hausa 3 English 4 " in shown
    shown = phone.say("4")
    assert "A person will answer you here." in shown


def test_arabic_gets_the_three_language_menu_then_a_digit_chooses(system):
    phone = Phone(system)
    phone.say("Bonjour")
    shown = phone.say("السلام عليكم، أنا في أغاديز وأحتاج إلى مساعدة")
    assert "reads French, Hausa and English" in shown
    shown = phone.say(digit_for(shown, "English"))
    assert "Talk to someone" in shown


def test_a_shared_phone_switches_to_hausa_on_a_hausa_greeting(system):
    phone = Phone(system)
    phone.say("Bonjour, je cherche un médecin à Agadez")
    shown = phone.say("Sannu")
    assert "Za mu ci gaba da Hausa" in shown and "HARSHE" in shown
    shown = phone.say("ina neman asibiti a yamai")
    # The medical services of Niamey, named in Hausa (a town named gets its own list).
    assert "Cibiyar lafiya" in shown and "Talladj" in shown


def test_a_long_story_is_answered_on_its_most_urgent_need(system):
    phone = Phone(system)
    shown = phone.say(
        "I came back from Libya two weeks ago. They took everything from us in Sebha. "
        "Now I sleep outside in Agadez and I have nothing to eat."
    )
    assert sms_of("service_food_shelter", "en") in shown


def test_a_danger_of_the_moment_at_the_end_of_a_story_is_answered_first(system):
    phone = Phone(system)
    shown = phone.say("Sannu")
    # Hausa as typed on a basic phone (no hooks), the danger in the last sentence only.
    shown = phone.say(
        "Mun dawo daga Libiya makon jiya, muna kwana a waje a Agadez ba abinci. "
        "Yanzu kanina ya fadi, baya motsi ko kadan"
    )
    assert sms_of("emergency", "ha") in shown
