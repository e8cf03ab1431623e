"""The content benchmark (issue 4): what each answer costs in SMS segments, per language, as
the service sends it (GSM-7 folding on) and as written (folding off). Writes its section of
docs/benchmarks.md.

    .venv/bin/python -m bench.content
"""

from __future__ import annotations

import datetime as dt
import statistics

from bench.report import write_section
from remi import sms
from remi.cities import CITIES
from remi.content.library import LANGUAGES, Library
from remi.content.render import topic_reply

START, END = "<!-- bench:content:start -->", "<!-- bench:content:end -->"


def answers(library: Library, lang: str, fold: bool) -> list[list[int]]:
    """Segments of each page of every topic's SMS answer, for every town it can list."""
    out = []
    for topic in library.topics.values():
        for city in [None, *CITIES] if topic.services else [None]:
            reply = topic_reply(topic.id, lang, "sms", library, city=city, fold=fold)
            out.append([sms.sent_segments(page, fold).count for page in reply.pages])
    return out


def main() -> int:
    library = Library()
    rows = [
        "| language | answers | median segments (first page) | p95 | max per page | pages > 1 | "
        "segments sent, folded | as written | saved |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        folded, raw = answers(library, lang, True), answers(library, lang, False)
        first = sorted(pages[0] for pages in folded)
        p95 = first[int(len(first) * 0.95) - 1]
        sent, written = sum(map(sum, folded)), sum(map(sum, raw))
        rows.append(
            f"| {lang} | {len(first)} | {statistics.median(first):g} | {p95} | {max(map(max, folded))} | "
            f"{sum(len(p) > 1 for p in folded)} | {sent} | {written} | {written - sent} ({(written - sent) / written:.0%}) |"
        )
    section = "\n".join(
        [
            START,
            "## Content: SMS cost (issue 4)",
            "",
            f"Measured {dt.date.today()} with `.venv/bin/python -m bench.content`: every topic in every language, "
            "rendered for SMS as the bot sends it, once without a town and once for each town when the topic lists "
            'services. "First page" is what one answer costs (further pages come only on PLUS / KARA / MORE). '
            '"As written" renders the same answers without the GSM-7 replacement (ɓ ɗ ƙ ƴ, ê, ’... kept, '
            "so the whole SMS is UCS-2).",
            "",
            *rows,
            "",
            END,
        ]
    )
    write_section(section, START, END)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
