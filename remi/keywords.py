"""Keywords people type instead of sentences, in the three languages. They are matched on the
normalised text, before the NLU, so "arrêt", "ARRET" and "Arret." are one keyword.

The first word of each list is the one shown to people writing in that language.
"""

from __future__ import annotations

from remi.language.normalise import normalise

KEYWORDS: dict[str, dict[str, list[str]]] = {
    "menu": {"fr": ["MENU"], "ha": ["MENU"], "en": ["MENU"]},
    "help": {"fr": ["AIDE"], "ha": ["TAIMAKO"], "en": ["HELP", "INFO"]},
    "stop": {
        "fr": ["ARRET", "STOP", "ARRETER", "STOPALL", "UNSUBSCRIBE"],
        "ha": ["TSAYA"],
        "en": ["STOP", "END", "QUIT", "CANCEL", "UNSUBSCRIBE", "STOPALL"],
    },
    "start": {"fr": ["DEMARRER", "START"], "ha": ["FARA"], "en": ["START", "UNSTOP", "YES"]},
    "more": {"fr": ["PLUS", "SUITE"], "ha": ["KARA"], "en": ["MORE", "NEXT"]},
    "delete": {"fr": ["EFFACER"], "ha": ["GOGE"], "en": ["DELETE", "ERASE"]},
    "language": {"fr": ["LANGUE"], "ha": ["HARSHE"], "en": ["LANGUAGE"]},
    "bot": {"fr": ["BOT", "ROBOT"], "ha": ["BOT", "ROBOT"], "en": ["BOT", "ROBOT"]},
    # Safety alerts by town: the keyword alone asks for the town, followed by a town it subscribes
    # ("ALERTE AGADEZ"). Stopping alerts only has words of its own, without STOP in them: STOP
    # alone stops everything, and a carrier treats a message that is only STOP as an opt-out.
    "alert": {"fr": ["ALERTE", "ALERTES"], "ha": ["FADAKARWA"], "en": ["ALERT", "ALERTS"]},
    "alert_off": {
        "fr": ["FIN ALERTE", "ALERTE FIN", "FIN ALERTES", "ALERTES FIN"],
        "ha": ["DAINA FADAKARWA", "FADAKARWA DAINA"],
        "en": ["ALERT OFF", "ALERTS OFF", "END ALERT", "END ALERTS"],
    },
}

# "YES" re-subscribes only for a person who opted out (as carriers do); elsewhere it is an
# ordinary answer for the NLU.
OPT_OUT_ONLY = {("start", "YES")}

_LOOKUP = {normalise(word): kw for kw, langs in KEYWORDS.items() for words in langs.values() for word in words}


def keyword_of(text: str, opted_out: bool = False) -> str | None:
    """The keyword a whole message is, or None: keywords are whole messages, never words
    inside a sentence ("stop" in "the police did not stop" is not an opt-out)."""
    norm = normalise(text, expand=False)
    kw = _LOOKUP.get(norm)
    if kw and (kw, norm.upper()) in OPT_OUT_ONLY and not opted_out:
        return None
    return kw


def alert_request(text: str) -> tuple[bool, str | None]:
    """("ALERTE AGADEZ" → (True, "agadez")): whether a short message starts with the alert keyword,
    and the words after it (a town's name, to be checked by the caller). Longer messages are
    sentences ("alerte, la police arrive à ...") and go on to the danger words and the NLU."""
    words = normalise(text, expand=False).split(" ")
    if not words or _LOOKUP.get(words[0]) != "alert" or len(words) > 4:
        return False, None
    return True, " ".join(words[1:]) or None


def word(keyword: str, lang: str) -> str:
    """The keyword as shown to someone writing in `lang`."""
    return KEYWORDS[keyword][lang][0]
