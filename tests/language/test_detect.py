"""The language detector (remi/language/detect.py): French, Hausa and English as people in
Niger write them, with a confidence the conversation can trust."""

from __future__ import annotations

import pytest

from remi.language.detect import OTHER, LanguageDetector, detect


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


def test_words_no_language_has_seen_do_not_make_a_sentence_another_language():
    # French with many long examples, "other" with few: with every feature counted, the unseen
    # name and number cost French more than "other" (its denominator is larger) and the French
    # sentence was read as another language.
    french = [f"je voudrais savoir ou trouver un medecin pour mon frere numero {i} a agadez" for i in range(300)]
    other = [("ay ga ba gaakasinay", OTHER), ("mate ni go", OTHER), ("ni kaani bani", OTHER)]
    detector = LanguageDetector([(t, "fr") for t in french] + other)
    assert detector.detect("je voudrais voir Zabeirou Kpodzro Wnukowski").language == "fr"
