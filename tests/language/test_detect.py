"""The language detector (remi/language/detect.py): French, Hausa and English as people in
Niger write them, with a confidence the conversation can trust."""

from __future__ import annotations

import pytest

from remi.language.detect import detect


@pytest.mark.parametrize(
    "text, language",
    [
        ("Bonjour, je suis bloqué à Agadez et je n'ai plus rien", "fr"),
        ("slt jveu savoir mes droits stp", "fr"),
        ("Sannu, ina neman taimako a Agadez, bani da kudi", "ha"),
        ("Don Allah ina son komawa gida", "ha"),
        ("Hello, I need a doctor for my friend in Niamey", "en"),
        ("abeg dem don seize my passport for checkpoint", "en"),
    ],
)
def test_the_three_languages_as_people_write_them(text, language):
    guess = detect(text)
    assert guess.language == language
    assert guess.confidence >= 0.9
