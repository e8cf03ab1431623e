"""A long message cut into the sentences and clauses a person put in it: help lines receive
stories, not questions, and the need (or the danger) is often in the last clause.

clauses("I came from Libya two weeks ago, they took everything. My friend is coughing blood")
== ["I came from Libya two weeks ago", "they took everything", "My friend is coughing blood"]
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?:[.!?;:\n]+|\s-\s|\.\.+)\s*")
_COMMA = re.compile(r",\s*")
MIN_WORDS = 3  # a comma cuts only where both sides have this many words ("bon, je veux" stays whole)


def clauses(text: str) -> list[str]:
    """The message's sentences, each cut further at commas between clauses of 3+ words."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        parts = [p.strip() for p in _COMMA.split(sentence) if p.strip()]
        merged: list[str] = []
        for part in parts:
            if merged and (len(part.split()) < MIN_WORDS or len(merged[-1].split()) < MIN_WORDS):
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        out.extend(merged)
    return [c for c in out if c]
