"""`remi content preview TOPIC --lang ha --channel sms|whatsapp [--city Agadez]`: the topic as
the phone shows it: each page, its encoding and segments, and what it would cost as written."""

from __future__ import annotations

from remi import sms
from remi.cities import canonical
from remi.content.library import ContentError, Library
from remi.content.render import topic_reply


def main(topic: str, lang: str, channel: str, city: str | None = None) -> int:
    try:
        library = Library()
    except ContentError as exc:
        print(f"content does not load: {exc}")
        return 1
    if topic not in library.topics:
        print(f"no topic {topic!r}; topics: {', '.join(sorted(library.topics))}")
        return 1
    town = canonical(city) if city else None
    if city and not town:
        print(f"{city!r} is not a known town")
        return 1
    reply = topic_reply(topic, lang, channel, library, city=town)
    if channel == "whatsapp":
        print(reply.pages[0])
        print(f"--- WhatsApp, {len(reply.pages[0])} characters (at most 4096)")
        return 0
    total = 0
    as_written = topic_reply(topic, lang, channel, library, city=town, fold=False)
    for number, page in enumerate(reply.pages, 1):
        cost = sms.sent_segments(page)
        total += cost.count
        print(f"--- page {number}/{len(reply.pages)}: {cost} ---")
        print(sms.for_sms(page))  # as the phone shows it
    raw = sum(sms.sent_segments(p, fold=False).count for p in as_written.pages)
    print(
        f"--- {total} segment(s) in all ({reply.pages and sms.sent_segments(reply.pages[0]).count} for the first page);"
        f" as written, without GSM-7 replacement: {raw}"
    )
    return 0
