"""Guidance rendered for the channel it goes out on.

SMS: plain text cut at sentence or line boundaries, each page measured as the outbox will send it
(folded to GSM-7 where that saves segments: engine/outbox.py folds, here we only measure)
into pages of at most `max_segments` segments, each but the last ending with the keyword for
the next page; the numbered choices close the last page.
WhatsApp: the longer text, *bold* titles, numbered lists, at most 4096 characters.

A Reply carries the pages and the numbered choices; the worker sends the first page, keeps the
others for PLUS / KARA / MORE, and maps a digit to the choice of the last menu shown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field

from babel.dates import get_day_names

from remi import cities, keywords, sms
from remi.content import expiry
from remi.content.hours import current_hours
from remi.content.library import Library, Service
from remi.content.nearest import national_by_phone, nearest_town_with
from remi.i18n import format_clock, format_number, gettext_for, locale

WHATSAPP_LIMIT = 4096
AREAS = ("rights", "risks", "services")


@dataclass
class Choice:
    label: str
    payload: str  # "/intent" or '/intent{"city": "Niamey"}' for Rasa; "menu:<area>", "lang:<code>"


@dataclass
class Reply:
    pages: list[str]
    choices: list[Choice] = field(default_factory=list)
    back: str | None = None  # what "0" does
    topic: str | None = None
    handover: str | None = None  # category, when this answer asks for a person
    priority: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Reply:
        data = dict(data)
        data["choices"] = [Choice(**c) for c in data.get("choices", [])]
        return cls(**data)


def area_title(area: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {
        "rights": _("Rights"),
        "risks": _("Risks"),
        "services": _("Services"),
        "human_operator": _("Talk to someone"),
        "alerts": _("Alerts"),
    }[area]


def _choices_line(choices: list[Choice], back_label: str | None, channel: str) -> str:
    numbered = [(str(i), c.label) for i, c in enumerate(choices, 1)]
    if back_label:
        numbered.append(("0", back_label))
    if channel == "whatsapp":
        return "\n".join(f"{n}. {label}" for n, label in numbered)
    return " ".join(f"{n} {label}" for n, label in numbered)


# A sentence ends at . ! ? ; : followed by a capital or a digit ("Re.Mi. (Nexus)" is not cut),
# or at a line break (each listed service is a line of its own).
_SENTENCE_END = re.compile(r"(?<=[.!?:;])[ \t]+(?=[A-ZÀ-ÝƁƊƘƳ0-9\"'«])|\n+")


def _units(body: str) -> list[tuple[str, str]]:
    """(joiner, sentence) pairs: the joiner is how the sentence attaches to the one before
    ("\n" after a line break, " " after a sentence end)."""
    units, start, joiner = [], 0, ""
    for match in _SENTENCE_END.finditer(body):
        text = body[start : match.start()].strip()
        if text:
            units.append((joiner, text))
        joiner = "\n" if "\n" in match.group() else " "
        start = match.end()
    if body[start:].strip():
        units.append((joiner, body[start:].strip()))
    return units


def paginate(body: str, closing: str, lang: str, max_segments: int = 2, fold: bool = True) -> list[str]:
    """Cut `body` at sentence or line boundaries into SMS pages that each fit in
    `max_segments` segments with their footer; `closing` (the choices) ends the last page."""
    _ = gettext_for(lang)
    more = _("{more} for more").format(more=keywords.word("more", lang))

    def fits(text: str) -> bool:
        return sms.segments(sms.for_sms(text, fold)).count <= max_segments

    whole = f"{body}\n{closing}" if closing else body
    if fits(whole):
        return [whole]
    pages, current = [], ""
    for joiner, unit in _units(body):
        candidate = f"{current}{joiner}{unit}" if current else unit
        if fits(f"{candidate}\n{more}"):
            current = candidate
            continue
        if current:
            pages.append(current)
        current = unit
        while not fits(f"{current}\n{more}"):  # one sentence longer than a page: cut at a word
            words, head = current.split(" "), ""
            while words and fits(f"{head} {words[0]}\n{more}".strip()):
                head = f"{head} {words.pop(0)}".strip()
            if not head:  # a single unbreakable word: let it through
                break
            pages.append(head)
            current = " ".join(words)
    if current:
        if closing and fits(f"{current}\n{closing}"):
            current = f"{current}\n{closing}"
            closing = ""
        pages.append(current)
    if closing:
        pages.append(closing)
    return [f"{p}\n{more}" if i < len(pages) - 1 else p for i, p in enumerate(pages)]


def _hours_text(hours: dict | None, lang: str) -> str | None:
    if not hours or not hours.get("open"):
        return None
    days = hours.get("days") or []
    names = get_day_names("abbreviated", locale=locale(lang))
    order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    span = f"{names[order.index(days[0])]}-{names[order.index(days[-1])]} " if days else ""
    opens = dt.time.fromisoformat(str(hours["open"]))
    closes = dt.time.fromisoformat(str(hours["close"]))
    return f"{span}{format_clock(opens, lang)}-{format_clock(closes, lang)}"


def service_line(service: Service, lang: str, channel: str, today: dt.date | None = None) -> str:
    _ = gettext_for(lang)
    name = service.text("name", lang) or service.organisation
    place = service.text("landmark", lang) or service.area
    parts = [f"*{name}*" if channel == "whatsapp" else name]
    if place:
        parts.append(place)
    if service.phone:
        parts.append(_("Tel {phone}").format(phone=service.phone))
    hours = _hours_text(service.hours, lang)
    if hours and channel == "whatsapp":
        parts.append(hours)
    if not service.phone and not service.verified:
        parts.append(_("contact not verified"))
    elif service.status(today) == expiry.OVERDUE:
        parts.append(_("call first: this may have changed"))
    return ", ".join(parts)


def _listing(head: str, lines: list[str], channel: str) -> str:
    if channel == "whatsapp":
        return f"*{head}*\n" + "\n".join(f"- {line}" for line in lines)
    # A no-break space keeps the heading with the first service when the answer is cut into
    # pages (it is sent as a plain space).
    return head + "\u00a0" + "\n".join(lines)


def services_block(
    categories: list[str],
    city: str | None,
    lang: str,
    channel: str,
    library: Library,
    limit: int = 3,
    near: tuple[float, float] | None = None,
    today: dt.date | None = None,
) -> str:
    _ = gettext_for(lang)
    if near is not None:
        # A shared location pin (WhatsApp): nearest first, with the distance.
        pairs = sorted(
            {s.id: (s, km) for c in categories for s, km in library.services_near(c, near, today)}.values(),
            key=lambda pair: pair[1],
        )[:limit]
        if pairs:
            lines = [
                f"{service_line(s, lang, channel, today)} ({format_number(round(km), lang)} km)" for s, km in pairs
            ]
            return _listing(_("Nearest to you:"), lines, channel)
        city = city or cities.nearest_city(near)
    found: list[Service] = []
    for category in categories:
        for service in library.services_for(category, city, today):
            if service not in found:
                found.append(service)
    local = [s for s in found if s.city == city]
    if local:
        # The town's own services (with or without a phone: an answer never names a service
        # in its text and then says the town has none), then one national line by phone.
        shown = local[: 2 if channel == "sms" else limit]
        shown += [s for s in found if s.city is None and s.phone][:1]
        return _listing(
            _("In {city}:").format(city=city), [service_line(s, lang, channel, today) for s in shown], channel
        )
    return _elsewhere(categories, city, lang, channel, library, today)


def _elsewhere(
    categories: list[str], city: str | None, lang: str, channel: str, library: Library, today: dt.date | None
) -> str:
    """No service in the person's town: the nearest town that has one, the national
    organisations that answer by phone, and a person who can look further."""
    _ = gettext_for(lang)
    parts = []
    nearest = nearest_town_with(categories, city, library, today) if city else None
    if nearest:
        town, km, services = nearest
        head = _("Nothing listed in {city}. Nearest, {town} ({km} km):").format(
            city=city, town=town, km=format_number(round(km, -1), lang)
        )
        parts.append(
            _listing(
                head, [service_line(s, lang, channel, today) for s in services[: 2 if channel == "sms" else 3]], channel
            )
        )
    else:
        parts.append(_("Nothing listed in {city} yet.").format(city=city))
    by_phone = national_by_phone(categories, library, today)[:2]
    if by_phone:
        parts.append(_listing(_("By phone:"), [service_line(s, lang, channel, today) for s in by_phone], channel))
    parts.append(_("A person can look with you: choose {talk}.").format(talk=area_title("human_operator", lang)))
    return "\n".join(parts)


def emergency_block(
    lang: str, channel: str, library: Library, now: dt.datetime | None = None, today: dt.date | None = None
) -> str:
    """The numbers to call now, then when a person of the team answers here: from the working
    hours (remi.content.hours), never a bare "as a priority"."""
    _ = gettext_for(lang)
    contacts = library.emergency_contacts(today)
    if channel == "whatsapp":
        lines = [f"- {service_line(s, lang, channel, today)}" for s in contacts]
    else:
        lines = [", ".join(f"{s.text('name', lang) or s.organisation} {s.phone}" for s in contacts)] if contacts else []
    hours = current_hours(library.root / "handover.yml")
    if hours is None:
        lines.append(_("A person from our team will also answer you here."))
    else:
        lines.append(
            _("A person from our team will also answer you here, {when}.").format(when=hours.answer_time(lang, now))
        )
    return "\n".join(lines)


def compose(
    body: str,
    choices: list[Choice],
    back_label: str | None,
    lang: str,
    channel: str,
    max_segments: int,
    fold: bool,
    **reply_fields,
) -> Reply:
    closing = _choices_line(choices, back_label, channel)
    if channel == "whatsapp":
        text = f"{body}\n\n{closing}".strip() if closing else body
        return Reply(pages=[text[:WHATSAPP_LIMIT]], choices=choices, **reply_fields)
    return Reply(pages=paginate(body, closing, lang, max_segments, fold), choices=choices, **reply_fields)


def main_menu(
    lang: str, channel: str, library: Library, intro: str = "", max_segments: int = 2, fold: bool = True
) -> Reply:
    _ = gettext_for(lang)
    choices = [Choice(area_title(a, lang), f"menu:{a}") for a in AREAS]
    choices.append(Choice(area_title("human_operator", lang), "/human_operator"))
    choices.append(Choice(area_title("alerts", lang), "menu:alerts"))  # safety alerts by town (engine/alerts/)
    body = intro or _("What do you need?")
    return compose(body, choices, None, lang, channel, max_segments, fold, back=None)


def area_menu(area: str, lang: str, channel: str, library: Library, max_segments: int = 2, fold: bool = True) -> Reply:
    _ = gettext_for(lang)
    topic_ids = library.menus.get(area) or [t.id for t in library.topics.values() if t.area == area]
    choices = [Choice(library.topics[t].required("title", lang), f"/{t}") for t in topic_ids if t in library.topics]
    title = area_title(area, lang)
    body = f"*{title}*" if channel == "whatsapp" else f"{title}:"
    return compose(body, choices, _("Menu"), lang, channel, max_segments, fold, back="menu:main")


def topic_reply(
    topic_id: str,
    lang: str,
    channel: str,
    library: Library,
    city: str | None = None,
    max_segments: int = 2,
    fold: bool = True,
    near: tuple[float, float] | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    also: str | None = None,
) -> Reply:
    """A topic's guidance; `also` is a second need of the same message, offered first."""
    _ = gettext_for(lang)
    topic = library.topics[topic_id]
    back = f"menu:{topic.area}" if topic.area in AREAS else "menu:main"
    status = topic.status(lang, today)
    if status == expiry.EXPIRED:
        # Past its valid_until: the text is never sent; a person is offered instead.
        body = _("This information is being checked and is not given for now. A person can help you.")
        choices = [Choice(area_title("human_operator", lang), f"handover:{topic.handover or 'general'}:{topic_id}")]
        return compose(body, choices, _("Back"), lang, channel, max_segments, fold, back=back, topic=topic_id)
    if channel == "whatsapp":
        title, text = topic.required("title", lang), topic.text("whatsapp", lang) or topic.required("sms", lang)
        # Editors often open the WhatsApp text with their own bold heading: no second title then.
        body = text if text.startswith("*") else f"*{title}*\n{text}"
    else:
        body = topic.text("sms", lang)
    if status == expiry.OVERDUE:
        body += " " + _("This may have changed: check with a counsellor.")
    sep = "\n\n" if channel == "whatsapp" else "\n"
    if topic_id == "emergency":
        # What to do now (the text), the numbers to call and when a person answers, together
        # on the first page.
        body += sep + emergency_block(lang, channel, library, now, today)
    if topic.services and (city or near):
        block = services_block(topic.services, city, lang, channel, library, near=near, today=today)
        # A service answer leads with where and how to reach the help, so that it is on the
        # first SMS page; other topics keep their advice first.
        body = f"{block}{sep}{body}" if topic.area == "services" and channel == "sms" else f"{body}{sep}{block}"
    offered = [also] if also in library.topics and also not in (topic_id, "human_operator") else []
    choices = [
        Choice(library.topics[o].required("title", lang), f"/{o}")
        for o in dict.fromkeys(offered + list(topic.options))
        if o in library.topics and o != "human_operator"
    ]
    if topic.handover and topic_id not in ("human_operator", "emergency"):
        # The person this topic needs: "handover:<category>:<topic>" (answered by the worker).
        choices.append(Choice(area_title("human_operator", lang), f"handover:{topic.handover}:{topic_id}"))
    return compose(
        body,
        choices,
        _("Back"),
        lang,
        channel,
        max_segments,
        fold,
        back=back,
        topic=topic_id,
        handover=topic.handover if topic_id in ("human_operator", "emergency") else None,
        priority=topic_id == "emergency",
    )


def city_question(topic_id: str, lang: str, channel: str, max_segments: int = 2, fold: bool = True) -> Reply:
    _ = gettext_for(lang)
    choices = [Choice(city, "/" + topic_id + json.dumps({"city": city})) for city in cities.CITIES]
    return compose(
        _("In which town are you?"),
        choices,
        _("Menu"),
        lang,
        channel,
        max_segments,
        fold,
        back="menu:main",
        topic=topic_id,
    )


def language_menu(intro: str = "", channel: str = "sms", more: list[Choice] | None = None) -> Reply:
    choices = [Choice("Français", "lang:fr"), Choice("Hausa", "lang:ha"), Choice("English", "lang:en"), *(more or [])]
    body = intro.strip()
    line = _choices_line(choices, None, channel)
    text = f"{body}\n{line}" if body else line
    return Reply(pages=[text], choices=choices)


def plain(text: str, lang: str, channel: str, max_segments: int = 2, fold: bool = True) -> Reply:
    if channel == "whatsapp":
        return Reply(pages=[text[:WHATSAPP_LIMIT]])
    return Reply(pages=paginate(text, "", lang, max_segments, fold))
