"""Facts that expire: past valid_until never sent, overdue sent with "call first", the nearest
town when a town has none, and an emergency answer with numbers and an honest time."""

from __future__ import annotations

import datetime as dt

import pytest

from remi.content import expiry
from remi.content.library import Library
from remi.content.render import topic_reply
from tests.support.content import LONG_AGO, PAST, build, hours_closed_today, service, topic

SERVICES = {"service_food_shelter": topic("Food", "Food help.", services=["food_shelter"], handover="general")}


@pytest.fixture
def library(tmp_path) -> Library:
    directory = {
        "ended_project": service("Old project", ["food_shelter"], "Niamey", "+227 90 00 00 01", valid_until=PAST),
        "stale_kitchen": service(
            "Stale kitchen", ["food_shelter"], "Niamey", "+227 90 00 00 02", last_reviewed=LONG_AGO
        ),
        "zinder_kitchen": service("Zinder kitchen", ["food_shelter"], "Zinder", "+227 90 00 00 03"),
        "national_line": service("National line", ["food_shelter"], None, "+227 90 00 00 04"),
        "rescue": service("Rescue", [], None, "18", emergency_contact=True),
        "ended_rescue": service("Ended rescue", [], None, "19", emergency_contact=True, valid_until=PAST),
    }
    topics = {
        lang: {
            "services": SERVICES,
            "safety": {"emergency": topic("Emergency", "Get safe now. Call:", handover="protection")},
        }
        for lang in ("fr", "ha", "en")
    }
    return Library(build(tmp_path / "content", directory, topics, hours=hours_closed_today()))


def test_status_follows_valid_until_then_review_date():
    today = dt.date(2026, 12, 3)
    assert expiry.status(dt.date(2026, 11, 1), 6, dt.date(2026, 12, 2), today) == expiry.EXPIRED
    assert expiry.status(dt.date(2026, 6, 2), 6, None, today) == expiry.OVERDUE
    assert expiry.status(dt.date(2026, 6, 4), 6, None, today) == expiry.CURRENT
    assert expiry.status(dt.date(2026, 1, 4), 12, dt.date(2027, 1, 1), today) == expiry.CURRENT


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_an_expired_entry_is_never_sent_and_an_overdue_one_says_call_first(library, channel):
    text = "\n".join(topic_reply("service_food_shelter", "en", channel, library, city="Niamey").pages)
    assert "Old project" not in text and "+227 90 00 00 01" not in text
    assert "Stale kitchen" in text and "call first: this may have changed" in text
    assert "Ended rescue" not in "\n".join(topic_reply("emergency", "en", channel, library).pages)


def test_overdue_warning_is_in_the_persons_language(library):
    fr = "\n".join(topic_reply("service_food_shelter", "fr", "sms", library, city="Niamey").pages)
    ha = "\n".join(topic_reply("service_food_shelter", "ha", "sms", library, city="Niamey").pages)
    assert "appelez avant : cela a pu changer" in fr
    assert "ku kira tukuna" in ha


def test_a_town_with_no_service_gets_the_nearest_town_national_lines_and_a_person(library):
    first = topic_reply("service_food_shelter", "en", "sms", library, city="Agadez").pages[0]
    assert "Nearest, Zinder" in first and "Zinder kitchen" in first and "+227 90 00 00 03" in first
    assert "National line" in first
    assert "Talk to someone" in first
    assert "Nothing listed in Agadez yet" not in first


def test_emergency_first_page_gives_the_numbers_and_when_a_person_answers_outside_hours(library):
    first = topic_reply("emergency", "en", "sms", library).pages[0]
    assert first.startswith("Get safe now.")
    assert "Rescue 18" in first
    assert "will also answer you here" in first and " from 08:00" in first
    assert "priority" not in first


def test_an_expired_topic_is_not_sent_but_a_person_is_offered(tmp_path):
    topics = {
        lang: {
            "services": {
                "service_food_shelter": topic("Food", "Old promise.", services=["food_shelter"], valid_until=PAST)
            }
        }
        for lang in ("fr", "en")
    }
    library = Library(build(tmp_path / "c", {"x": service("X", ["food_shelter"], "Niamey")}, topics))
    reply = topic_reply("service_food_shelter", "en", "sms", library, city="Niamey")
    assert "Old promise" not in "\n".join(reply.pages)
    assert any(c.payload.startswith("handover:") for c in reply.choices)
