"""One normalisation for every part that reads a message (remi/language/normalise.py)."""

from __future__ import annotations

import pytest

from remi.language.normalise import normalise


@pytest.mark.parametrize(
    "written, seen",
    [
        ("Slt, JVEU savoir mes droits à Agadèz!!", "salut je veux savoir mes droits a agadez"),
        ("Ina son ɗan'uwana ƙwarai", "ina son danuwana kwarai"),  # hooks, and the apostrophe people drop
        ("AIDEZ MOIIIII", "aidez moi"),  # a run of letters
        ("  jsui   bloké  ", "je suis bloke"),
    ],
)
def test_the_many_ways_of_writing_a_word_are_one(written, seen):
    assert normalise(written) == seen


def test_abbreviations_can_be_left_as_typed():
    assert normalise("slt", expand=False) == "slt"
