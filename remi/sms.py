"""SMS encoding and segment counting (GSM 03.38 / UCS-2), and GSM-7 folding.

A message whose every character is in the GSM 7-bit alphabet costs 160 characters for one
segment and 153 per segment when split (the rest is the concatenation header); one single
character outside it (ɓ, ê, an emoji...) turns the whole message into UCS-2: 70, then 67.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these costs two septets (escape + character).
GSM7_EXTENDED = set("^{}\\[~]|€\f")

# Replacements that keep the meaning and make a text GSM-7. Hausa hooked letters fold to the
# plain letters people type anyway; French accents outside GSM-7 lose their accent.
FOLDS = {
    "ɓ": "b",
    "Ɓ": "B",
    "ɗ": "d",
    "Ɗ": "D",
    "ƙ": "k",
    "Ƙ": "K",
    "ƴ": "y",
    "Ƴ": "Y",
    "ʼ": "'",
    "’": "'",
    "′": "'",
    "‘": "'",
    "ʻ": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",  # GSM-7 has only the capital Ç
    "•": "-",
}


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int

    def __str__(self) -> str:
        return f"{self.count} segment{'s' if self.count != 1 else ''} ({self.encoding})"


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def segments(text: str) -> Segments:
    """How many SMS segments `text` costs, and in which encoding."""
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else math.ceil(units / multi)
    return Segments(encoding, units, count)


def fold_char(c: str) -> str:
    if c in GSM7_BASIC or c in GSM7_EXTENDED:
        return c
    if c in FOLDS:
        return FOLDS[c]
    # ê → e, â → a, î → i, ô → o, û → u, ë → e...: drop the combining marks.
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    if base and all(ch in GSM7_BASIC for ch in base):
        return base
    return c


def fold_to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 by ones that keep the meaning, where one exists."""
    return "".join(fold_char(c) for c in text)


def for_sms(text: str, fold: bool = True) -> str:
    """The text to send: folded to GSM-7 when that saves segments, as written otherwise."""
    if not fold:
        return text
    folded = fold_to_gsm7(text)
    return folded if segments(folded).count <= segments(text).count else text


def sent_segments(text: str, fold: bool = True) -> Segments:
    """What a text costs once the outbox has prepared it for SMS (engine/outbox.py folds)."""
    return segments(for_sms(text, fold))


def needless_ucs2(text: str) -> list[str]:
    """Characters that force UCS-2 although a GSM-7 replacement exists (for the content lint)."""
    return sorted({c for c in text if not is_gsm7(c) and is_gsm7(fold_char(c))})


def rules() -> dict:
    """The encoding rules above as data, for the console's cost meter (api/static/sms.js), so
    that what an operator sees counted is what the outbox will send, from one table."""
    return {
        "basic": "".join(sorted(GSM7_BASIC)),
        "extended": "".join(sorted(GSM7_EXTENDED)),
        "folds": FOLDS,
        "single": {"GSM-7": 160, "UCS-2": 70},
        "multi": {"GSM-7": 153, "UCS-2": 67},
        "warn_above": 3,  # segments: more than this and the console warns before sending
    }
