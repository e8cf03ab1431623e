"""Greetings, by language: on a shared phone, a greeting in another of the three languages is
the clearest sign that someone else is holding it ("Sannu" after a French conversation)."""

from __future__ import annotations

from remi.language.normalise import normalise

GREETINGS = {
    "fr": {"bonjour", "bonsoir", "salut", "coucou", "bonjour a vous", "salut a tous", "bonne journee"},
    "ha": {
        "sannu",
        "sannu da zuwa",
        "sannu da aiki",
        "sannunku",
        "ina kwana",
        "ina wuni",
        "barka",
        "barka da safe",
        "barka da rana",
        "barka da yamma",
        "yaya dai",
        "yaya kake",
        "yaya kike",
        "lafiya kalau",
    },
    "en": {
        "hello",
        "hi",
        "hey",
        "hallo",
        "good morning",
        "good afternoon",
        "good evening",
        "how far",
        "how are you",
        "how you dey",
        "hello how are you",
    },
}
# Greetings shared by the three languages ("salam", "as salamu alaikum") say nothing of the language.
_OF = {phrase: lang for lang, phrases in GREETINGS.items() for phrase in phrases}


def greeting_language(text: str) -> str | None:
    """The language of a message that is only a greeting (a name or "please" after it allowed),
    or None."""
    words = normalise(text).split()
    for n in (3, 2, 1):
        if len(words) >= n and " ".join(words[:n]) in _OF and len(words) - n <= 1:
            return _OF[" ".join(words[:n])]
    return None
