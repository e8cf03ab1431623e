"""The one text normalisation shared by the NLU model, the language detector, the keyword
matcher and the city finder: people write the same word many ways on a basic phone, and every
part of the system must see them as one.

normalise("Slt, JVEU savoir mes droits à Agadèz!!") == "salut je veux savoir mes droits a agadez"
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFD does not decompose: Hausa hooks and a few others people type.
_LETTERS = str.maketrans(
    {
        "ɓ": "b",
        "ɗ": "d",
        "ƙ": "k",
        "ƴ": "y",
        "Ɓ": "b",
        "Ɗ": "d",
        "Ƙ": "k",
        "Ƴ": "y",
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "ø": "o",
        "ł": "l",
    }
)

# Common SMS spellings, mapped to the word they stand for. Only unambiguous ones: "c" or "ke"
# could be several words, so they stay as typed and the model learns them from examples.
ABBREVIATIONS = {
    # French
    "slt": "salut",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "cc": "coucou",
    "jveu": "je veux",
    "jve": "je veux",
    "jvx": "je veux",
    "jsui": "je suis",
    "jsuis": "je suis",
    "chui": "je suis",
    "jsp": "je sais pas",
    "jpeu": "je peux",
    "jpx": "je peux",
    "jai": "j ai",
    "pr": "pour",
    "ds": "dans",
    "koi": "quoi",
    "kel": "quel",
    "kelle": "quelle",
    "bcp": "beaucoup",
    "mrc": "merci",
    "mci": "merci",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "tjr": "toujours",
    "tjrs": "toujours",
    "dc": "donc",
    "qd": "quand",
    "kan": "quand",
    "svp": "s il vous plait",
    "stp": "s il te plait",
    "mm": "meme",
    "auj": "aujourd hui",
    "ajd": "aujourd hui",
    "pb": "probleme",
    "pblm": "probleme",
    "doc": "docteur",
    "rdv": "rendez vous",
    "papier": "papiers",
    "ya": "il y a",
    # English and Pidgin
    "pls": "please",
    "plz": "please",
    "plis": "please",
    "u": "you",
    "ur": "your",
    "thx": "thanks",
    "tnx": "thanks",
    "tks": "thanks",
    "wat": "what",
    "hw": "how",
    "nd": "and",
    "bcos": "because",
    "coz": "because",
    "abeg": "abeg",
    "wetin": "wetin",
    "dey": "dey",
}

_APOSTROPHES = re.compile(r"['’‘`´ʼʻ]")
_NON_WORD = re.compile(r"[^\w\s]+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_DIGIT_LETTER = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, without accents, hooks or apostrophes; punctuation kept."""
    text = text.lower().translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", text)


def normalise(text: str, expand: bool = True) -> str:
    """Folded, punctuation as spaces, letter runs of 3+ cut to one, SMS spellings expanded."""
    text = fold(text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = _REPEATS.sub(r"\1", text)
    text = _DIGIT_LETTER.sub(" ", text)
    words = _SPACES.sub(" ", text).strip().split(" ")
    if expand:
        words = [ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(w for w in words if w)
