"""`remi content lint`: everything an editor can get wrong, with the file, the key and the line.

Errors (exit 1): a file that does not load, a guidance intent without a topic, a page over 3
SMS segments after rendering, unbalanced WhatsApp markup, a WhatsApp answer over 4096
characters, a reference to a topic or service that does not exist.
Warnings (exit 1 only with --strict): a text missing in one language (it falls back), a
`last_reviewed` older than a year, a character that forces UCS-2 where a GSM-7 one would do,
a source that is neither a seed document nor a public page (URL), a service category no directory entry offers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from remi import sms
from remi.cities import CITIES
from remi.content.glossary import check as check_glossary
from remi.content.glossary import load as load_glossary
from remi.content.library import CATEGORIES, DEFAULT_ROOT, LANGUAGES, ContentError, Library
from remi.content.render import WHATSAPP_LIMIT, topic_reply

MAX_SEGMENTS_PER_PAGE = 3
STALE_DAYS = 365
DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain" / "guidance.yml"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
PHONE = re.compile(r"^(\+\d{3}( \d{2}){4}|\d{2,4})$")  # +227 XX XX XX XX, or a short code (15, 18)


@dataclass
class Finding:
    level: str  # "error" | "warning"
    where: str  # file:line
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.key}: {self.message}"


def guidance_intents(domain: Path = DOMAIN) -> list[str]:
    return list((yaml.safe_load(domain.read_text()) or {}).get("intents", []))


def _markup_balanced(text: str) -> bool:
    # WhatsApp: *bold*, _italic_, ~strike~ come in pairs; a stray one shows as a raw symbol.
    return all(text.count(mark) % 2 == 0 for mark in "*~") and text.count("_") % 2 == 0


def lint(root: Path = DEFAULT_ROOT, today: dt.date | None = None) -> list[Finding]:
    today = today or dt.date.today()
    findings: list[Finding] = []

    def add(level, where, key, message):
        findings.append(Finding(level, where, key, message))

    try:
        library = Library(root)
    except ContentError as exc:
        return [Finding("error", f"{exc.path}:{exc.line or 1}", exc.key, exc.message)]

    for intent in guidance_intents():
        if intent not in library.topics:
            add("error", str(root), intent, "guidance intent with no topic in any language")

    seeds = {p.name for p in SEEDS.glob("*.txt")} if SEEDS.exists() else None
    for topic in library.topics.values():
        for lang in LANGUAGES:
            meta = topic.meta.get(lang)
            where = f"{meta['path']}:{meta['line']}" if meta else f"{root / lang / (topic.area + '.yml')}"
            if lang not in topic.texts:
                add(
                    "warning",
                    where,
                    topic.id,
                    f"no {lang} text: falls back to {'French' if lang != 'fr' else 'English'}",
                )
                continue
            texts = topic.texts[lang]
            for key in ("title", "sms"):
                if key not in texts:
                    add("warning", where, f"{topic.id}.{key}", f"missing in {lang}: falls back")
            if meta:
                reviewed = meta["last_reviewed"]
                if isinstance(reviewed, dt.date) and (today - reviewed).days > STALE_DAYS:
                    add("warning", where, f"{topic.id}.last_reviewed", f"{reviewed} is over a year old: review it")
                for source in meta["source"] or []:
                    if (
                        seeds is not None
                        and str(source) not in seeds
                        and not str(source).startswith(("https://", "http://"))
                    ):
                        add("warning", where, f"{topic.id}.source", f"{source!r} is not one of the seed documents")
            whatsapp = texts.get("whatsapp", "")
            if whatsapp and not _markup_balanced(whatsapp):
                add("error", where, f"{topic.id}.whatsapp", "unbalanced WhatsApp markup (* _ ~ come in pairs)")
            # Hooks and accents are folded to GSM-7 when sent; what is left (an emoji, a rare
            # letter) turns the whole SMS into UCS-2, at 70 characters a segment instead of 160.
            stubborn = sorted(
                {c for c in sms.fold_to_gsm7(texts.get("sms", "") + texts.get("title", "")) if not sms.is_gsm7(c)}
            )
            if stubborn:
                add(
                    "warning",
                    where,
                    f"{topic.id}.sms",
                    f"{' '.join(stubborn)} force the SMS into UCS-2 (70 characters a segment): write them plainly",
                )
            # The rendered pages, for every town the answer can list services for.
            for city in [None, *CITIES] if topic.services else [None]:
                for page_no, page in enumerate(
                    topic_reply(topic.id, lang, "sms", library, city=city, max_segments=MAX_SEGMENTS_PER_PAGE).pages, 1
                ):
                    count = sms.sent_segments(page).count
                    if count > MAX_SEGMENTS_PER_PAGE:
                        add(
                            "error",
                            where,
                            f"{topic.id}.sms",
                            f"page {page_no}{f' ({city})' if city else ''} costs {count} segments (at most {MAX_SEGMENTS_PER_PAGE})",
                        )
            wa = topic_reply(topic.id, lang, "whatsapp", library).pages[0]
            if len(wa) >= WHATSAPP_LIMIT:
                add("error", where, f"{topic.id}.whatsapp", f"{len(wa)} characters (WhatsApp allows {WHATSAPP_LIMIT})")
        for category in topic.services:
            if not any(category in s.offers for s in library.services.values()):
                add(
                    "warning",
                    topic.meta.get("fr", {}).get("path", str(root)),
                    f"{topic.id}.services",
                    f"no directory entry offers {category!r}",
                )

    directory = root / "directory.yml"
    for service in library.services.values():
        path, line = library.line_of[("directory", service.id)]
        where = f"{path}:{line}"
        if service.phone and not PHONE.match(service.phone):
            add(
                "error",
                where,
                f"{service.id}.phone",
                f"{service.phone!r}: write numbers as +227 XX XX XX XX (or a short code: 15)",
            )
        if service.city is not None and service.city not in CITIES:
            add("error", where, f"{service.id}.city", f"{service.city!r} is not one of {', '.join(CITIES)}")
        for lang in LANGUAGES:
            if lang not in service.texts:
                add("warning", str(root / lang / "directory.yml"), service.id, f"no {lang} name: falls back")
        for source in service.source:
            if seeds is not None and str(source) not in seeds and not str(source).startswith(("https://", "http://")):
                add("warning", where, f"{service.id}.source", f"{source!r} is not one of the seed documents")
        if isinstance(service.last_reviewed, dt.date) and (today - service.last_reviewed).days > STALE_DAYS:
            add("warning", where, f"{service.id}.last_reviewed", "over a year old: review it")
    del directory
    glossary = load_glossary(root)
    if glossary is not None:
        for where, key, message in check_glossary(library, glossary):
            add("warning", where, key, message)
    unused = set(CATEGORIES) - {c for t in library.topics.values() for c in t.services}
    for category in sorted(unused):
        add("warning", str(root), category, "no topic lists this service category")
    return findings


def main(strict: bool = False, root: Path = DEFAULT_ROOT) -> int:
    findings = lint(root)
    for finding in findings:
        print(finding)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    print(f"remi content lint: {errors} error(s), {warnings} warning(s)")
    return 1 if errors or (strict and warnings) else 0
