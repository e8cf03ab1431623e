"""Which language a short message is written in: French, Hausa or English (Pidgin counts as
English, the language the service answers it in), or "other": a language the service does not
read (Zarma, Arabic in either script, Fulfulde, Tamasheq, Kanuri...), whose writer must get the
three-language menu and a person rather than a confident answer they cannot read.

No off-the-shelf offline detector knows Hausa written on a basic phone, so this is a small
multinomial naive Bayes over character n-grams and words of the normalised text, trained at
start-up (well under a second) on the project's own NLU examples, which are filed by language
under bot/data/nlu/<lang>/, and on the sentences of bot/data/language/other.yml (real texts in
those languages, each group with its source) for "other". A message mostly in a script other
than Latin (Arabic, Ge'ez...) is "other" without asking the model. Pure Python: it runs in the API and in the Rasa environment alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from remi.language.normalise import fold, normalise

LANGUAGES = ("fr", "ha", "en")
OTHER = "other"
CLASSES = (*LANGUAGES, OTHER)
NLU_DIR = Path(__file__).resolve().parents[2] / "bot" / "data" / "nlu"
OTHER_FILE = Path(__file__).resolve().parents[2] / "bot" / "data" / "language" / "other.yml"
UNKNOWN = 0.3  # below this share of words known in fr/ha/en, a message of 2+ words is "other"
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-z]")


def latin_share(text: str) -> float:
    """The share of the message's letters that are Latin once accents are folded (1.0 with none)."""
    letters = _LETTER.findall(fold(text))
    return sum(bool(_LATIN.match(c)) for c in letters) / len(letters) if letters else 1.0


def features(text: str) -> Counter:
    norm = normalise(text, expand=False)
    padded = f" {norm} "
    feats: Counter = Counter()
    for n in (1, 2, 3, 4):
        for i in range(len(padded) - n + 1):
            feats[f"c{n}:{padded[i : i + n]}"] += 1
    for word in norm.split():
        feats[f"w:{word}"] += 3  # whole words are strong evidence ("ina", "je", "dey")
    return feats


@dataclass(frozen=True)
class Guess:
    language: str  # "fr", "ha", "en" or "other"
    confidence: float  # posterior probability of `language`

    @property
    def other(self) -> bool:
        return self.language == OTHER


class LanguageDetector:
    def __init__(self, examples: list[tuple[str, str]], alpha: float = 0.1):
        self.alpha = alpha
        self.counts: dict[str, Counter[str]] = {lang: Counter() for lang in CLASSES}
        docs: Counter[str] = Counter()
        for text, lang in examples:
            self.counts[lang].update(features(text))
            docs[lang] += 1
        self.totals = {lang: sum(c.values()) for lang, c in self.counts.items()}
        self.vocabulary = len(set().union(*self.counts.values())) or 1
        total_docs = sum(docs.values()) or 1
        self.classes = tuple(lang for lang in CLASSES if docs[lang])
        self.priors = {lang: math.log((docs[lang] + 1) / (total_docs + len(CLASSES))) for lang in self.classes}

    def scores(self, text: str) -> dict[str, float]:
        # A feature no language has seen says nothing about which it is, yet with add-alpha
        # smoothing it costs most in the languages with the most examples: long stories added to
        # French, Hausa and English made clean sentences with a rare name or word look like
        # "other" (round 5). Only features seen in some language count.
        feats = Counter({f: n for f, n in features(text).items() if any(f in self.counts[c] for c in self.classes)})
        logp = {}
        for lang in self.classes:
            counts, denom = self.counts[lang], self.totals[lang] + self.alpha * self.vocabulary
            logp[lang] = self.priors[lang] + sum(
                n * math.log((counts.get(f, 0) + self.alpha) / denom) for f, n in feats.items()
            )
        top = max(logp.values())
        exp = {lang: math.exp(v - top) for lang, v in logp.items()}
        z = sum(exp.values())
        return {lang: v / z for lang, v in exp.items()}

    def known_words(self, text: str) -> float:
        """The share of the message's words seen in training, in any language: gibberish and
        names score low, so they never switch a person's language."""
        words = normalise(text, expand=False).split()
        if not words:
            return 0.0
        return sum(any(f"w:{w}" in self.counts[lang] for lang in LANGUAGES) for w in words) / len(words)

    def detect(self, text: str) -> Guess:
        if latin_share(text) < 0.5:
            return Guess(OTHER, 1.0)
        scores = self.scores(text)
        lang = max(scores, key=lambda candidate: scores[candidate])
        # The "other" sentences cannot cover every language the service does not read: a
        # message of several words, nearly all of which no French, Hausa or English example
        # has, is not written in those three either.
        if lang != OTHER and len(normalise(text, expand=False).split()) >= 2 and self.known_words(text) < UNKNOWN:
            return Guess(OTHER, 1.0 - self.known_words(text))
        return Guess(lang, scores[lang])


def other_examples(path: Path = OTHER_FILE) -> list[tuple[str, str]]:
    """The sentences of languages the service does not read, labelled "other"."""
    if not path.exists():
        return []
    groups = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("groups", [])
    return [(str(text), OTHER) for group in groups for text in group.get("examples") or []]


def training_examples(nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    examples = []
    for lang in LANGUAGES:
        for path in sorted((nlu_dir / lang).glob("*.yml")):
            for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
                for line in str(block.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        examples.append((line[2:], lang))
    return examples


@lru_cache(maxsize=1)
def default_detector() -> LanguageDetector:
    return LanguageDetector(training_examples() + other_examples())


def detect(text: str) -> Guess:
    return default_detector().detect(text)
