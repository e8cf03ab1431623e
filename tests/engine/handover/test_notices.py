"""What the migrant is told when they ask for a person (engine/handover/notices.py): when someone
will answer, from the working hours in content/handover.yml, in their language, with BOT."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.handover.notices import HoursError, Notices, load_hours

NIGER = dt.timezone(dt.timedelta(hours=1))
HOURS = """\
utc_offset: "+01:00"
days: [mon, tue, wed, thu, fri, sat]
opens: "08:00"
closes: "18:00"
typical_answer_minutes: 60
"""


def niger(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Niger in the week of Monday 23 November 2026 (day 0 = Monday)."""
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=NIGER)


@pytest.fixture
def notices(tmp_path):
    path = tmp_path / "handover.yml"
    path.write_text(HOURS)
    return Notices(path, fold=True)


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "fr",
            "Une personne de notre équipe va vous répondre ici, en général dans un délai de 1 heure. "
            "Pour revenir au service automatique, écrivez BOT.",
        ),
        (
            "ha",
            "Wani daga cikin ma'aikatanmu zai amsa muku a nan, yawanci cikin sa'a 1. "
            "Don komawa ga amsoshin na'ura, ku rubuta BOT.",
        ),
        (
            "en",
            "A person from our team will answer you here, usually within 1 hour. "
            "To go back to the automatic service, write BOT.",
        ),
    ],
)
def test_during_working_hours_the_person_is_told_the_usual_wait(notices, lang, expected):
    assert notices.opened(lang, "sms", niger(0, 10)) == expected


@pytest.mark.parametrize(
    "at, lang, when",
    [
        (niger(4, 19), "fr", "demain dès 08:00"),  # Friday evening: Saturday is a working day
        (niger(5, 19), "fr", "lundi dès 08:00"),  # Saturday evening: Sunday is not
        (niger(6, 12), "en", "tomorrow from 08:00"),
        (niger(0, 6), "en", "today from 08:00"),
        (niger(5, 19), "ha", "Litinin daga karfe 08:00"),  # folded to GSM-7 for SMS (ƙ → k)
    ],
)
def test_outside_working_hours_the_person_is_told_when_the_team_is_back(notices, at, lang, when):
    text = notices.opened(lang, "sms", at)
    assert when in text and "BOT" in text


def test_whatsapp_keeps_hausa_hooked_letters(notices):
    assert "ƙarfe" in notices.opened("ha", "whatsapp", niger(5, 19))


def test_closing_times_are_half_open(notices):
    hours = notices.hours()
    assert hours.is_open(niger(0, 8)) and hours.is_open(niger(0, 17, 59))
    assert not hours.is_open(niger(0, 18)) and not hours.is_open(niger(6, 10))
    assert hours.next_opening(niger(0, 18)) == niger(1, 8)


@pytest.mark.parametrize(
    "change, words",
    [
        (('opens: "08:00"', 'opens: "8h"'), "opens: write the time"),
        (('closes: "18:00"', 'closes: "07:00"'), "closes must be after opens"),
        (("days: [mon, tue, wed, thu, fri, sat]", "days: [lundi]"), "days: a list of"),
        (('utc_offset: "+01:00"', "utc_offset: WAT"), "utc_offset"),
        (("typical_answer_minutes: 60", "typical_answer_minutes: soon"), "typical_answer_minutes"),
    ],
)
def test_broken_hours_file_is_reported_with_its_key(tmp_path, change, words):
    path = tmp_path / "handover.yml"
    path.write_text(HOURS.replace(*change))
    with pytest.raises(HoursError, match=words):
        load_hours(path)


def test_shipped_hours_load_and_say_they_are_not_verified():
    import yaml

    from engine.handover.notices import HOURS_FILE

    load_hours(HOURS_FILE)
    assert yaml.safe_load(HOURS_FILE.read_text())["verified"] is False  # the seeds give no hours
