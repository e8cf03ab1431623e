"""The guidance editors own, loaded from content/ and checked.

Layout (content/README.md is the editors' guide):
  content/menus.yml                 the menu tree: areas and the topics under each
  content/directory.yml             services: facts written once (phone, city, coordinates...)
  content/<lang>/<area>.yml         topics: title, sms, whatsapp, options, services, handover
  content/<lang>/directory.yml      services: name, description, landmark in that language

A text missing in one language falls back per key (Hausa → French → English), and the lint
reports it. Errors name the file, the key and the line.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from remi.content import expiry

LANGUAGES = ("fr", "ha", "en")
FALLBACK = {"ha": ("ha", "fr", "en"), "fr": ("fr", "en"), "en": ("en", "fr")}
CATEGORIES = (
    "medical",
    "psychosocial",
    "legal",
    "women_health",
    "violence",
    "food_shelter",
    "training_jobs",
    "return",
    "family_tracing",
)
HANDOVER_CATEGORIES = ("medical", "psychosocial", "legal", "protection", "general")
TOPIC_FILES = ("rights", "risks", "services", "safety")
TOPIC_TEXTS = ("title", "sms", "whatsapp")
# CONTENT_DIR (Settings.content_dir) points the whole service at another content folder: a
# partner's staging copy, or a test's own content.
DEFAULT_ROOT = Path(os.environ.get("CONTENT_DIR") or Path(__file__).resolve().parents[2] / "content")


class ContentError(ValueError):
    def __init__(self, path: Path | str, key: str, line: int | None, message: str):
        self.path, self.key, self.line, self.message = str(path), key, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {message}")


@dataclass
class Topic:
    id: str
    area: str
    texts: dict[str, dict[str, str]]  # lang -> {title, sms, whatsapp}
    options: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    handover: str | None = None
    meta: dict[str, dict] = field(default_factory=dict)  # lang -> {source, last_reviewed, verified...}

    def text(self, key: str, lang: str) -> str | None:
        return in_language(self.texts, key, lang)

    def required(self, key: str, lang: str) -> str:
        """A text the loader insists on (a title, the SMS text): its absence is a content error."""
        value = self.text(key, lang)
        if value is None:
            raise ContentError(f"{self.area}.yml", f"{self.id}.{key}", None, f"no text in {lang} or its fallbacks")
        return value

    def status(self, lang: str, today: dt.date | None = None) -> str:
        """current, overdue or expired (remi.content.expiry), for the text sent in `lang`."""
        meta = next((self.meta[c] for c in FALLBACK[lang] if c in self.meta), None) or {}
        return expiry.status(meta.get("last_reviewed"), meta.get("review_every"), meta.get("valid_until"), today)


def in_language(texts: dict[str, dict[str, str]], key: str, lang: str) -> str | None:
    """texts[lang][key], else the same key in the fallback languages (Hausa → French → English)."""
    for candidate in FALLBACK[lang]:
        value = (texts.get(candidate) or {}).get(key)
        if value:
            return value
    return None


@dataclass
class Service:
    id: str
    organisation: str
    offers: list[str]
    city: str | None
    area: str | None = None
    phone: str | None = None
    email: str | None = None
    coordinates: tuple[float, float] | None = None
    hours: dict | None = None
    languages: list[str] | None = None
    cost: str = "unknown"
    emergency_contact: bool = False
    verified: bool = False
    source: list[str] = field(default_factory=list)
    last_reviewed: dt.date | None = None
    review_every: int = expiry.DEFAULT_REVIEW_MONTHS  # months
    valid_until: dt.date | None = None  # e.g. a project's end date: not sent after it
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> {name, description, landmark}

    def text(self, key: str, lang: str) -> str | None:
        return in_language(self.texts, key, lang)

    def status(self, today: dt.date | None = None) -> str:
        return expiry.status(self.last_reviewed, self.review_every, self.valid_until, today)

    def sendable(self, today: dt.date | None = None) -> bool:
        return self.status(today) != expiry.EXPIRED


class _Lines:
    """Line numbers of the keys of a YAML file, so errors can point at them."""

    def __init__(self, path: Path, text: str):
        self.lines: dict[tuple[str, ...], int] = {}
        try:
            node = yaml.compose(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ContentError(path, "(file)", mark.line + 1 if mark else None, f"not valid YAML: {exc}") from exc
        self._walk(node, ())

    def _walk(self, node, prefix):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                path = (*prefix, str(key.value))
                self.lines[path] = key.start_mark.line + 1
                self._walk(value, path)

    def __call__(self, *path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _read(path: Path) -> tuple[dict, _Lines]:
    text = path.read_text(encoding="utf-8")
    lines = _Lines(path, text)
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ContentError(path, "(file)", 1, "must be a mapping of ids to entries")
    return data, lines


def _review_fields(path: Path, key: str, entry: dict, lines: _Lines) -> tuple[int, dt.date | None]:
    every = entry.get("review_every", expiry.DEFAULT_REVIEW_MONTHS)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 36:
        raise ContentError(
            path, f"{key}.review_every", lines(key, "review_every"), "a number of months between 1 and 36 (default 6)"
        )
    until = entry.get("valid_until")
    if until is not None and not isinstance(until, dt.date):
        raise ContentError(path, f"{key}.valid_until", lines(key, "valid_until"), "a date: YYYY-MM-DD")
    if not isinstance(entry.get("last_reviewed"), dt.date):
        raise ContentError(path, f"{key}.last_reviewed", lines(key, "last_reviewed"), "a date: YYYY-MM-DD")
    return every, until


class Library:
    """Every topic and service, in every language, validated."""

    def __init__(self, root: Path = DEFAULT_ROOT):
        self.root = Path(root)
        self.topics: dict[str, Topic] = {}
        self.services: dict[str, Service] = {}
        self.menus: dict[str, list[str]] = {}
        self.system: dict[str, dict] = {}
        self.line_of: dict[tuple[str, str], tuple[str, int | None]] = {}  # (file-kind, key) -> where
        self._load()

    # -- loading ---------------------------------------------------------------------------
    def _load(self) -> None:
        self._load_directory()
        for lang in LANGUAGES:
            for area in TOPIC_FILES:
                path = self.root / lang / f"{area}.yml"
                if path.exists():
                    self._load_topics(path, lang, area)
            path = self.root / lang / "directory.yml"
            if path.exists():
                self._load_service_texts(path, lang)
            path = self.root / lang / "system.yml"
            if path.exists():
                self.system[lang], _ = _read(path)
        self._load_menus()
        self._check_references()

    def _load_topics(self, path: Path, lang: str, area: str) -> None:
        data, lines = _read(path)
        for topic_id, entry in data.items():
            where = lines(topic_id)
            if not isinstance(entry, dict):
                raise ContentError(path, topic_id, where, "must be a mapping with title, sms...")
            if not entry.get("sms"):
                raise ContentError(path, topic_id, where, "has no sms text")
            if not entry.get("title"):
                raise ContentError(path, topic_id, where, "has no title")
            for key in ("source", "last_reviewed"):
                if not entry.get(key):
                    raise ContentError(path, f"{topic_id}.{key}", where, f"missing: every entry carries {key}")
            handover = entry.get("handover")
            if handover and handover not in HANDOVER_CATEGORIES:
                raise ContentError(
                    path,
                    f"{topic_id}.handover",
                    lines(topic_id, "handover"),
                    f"{handover!r} is not one of {', '.join(HANDOVER_CATEGORIES)}",
                )
            for category in entry.get("services") or []:
                if category not in CATEGORIES:
                    raise ContentError(
                        path,
                        f"{topic_id}.services",
                        lines(topic_id, "services"),
                        f"{category!r} is not one of {', '.join(CATEGORIES)}",
                    )
            topic = self.topics.setdefault(topic_id, Topic(topic_id, area, {}))
            if topic.area != area:
                raise ContentError(path, topic_id, where, f"is also in {topic.area}.yml")
            topic.texts[lang] = {k: str(entry[k]).strip() for k in TOPIC_TEXTS if entry.get(k)}
            every, until = _review_fields(path, topic_id, entry, lines)
            topic.meta[lang] = {
                "source": entry["source"],
                "last_reviewed": entry["last_reviewed"],
                "review_every": every,
                "valid_until": until,
                "verified": bool(entry.get("verified", False)),
                "path": str(path),
                "line": where,
            }
            # Structure (options, services, handover) is the same in every language; the
            # French file is the reference, others may repeat it.
            if lang == "fr" or not topic.options:
                topic.options = list(entry.get("options") or [])
                topic.services = list(entry.get("services") or [])
                topic.handover = handover
            self.line_of[(f"{lang}/{area}", topic_id)] = (str(path), where)

    def _load_directory(self) -> None:
        path = self.root / "directory.yml"
        if not path.exists():
            return
        data, lines = _read(path)
        for service_id, entry in data.items():
            where = lines(service_id)
            if not isinstance(entry, dict) or not entry.get("organisation"):
                raise ContentError(path, service_id, where, "needs at least an organisation")
            for key in ("source", "last_reviewed"):
                if not entry.get(key):
                    raise ContentError(path, f"{service_id}.{key}", where, f"missing: every entry carries {key}")
            offers = list(entry.get("offers") or [])
            for category in offers:
                if category not in CATEGORIES:
                    raise ContentError(
                        path,
                        f"{service_id}.offers",
                        lines(service_id, "offers"),
                        f"{category!r} is not one of {', '.join(CATEGORIES)}",
                    )
            coords = entry.get("coordinates")
            if coords is not None and (not isinstance(coords, list) or len(coords) != 2):
                raise ContentError(
                    path,
                    f"{service_id}.coordinates",
                    lines(service_id, "coordinates"),
                    "must be [latitude, longitude] or null",
                )
            every, until = _review_fields(path, service_id, entry, lines)
            self.services[service_id] = Service(
                id=service_id,
                organisation=str(entry["organisation"]),
                offers=offers,
                city=entry.get("city"),
                area=entry.get("area"),
                phone=entry.get("phone"),
                email=entry.get("email"),
                coordinates=tuple(coords) if coords else None,
                hours=entry.get("hours"),
                languages=entry.get("languages"),
                cost=entry.get("cost") or "unknown",
                emergency_contact=bool(entry.get("emergency_contact")),
                verified=bool(entry.get("verified")),
                source=list(entry["source"]),
                last_reviewed=entry["last_reviewed"],
                review_every=every,
                valid_until=until,
            )
            self.line_of[("directory", service_id)] = (str(path), where)

    def _load_service_texts(self, path: Path, lang: str) -> None:
        data, lines = _read(path)
        for service_id, entry in data.items():
            if service_id not in self.services:
                raise ContentError(
                    path, service_id, lines(service_id), "is not in content/directory.yml (add its facts there first)"
                )
            if not isinstance(entry, dict):
                raise ContentError(path, service_id, lines(service_id), "must be a mapping with name, description")
            self.services[service_id].texts[lang] = {k: str(v).strip() for k, v in entry.items() if v}

    def _load_menus(self) -> None:
        path = self.root / "menus.yml"
        if not path.exists():
            return
        data, lines = _read(path)
        self.menus = {k: list(v or []) for k, v in data.items()}
        for area, entries in self.menus.items():
            for entry in entries:
                if entry not in self.topics and entry not in self.menus:
                    raise ContentError(path, area, lines(area), f"{entry!r} is neither a topic nor a menu")

    def _check_references(self) -> None:
        for topic in self.topics.values():
            for option in topic.options:
                if option not in self.topics:
                    path, line = next(iter(topic.meta.values()))["path"], next(iter(topic.meta.values()))["line"]
                    raise ContentError(path, f"{topic.id}.options", line, f"{option!r} is not a topic")

    # -- queries ---------------------------------------------------------------------------
    def topic(self, topic_id: str) -> Topic | None:
        return self.topics.get(topic_id)

    def services_for(self, category: str, city: str | None = None, today: dt.date | None = None) -> list[Service]:
        """Services of `category` in `city`, then national ones (no city), reachable first;
        never one past its `valid_until`."""
        found = [s for s in self.services.values() if category in s.offers and s.sendable(today)]
        if city:
            found = [s for s in found if s.city in (city, None)]
        # The town's own first, then a phone before a name alone.
        return sorted(found, key=lambda s: (s.city is None, not s.phone, not s.verified, s.id))

    def services_near(
        self, category: str, point: tuple[float, float], today: dt.date | None = None
    ) -> list[tuple[Service, float]]:
        """Services of `category` with a place (their coordinates, else their town's centre),
        nearest first, with the distance in km."""
        from remi.cities import CENTRES, distance_km

        found = []
        for service in self.services.values():
            if category not in service.offers or not service.sendable(today):
                continue
            where = service.coordinates or CENTRES.get(service.city or "")
            if where:
                found.append((service, distance_km(point, where)))
        return sorted(found, key=lambda pair: (pair[1], not pair[0].phone))

    def emergency_contacts(self, today: dt.date | None = None) -> list[Service]:
        """Lines a person in danger can call now, in the directory's order; never an expired one."""
        return [s for s in self.services.values() if s.emergency_contact and s.phone and s.sendable(today)]

    def system_text(self, key: str, lang: str) -> str | None:
        return in_language(self.system, key, lang)


class LiveLibrary:
    """A Library that reloads itself when an editor changes a file: no restart, no retraining.

    A broken edit keeps the last good content in service (and the error is reported by
    `last_error`), so a typo in one file never silences the bot.
    """

    def __init__(self, root: Path = DEFAULT_ROOT):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamp = None
        self._library: Library | None = None
        self.last_error: ContentError | None = None

    def _fingerprint(self):
        stamps = []
        for dirpath, _, files in os.walk(self.root):
            for name in files:
                if name.endswith((".yml", ".yaml")):
                    st = os.stat(os.path.join(dirpath, name))
                    stamps.append((dirpath, name, st.st_mtime_ns, st.st_size))
        return tuple(sorted(stamps))

    def get(self) -> Library:
        stamp = self._fingerprint()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._library = Library(self.root)
                        self.last_error = None
                    except ContentError as exc:
                        self.last_error = exc
                        if self._library is None:
                            raise
                    self._stamp = stamp
        assert self._library is not None  # the first load raised otherwise
        return self._library
