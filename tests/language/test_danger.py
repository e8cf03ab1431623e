"""Words of immediate danger (remi/language/danger.py) win over everything else, however they
are spelt; ordinary requests for help do not trip them."""

from __future__ import annotations

import pytest

from remi.language.danger import in_danger


@pytest.mark.parametrize(
    "text",
    [
        "AU SECOURS ils vont me tuer",
        "on nous a kidnappé a la sortie de agadez",
        "Ku cece ni, za su kashe ni",
        "mun bata a sahara babu ruwa",
        "they are beating us, help me now",
        "dem wan kill me o",
    ],
)
def test_danger_is_recognised(text):
    assert in_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "help me find a doctor",
        "je cherche de l'aide pour mes papiers",
        "ina neman taimako don komawa gida",
        "what are the risks of the desert road",
    ],
)
def test_ordinary_requests_for_help_are_not_danger(text):
    assert not in_danger(text)
