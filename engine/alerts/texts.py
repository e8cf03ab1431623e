"""What the phone shows about alerts, in the person's language (gettext, locales/): the town
question, the confirmations, and an alert itself with its heading and how to stop alerts."""

from __future__ import annotations

import json

from remi import cities, keywords
from remi.content.library import FALLBACK
from remi.content.render import Choice, Reply, compose
from remi.i18n import LANGUAGES, gettext_for

TOWN_PAYLOAD = "alert:"  # + {"city": ...}: the form the conversation's town matching knows


def town_menu(lang: str, channel: str, towns_now: list[str], known_town: str | None, opts: dict) -> Reply:
    """Which town to get alerts for: the person's last known town first."""
    _ = gettext_for(lang)
    order = ([known_town] if known_town in cities.CITIES else []) + [c for c in cities.CITIES if c != known_town]
    choices = [Choice(town, TOWN_PAYLOAD + json.dumps({"city": town})) for town in order]
    if towns_now:
        intro = _("You get safety alerts for {towns}. Add a town, or write {off} to stop alerts:").format(
            towns=", ".join(towns_now), off=keywords.word("alert_off", lang)
        )
    elif known_town in cities.CITIES:
        intro = _("Safety alerts for {town}? Answer 1. For another town, choose its number:").format(town=known_town)
    else:
        intro = _("Which town do you want safety alerts for?")
    return compose(intro, choices, _("Menu"), lang, channel, back="menu:main", **opts)


def subscribed(lang: str, towns: list[str]) -> str:
    _ = gettext_for(lang)
    return _(
        "You will get safety alerts for {towns}. To stop alerts only, write {off}. "
        "{stop} stops every message from Re.Mi."
    ).format(towns=", ".join(towns), off=keywords.word("alert_off", lang), stop=keywords.word("stop", lang))


def unsubscribed(lang: str) -> str:
    _ = gettext_for(lang)
    return _("You will get no more alerts. To get them again, write {alert} and the name of your town.").format(
        alert=keywords.word("alert", lang)
    )


def unknown_town(lang: str) -> str:
    _ = gettext_for(lang)
    return _("We do not know that town.")


def alert_body(texts: dict[str, str], towns: list[str], lang: str) -> tuple[str, str]:
    """(language used, the whole message) for a reader of `lang`: the alert's text in their
    language, else as content falls back (Hausa → French → English); the heading and how to stop
    alerts in the language of the text, so one message never mixes two."""
    used = next((c for c in FALLBACK[lang] if (texts.get(c) or "").strip()), None)
    if used is None:
        used = next(c for c in LANGUAGES if (texts.get(c) or "").strip())
    _ = gettext_for(used)
    heading = _("Re.Mi. alert, {towns}:").format(towns=", ".join(towns))
    footer = _("{off} to stop alerts").format(off=keywords.word("alert_off", used))
    return used, f"{heading} {texts[used].strip()}\n{footer}"
