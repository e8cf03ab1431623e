"""Rendering for the channel: SMS pages within budget, cut at boundaries; WhatsApp markup."""

from __future__ import annotations

import pytest

from remi import sms
from remi.cities import CITIES
from remi.content.library import LANGUAGES, Library
from remi.content.render import main_menu, paginate, topic_reply

LIBRARY = Library()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_answer_fits_two_segments_a_page_and_pages_end_with_the_next_keyword(lang):
    more = {"fr": "PLUS", "ha": "KARA", "en": "MORE"}[lang]
    for topic in LIBRARY.topics.values():
        for city in [None, *CITIES] if topic.services else [None]:
            pages = topic_reply(topic.id, lang, "sms", LIBRARY, city=city).pages
            assert all(sms.sent_segments(p).count <= 2 for p in pages), (topic.id, city)
            assert all(more in p for p in pages[:-1])
            assert all(sms.is_gsm7(sms.for_sms(p)) for p in pages)  # as the outbox sends it


def test_pages_are_cut_between_sentences_not_inside_words():
    body = " ".join(f"Sentence number {i} says something useful here." for i in range(12))
    pages = paginate(body, "1 Yes 2 No", "en", max_segments=1)
    assert len(pages) > 1
    for page in pages[:-1]:
        text = page.rsplit("\n", 1)[0]
        assert text.endswith(".")


def test_whatsapp_answer_has_bold_title_and_numbered_choices():
    text = topic_reply("rights_arrest", "fr", "whatsapp", LIBRARY).pages[0]
    assert text.startswith("*") and "\n1. " in text and "\n0. " in text
    assert len(text) <= 4096


def test_main_menu_in_each_language():
    assert "1 Droits 2 Risques 3 Services" in main_menu("fr", "sms", LIBRARY).pages[0]
    assert "Magana da mutum" in main_menu("ha", "sms", LIBRARY).pages[0]
    assert "4 Talk to someone" in main_menu("en", "sms", LIBRARY).pages[0]


def test_services_of_the_town_are_listed_with_their_phone():
    text = "\n".join(topic_reply("service_legal", "en", "sms", LIBRARY, city="Niamey").pages)
    assert "+227 90 15 30 18" in text  # JMED, seed 004
