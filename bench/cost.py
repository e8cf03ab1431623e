"""What the answers cost in SMS segments, per language.

Two measures:
  content   every topic of content/ in each language, for every town for the topics that list
            services, rendered as this system sends it (remi/content/render.py, GSM-7 folding on)
            and as written (the same rendering with fold=False): segments of the first SMS (what
            is sent for the question) and of the whole answer (all its pages, PLUS/KARA/MORE).
  sent      the replies the systems actually sent to the benchmark's conversations (one play of
            every script, bench/mix.py): segments per SMS and per answer (all the SMS a message
            gets back, e.g. the welcome line and the menu on first contact).
"""

from __future__ import annotations

from typing import Any

from bench.stats import pct
from remi import cities, sms
from remi.content.library import LiveLibrary
from remi.content.render import topic_reply


def _summary(values: list[int]) -> dict[str, float]:
    return {"n": len(values), "median": pct(values, 50), "p95": pct(values, 95), "max": max(values, default=0)}


def content_cost(max_segments: int = 2) -> dict[str, dict[str, Any]]:
    library = LiveLibrary().get()
    out: dict[str, dict[str, Any]] = {}
    for lang in ("fr", "ha", "en"):
        first: dict[bool, list[int]] = {True: [], False: []}
        whole: dict[bool, list[int]] = {True: [], False: []}
        ucs2 = {True: 0, False: 0}
        for topic_id, topic in library.topics.items():
            for city in [None, *(cities.CITIES if topic.services else [])]:
                for fold in (True, False):
                    pages = topic_reply(
                        topic_id, lang, "sms", library, city=city, max_segments=max_segments, fold=fold
                    ).pages
                    segments = [sms.sent_segments(p, fold) for p in pages]
                    counts = [s.count for s in segments]
                    ucs2[fold] += any(s.encoding == "UCS-2" for s in segments)
                    first[fold].append(counts[0])
                    whole[fold].append(sum(counts))
        out[lang] = {
            "sent_first": _summary(first[True]),
            "written_first": _summary(first[False]),
            "sent_whole": _summary(whole[True]),
            "written_whole": _summary(whole[False]),
            "ucs2_sent": ucs2[True],
            "ucs2_written": ucs2[False],
            "answers": len(first[True]),
        }
    return out


def sent_cost(replies: dict[tuple[str, int], list[str]], lang_of: dict[str, str]) -> dict[str, dict]:
    """Segments of the SMS a system sent, from the calibration play: per SMS and per answer."""
    out = {}
    for lang in ("fr", "ha", "en"):
        per_sms, per_answer, ucs2 = [], [], 0
        for (script_id, _), texts in replies.items():
            if lang_of[script_id] != lang or not texts:
                continue
            counts = [sms.segments(t) for t in texts]
            ucs2 += sum(1 for c in counts if c.encoding == "UCS-2")
            per_sms += [c.count for c in counts]
            per_answer.append(sum(c.count for c in counts))
        out[lang] = {
            "per_sms": _summary(per_sms),
            "per_answer": _summary(per_answer),
            "ucs2": ucs2,
            "sms": len(per_sms),
        }
    return out
