"""A small content folder built by a test: one entry of each kind the test needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

TODAY = dt.date.today()
RECENT = TODAY - dt.timedelta(days=10)
LONG_AGO = TODAY - dt.timedelta(days=400)
PAST = TODAY - dt.timedelta(days=30)


def service(organisation: str, offers: list[str], city: str | None, phone: str | None = None, **facts) -> dict:
    entry = {
        "organisation": organisation,
        "offers": offers,
        "city": city,
        "area": None,
        "phone": phone,
        "email": None,
        "coordinates": None,
        "hours": None,
        "languages": None,
        "cost": "unknown",
        "emergency_contact": False,
        "source": ["000_f95d3bcadeb6ee0a.txt"],
        "last_reviewed": RECENT,
        "verified": True,
    }
    entry.update(facts)
    return entry


def topic(title: str, sms: str, **facts) -> dict:
    entry = {
        "title": title,
        "sms": sms,
        "options": [],
        "source": ["000_f95d3bcadeb6ee0a.txt"],
        "last_reviewed": RECENT,
        "verified": True,
    }
    entry.update(facts)
    return entry


def build(
    root: Path,
    directory: dict,
    topics: dict[str, dict[str, dict]],
    names: dict | None = None,
    hours: dict | None = None,
) -> Path:
    """topics: lang -> area file ("safety", "services"...) -> {id: entry}."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "directory.yml").write_text(yaml.safe_dump(directory, allow_unicode=True, sort_keys=False))
    for lang, areas in topics.items():
        (root / lang).mkdir(exist_ok=True)
        for area, entries in areas.items():
            (root / lang / f"{area}.yml").write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    for lang, entries in (names or {}).items():
        (root / lang).mkdir(exist_ok=True)
        (root / lang / "directory.yml").write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    (root / "handover.yml").write_text(
        yaml.safe_dump(
            hours
            or {
                "utc_offset": "+01:00",
                "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
                "opens": "08:00",
                "closes": "18:00",
                "typical_answer_minutes": 60,
            }
        )
    )
    return root


def hours_closed_today() -> dict:
    """Working hours that exclude today and tomorrow (Niger time): a person answers only later."""
    niger_today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).date()
    closed = {niger_today.weekday(), (niger_today.weekday() + 1) % 7}
    days = [d for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")) if i not in closed]
    return {"utc_offset": "+01:00", "days": days, "opens": "08:00", "closes": "18:00", "typical_answer_minutes": 60}
