"""The message mix: short conversations as migrants have them, in French, Hausa and English.

Each conversation is a script of 4-5 messages from one new number, so the first contact
(welcome, language detection) is part of every run as in real life. Free-text messages are the
held-out evaluation messages (tests/nlu/heldout.jsonl: SMS spellings, Hausa without hooked
letters, Pidgin), never training examples; towns are typed the way people spell them.

Four kinds of conversation, three of each per language (36 scripts), drawn with a fixed seed:
  services by menu   greeting, 3 (Services), a service's digit, the town, thanks
  question first     a rights or risk question, 1 (first option offered), a service question
                     naming a town, goodbye
  rights by menu     greeting, 1 (Rights), a topic's digit, 0 (back), a free-text question
  service, then town a service question without a town, the town, MENU, 2 (Risks), a digit
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from remi import cities

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "heldout.jsonl"
LANGUAGES = ("fr", "ha", "en")
SEED = 8
KINDS = ("greeting", "digit", "question", "city", "keyword", "closing")
# How people write the towns (lower case, as typed), per language.
TOWN_SPELLINGS = {
    "fr": ["agadez", "niamey", "zinder", "arlit", "tahoua", "agades"],
    "ha": ["yamai", "agadez", "damagaram", "tawa", "arlit", "agades"],
    "en": ["niamey", "agadez", "zinder", "arlit", "tahoua", "assamaka"],
}
# Keywords typed in this mix; they must mean what they say (remi/keywords.py).
MENU_WORD = "MENU"


@dataclass(frozen=True)
class Step:
    text: str
    kind: str  # one of KINDS


@dataclass(frozen=True)
class Script:
    id: str
    lang: str
    template: str
    steps: tuple[Step, ...]


def _heldout() -> list[dict]:
    return [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]


def script_pool(seed: int = SEED, per_template: int = 3) -> list[Script]:
    rng = random.Random(seed)
    rows = _heldout()

    def pick(lang: str, intents: tuple[str, ...], with_city: bool | None = None) -> str:
        found = [
            r["text"]
            for r in rows
            if r["language"] == lang
            and r["intent"].startswith(intents)
            and (with_city is None or bool(r["entities"]) == with_city)
        ]
        return rng.choice(found)

    for spelling in {s for names in TOWN_SPELLINGS.values() for s in names}:
        assert cities.canonical(spelling), spelling  # every spelling is a town the service knows

    scripts: list[Script] = []
    for lang in LANGUAGES:
        town = lambda: rng.choice(TOWN_SPELLINGS[lang])  # noqa: E731, B023 (called within this iteration)
        for n in range(per_template):
            greet = lambda: Step(pick(lang, ("greet",)), "greeting")  # noqa: E731, B023 (called within this iteration)
            templates = {
                "services by menu": [
                    greet(),
                    Step("3", "digit"),
                    Step(str(rng.randint(1, 9)), "digit"),
                    Step(town(), "city"),
                    Step(pick(lang, ("thanks",)), "closing"),
                ],
                "question first": [
                    Step(pick(lang, ("rights_", "risk_"), with_city=False), "question"),
                    Step("1", "digit"),
                    Step(pick(lang, ("service_",), with_city=True), "question"),
                    Step(pick(lang, ("goodbye",)), "closing"),
                ],
                "rights by menu": [
                    greet(),
                    Step("1", "digit"),
                    Step(str(rng.randint(1, 6)), "digit"),
                    Step("0", "digit"),
                    Step(pick(lang, ("rights_", "risk_")), "question"),
                ],
                "service, then town": [
                    Step(pick(lang, ("service_",), with_city=False), "question"),
                    Step(town(), "city"),
                    Step(MENU_WORD, "keyword"),
                    Step("2", "digit"),
                    Step(str(rng.randint(1, 5)), "digit"),
                ],
            }
            for template, steps in templates.items():
                slug = re.sub(r"[^a-z]+", "-", template).strip("-")
                scripts.append(Script(f"{lang}-{slug}-{n}", lang, template, tuple(steps)))
    return scripts


def composition(scripts: list[Script]) -> dict[str, float]:
    """Share of each kind of message in the mix."""
    counts = Counter(step.kind for s in scripts for step in s.steps)
    total = sum(counts.values())
    return {kind: counts[kind] / total for kind in KINDS if counts[kind]}
