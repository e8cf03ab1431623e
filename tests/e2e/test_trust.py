"""Guidance a migrant can act on and trust (issue 11), through the real stack pointed at a
copy of the shipped content (CONTENT_DIR) whose working hours exclude today and tomorrow, with
one expired and one overdue entry planted: transcripts in three languages."""

from __future__ import annotations

import shutil

import pytest
import yaml

from remi.content.library import DEFAULT_ROOT
from tests.e2e.transcript import Phone
from tests.support.content import LONG_AGO, PAST, hours_closed_today, service
from tests.support.system import start_system

DANGER = {
    "fr": "au secours ils me frappent",
    "ha": "ku cece ni ana dukana yanzu",
    "en": "help me now they are beating me",
}
FOOD_AGADEZ = {
    "fr": "je dors dehors a agadez je n'ai rien a manger",
    "ha": "ina kwana a waje a agadez ba ni da abinci",
    "en": "i sleep outside in agadez i have nothing to eat",
}
LEGAL_NIAMEY = {
    "fr": "je cherche une aide juridique a niamey",
    "ha": "ina neman taimakon shari'a a yamai",
    "en": "i need legal help in niamey",
}
PERSON_LATER = {"fr": "vous répondra aussi ici", "ha": "zai amsa muku a nan ma", "en": "will also answer you here"}
CALL_FIRST = {
    "fr": "appelez avant : cela a pu changer",
    "ha": "ku kira tukuna",
    "en": "call first: this may have changed",
}
NEAREST = {"fr": "Le plus proche, Zinder", "ha": "Mafi kusa, Zinder", "en": "Nearest, Zinder"}


@pytest.fixture(scope="module")
def trust_system(tmp_path_factory):
    content = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(DEFAULT_ROOT, content)
    (content / "handover.yml").write_text(yaml.safe_dump(hours_closed_today()))
    directory = yaml.safe_load((content / "directory.yml").read_text())
    directory["planted_expired"] = service("Planted Expired", ["legal"], "Niamey", "+227 99 00 00 01", valid_until=PAST)
    directory["planted_overdue"] = service(
        "Planted Overdue", ["legal"], "Niamey", "+227 99 00 00 02", last_reviewed=LONG_AGO
    )
    (content / "directory.yml").write_text(yaml.safe_dump(directory, allow_unicode=True, sort_keys=False))
    running = start_system(tmp_path_factory.mktemp("trust"), {"CONTENT_DIR": str(content)})
    yield running
    running.stack.stop()
    running.twilio.stop()


def _fold(text: str) -> str:
    from remi.sms import fold_to_gsm7

    return fold_to_gsm7(text)


@pytest.mark.parametrize("lang", DANGER)
def test_emergency_outside_working_hours_gives_numbers_what_to_do_and_an_honest_time(trust_system, lang):
    phone = Phone(trust_system)
    phone.say(DANGER[lang])
    first = phone.screen[0]
    assert "15" in first and "18" in first and "+227 89 98 33 39" in first  # SAMU, fire, desert line
    assert _fold(PERSON_LATER[lang]) in first
    assert "priorit" not in first and "fifiko" not in first
    assert "08:00" in first or "8:00" in first  # when the team starts again, not "as a priority"


@pytest.mark.parametrize("lang", FOOD_AGADEZ)
def test_food_in_agadez_gets_the_nearest_town_and_a_person_on_the_first_sms(trust_system, lang):
    phone = Phone(trust_system)
    phone.say({"fr": "Bonjour", "ha": "Sannu", "en": "Hello"}[lang])
    shown = phone.say(FOOD_AGADEZ[lang])
    first = next(t for t in phone.screen[1:] if "Agadez" in t)
    assert _fold(NEAREST[lang]) in first and "km" in first
    assert "1 805" not in shown and "1,805" not in shown  # no donor-report figures


@pytest.mark.parametrize("lang", LEGAL_NIAMEY)
def test_an_expired_entry_is_never_sent_and_an_overdue_one_says_call_first(trust_system, lang):
    phone = Phone(trust_system)
    phone.say({"fr": "Bonjour", "ha": "Sannu", "en": "Hello"}[lang])
    shown = phone.say(LEGAL_NIAMEY[lang])
    more = {"fr": "PLUS", "ha": "KARA", "en": "MORE"}[lang]
    if more in shown:
        shown += "\n" + phone.say(more)
    assert "Planted Expired" not in shown and "+227 99 00 00 01" not in shown
    assert "Planted Overdue" in shown and _fold(CALL_FIRST[lang]) in shown
