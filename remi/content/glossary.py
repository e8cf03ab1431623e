"""The glossary (content/glossary.yml): one term per concept in each language, checked by the
lint, and the Hausa words that change meaning when their hooks are replaced for SMS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from remi.content.library import LANGUAGES, Library
from remi.sms import fold_to_gsm7


@dataclass
class Term:
    concept: str
    use: dict[str, list[str]] = field(default_factory=dict)
    avoid: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Glossary:
    terms: list[Term]
    sms_folding: dict[str, str]


def load(root: Path) -> Glossary | None:
    path = Path(root) / "glossary.yml"
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms = []
    for concept, langs in (data.get("terms") or {}).items():
        term = Term(concept)
        for lang, spec in (langs or {}).items():
            term.use[lang] = [str(w) for w in (spec or {}).get("use") or []]
            term.avoid[lang] = [str(w) for w in (spec or {}).get("avoid") or []]
        terms.append(term)
    return Glossary(terms, {str(k): str(v) for k, v in (data.get("sms_folding") or {}).items()})


def _has(text: str, word: str) -> bool:
    # A word at the start of a word ("traite" matches "traités"; "safara" matches "safarar").
    return re.search(r"(?<![\w'])" + re.escape(word.lower()), text.lower()) is not None


def _whole(text: str, word: str) -> bool:
    return re.search(r"(?<![\w'])" + re.escape(word) + r"(?![\w'])", text, re.IGNORECASE) is not None


def check(library: Library, glossary: Glossary) -> list[tuple[str, str, str]]:
    """(where, key, message) for each text that uses an avoided word, that drops a concept its
    French text names, or whose SMS holds a word that changes meaning without its hooks."""
    findings = []
    for topic in library.topics.values():
        for lang in LANGUAGES:
            meta = topic.meta.get(lang)
            if not meta:
                continue
            where = f"{meta['path']}:{meta['line']}"
            for key in ("sms", "whatsapp", "title"):
                text = topic.texts.get(lang, {}).get(key, "")
                if not text:
                    continue
                for term in glossary.terms:
                    for bad in term.avoid.get(lang, []):
                        if _has(text, bad):
                            findings.append(
                                (
                                    where,
                                    f"{topic.id}.{key}",
                                    f"{bad!r} for {term.concept}: write {term.use.get(lang, ['?'])[0]!r} (glossary)",
                                )
                            )
                    french = topic.texts.get("fr", {}).get(key, "")
                    if lang != "fr" and key != "title" and any(_has(french, w) for w in term.use.get("fr", [])):
                        if term.use.get(lang) and not any(_has(text, w) for w in term.use[lang]):
                            findings.append(
                                (
                                    where,
                                    f"{topic.id}.{key}",
                                    f"the French text speaks of {term.concept} but this one never says "
                                    f"{term.use[lang][0]!r} (glossary): check the meaning",
                                )
                            )
                if lang == "ha" and key in ("sms", "title"):
                    findings += [
                        (
                            where,
                            f"{topic.id}.{key}",
                            f"{word!r} becomes {meaning} in an SMS (hooks are replaced): choose another word",
                        )
                        for word, meaning in glossary.sms_folding.items()
                        if _whole(text, word) and fold_to_gsm7(word) != word
                    ]
    return findings
