"""Ready-made replies for the operators' console, from content/<lang>/canned.yml (editors own
them like the guidance). Read again when a file changes; a file that does not load is reported
in the log and leaves that language's last good replies in place."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from remi.content.library import DEFAULT_ROOT, LANGUAGES

log = logging.getLogger("remi.canned")


@dataclass(frozen=True)
class CannedReply:
    id: str
    language: str
    title: str
    text: str


def load(path: Path, lang: str) -> list[CannedReply]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must be a mapping of ids to {{title, text}}")
    replies = []
    for reply_id, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("text"):
            raise ValueError(f"{path}: {reply_id}: needs a title and a text")
        replies.append(CannedReply(str(reply_id), lang, str(entry["title"]).strip(), str(entry["text"]).strip()))
    return replies


class CannedReplies:
    def __init__(self, root: Path = DEFAULT_ROOT):
        self.root = root
        self._cache: dict[str, tuple[tuple, list[CannedReply]]] = {}

    def for_language(self, lang: str) -> list[CannedReply]:
        path = self.root / lang / "canned.yml"
        try:
            st = os.stat(path)
        except OSError:
            return []
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(lang)
        if cached is None or cached[0] != stamp:
            try:
                self._cache[lang] = (stamp, load(path, lang))
            except (ValueError, yaml.YAMLError) as exc:
                log.error("canned replies not reloaded: %s", exc)
                if cached is None:
                    self._cache[lang] = (stamp, [])
        return self._cache[lang][1]

    def all(self, first: str | None = None) -> list[tuple[str, list[CannedReply]]]:
        """Every language's replies, the person's language first."""
        order = sorted(LANGUAGES, key=lambda lang: lang != first)
        return [(lang, self.for_language(lang)) for lang in order]

    def find(self, key: str) -> CannedReply | None:
        lang, _, reply_id = (key or "").partition(":")
        if lang not in LANGUAGES:
            return None
        return next((r for r in self.for_language(lang) if r.id == reply_id), None)
