"""Words of immediate danger, in the three languages, matched whatever the NLU thinks: a
person being beaten, kidnapped or dying of thirst must get the safety message first.

Phrases, not single words, where a word alone is common in ordinary requests ("help me find a
doctor" is not an emergency; "help me now" is). Matched on normalised text, so accents, hooks,
case and letter runs do not matter.
"""

from __future__ import annotations

import re

from remi.language.normalise import normalise

PHRASES = {
    "fr": [
        "au secours",
        "sos",
        "urgence",
        "on va me tuer",
        "ils vont me tuer",
        "va nous tuer",
        "vont nous tuer",
        "on me frappe",
        "ils me frappent",
        "ils nous frappent",
        "on nous frappe",
        "je vais mourir",
        "je meurs",
        "on va mourir",
        "nous allons mourir",
        "on meurt",
        "il est en train de mourir",
        "perdu dans le desert",
        "perdus dans le desert",
        "sans eau dans le desert",
        "plus d eau",
        "on m a kidnappe",
        "ils m ont kidnappe",
        "on nous a kidnappe",
        "kidnappe",
        "kidnappes",
        "enleve",
        "sequestre",
        "sequestres",
        "danger de mort",
        "on me poursuit",
        "aidez moi vite",
        # someone not breathing or not responding
        "respire plus",
        "respire pas",
        "ne respire",
        "repond plus",
        "reagit plus",
        "se reveille pas",
        "s est evanoui",
        "s est evanouie",
        # heavy bleeding
        "saigne beaucoup",
        "perd beaucoup de sang",
        "le sang ne s arrete pas",
        # an assault now
        "en train de violer",
        "vient d etre violee",
        "on nous attaque",
        # locked in, held
        "nous a enfermes",
        "nous ont enfermes",
        "on est enfermes",
        "ferme la porte a cle",
        # a child lost now
        "a disparu il y a une heure",
        "trouve plus mon enfant",
        "trouve plus ma fille",
        "trouve plus mon fils",
        # thirst in the desert
        "dans le desert sans eau",
        "plus une goutte d eau",
    ],
    "ha": [
        "ku cece ni",
        "a cece ni",
        "ku cece mu",
        "agaji",
        "gaggawa",
        "za su kashe ni",
        "zasu kashe ni",
        "zasu kasheni",
        "za su kashe mu",
        "suna dukana",
        "ana dukana",
        "suna duka na",
        "ana duka na",
        "ina mutuwa",
        "muna mutuwa",
        "zan mutu",
        "za mu mutu",
        "an sace ni",
        "an sace mu",
        "sun sace ni",
        "sun sace mu",
        "babu ruwa",
        "mun bata a sahara",
        "na bata a sahara",
        "muna cikin hadari",
        "ina cikin hadari",
        "hadari yanzu",
        "baya numfashi",
        "ba ya numfashi",
        "bata numfashi",
        "ba ta numfashi",
        "daina numfashi",
        "baya amsawa",
        "bata amsawa",
        "ta suma",
        "ya suma",
        "zubar da jini sosai",
        "zubar da jini da yawa",
        "jini baya tsayawa",
        "suna yi mata fyade",
        "fyade yanzu",
        "an kulle mu",
        "sun kulle mu",
        "ruwa ya kare",
        "ruwanmu ya kare",
    ],
    "en": [
        "sos",
        "emergency",
        "they will kill me",
        "going to kill me",
        "want to kill me",
        "they are beating",
        "beating me",
        "beating us",
        "i am dying",
        "im dying",
        "we are dying",
        "kidnapped",
        "kidnap me",
        "help me now",
        "help us now",
        "no water",
        "lost in the desert",
        "dem wan kill",
        "dem go kill",
        "dem dey beat",
        "i go die",
        "we go die",
        "somebody dey die",
        "in danger now",
        "not breathing",
        "stopped breathing",
        "no dey breathe",
        "not breathin",
        "not responding",
        "no dey respond",
        "not waking up",
        "unconscious",
        "fainted",
        "bleeding a lot",
        "bleeding heavily",
        "bleeding too much",
        "dey bleed plenty",
        "blood no gree stop",
        "raping",
        "just raped",
        "locked us",
        "lock us",
        "locked inside",
        "water finish",
        "no water left",
        "pikin don loss",
    ],
}

_PATTERN = re.compile(
    r"\b(?:"
    + "|".join(
        sorted({re.escape(normalise(p, expand=False)) for ps in PHRASES.values() for p in ps}, key=len, reverse=True)
    )
    + r")\b"
)


def in_danger(text: str) -> bool:
    """True when the message has words of immediate danger."""
    return bool(_PATTERN.search(normalise(text, expand=False)))
