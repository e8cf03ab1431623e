"""Missed questions for the editors: messages that fell to the fallback or had low confidence
(their digit runs masked when recorded), grouped by language and by similar words, each with
the intent the NLU guessed. An editor marks one as an example of an intent, as needing new
content, or as noise; the examples are exported as Rasa NLU YAML (`remi insight export-nlu`)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import yaml

from engine.insight.store import Insight

MARKS = ("example", "content", "noise")
SIMILAR = 0.5  # token-set (Jaccard) similarity at which two questions are grouped
WORD = re.compile(r"\w+")


@dataclass
class Missed:
    id: int
    day: str
    language: str
    intent: str | None
    confidence: float | None
    text: str


@dataclass
class Group:
    language: str
    questions: list[Missed] = field(default_factory=list)
    words: set[str] = field(default_factory=set)


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w != "#"}


def unmarked(insight: Insight, language: str | None = None, limit: int = 500) -> list[Missed]:
    insight.flush()
    sql = (
        "SELECT t.id, t.day, t.language, t.intent, t.confidence, t.text FROM turns t LEFT JOIN marks m ON m.turn = t.id "
        "WHERE t.text IS NOT NULL AND m.turn IS NULL"
    )
    args: list[object] = []
    if language:
        sql += " AND t.language = ?"
        args.append(language)
    sql += " ORDER BY t.id DESC LIMIT ?"
    args.append(limit)
    return [Missed(*row) for row in insight.db.execute(sql, args)]


def grouped(questions: list[Missed]) -> list[Group]:
    """Per language, each question joins the first group whose words it shares enough of."""
    groups: list[Group] = []
    for q in questions:
        mine = words(q.text)
        for g in groups:
            if g.language == q.language and mine and len(mine & g.words) / len(mine | g.words) >= SIMILAR:
                g.questions.append(q)
                g.words |= mine
                break
        else:
            groups.append(Group(q.language, [q], set(mine)))
    return sorted(groups, key=lambda g: (g.language, -len(g.questions)))


def mark(insight: Insight, turn: int, what: str, intent: str | None, by: str) -> None:
    if what not in MARKS:
        raise ValueError(f"a mark is one of {', '.join(MARKS)}")
    if what == "example" and not intent:
        raise ValueError("an example needs its intent")
    with insight._lock:
        found = insight.db.execute("SELECT language, text FROM turns WHERE id = ?", (turn,)).fetchone()
        if found is None:
            raise LookupError(f"no missed question {turn}")
        insight.db.execute(
            "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?)",
            (turn, what, intent if what == "example" else None, found[0], found[1], by, time.time()),
        )


def export_nlu(insight: Insight, language: str) -> str:
    """The examples marked for `language`, as Rasa NLU YAML for bot/data/nlu/<language>/."""
    by_intent: dict[str, list[str]] = {}
    for intent, text in insight.db.execute(
        "SELECT intent, text FROM marks WHERE mark = 'example' AND language = ? ORDER BY intent, at", (language,)
    ):
        by_intent.setdefault(intent, []).append(text)
    nlu = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in dict.fromkeys(texts))}
        for intent, texts in by_intent.items()
    ]
    return yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_Literal, allow_unicode=True, sort_keys=False)


class _Literal(yaml.SafeDumper):
    """Rasa's style: `examples: |` blocks."""


def _literal(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Literal.add_representer(str, _literal)
