"""`remi content audit`: the go-live checklist for the partner organisations.

Every fact a partner must confirm before migrants rely on it, grouped by organisation:
unverified entries, entries overdue for review, entries past their `valid_until` (never sent),
missing emergency contacts, and towns where no service is listed. Text or Markdown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from remi.cities import CITIES
from remi.content import expiry
from remi.content.library import CATEGORIES, DEFAULT_ROOT, LANGUAGES, Library

CONTENT_TEAM = "Re.Mi. content editors"  # who owns topics (guidance texts), not a partner


@dataclass
class Item:
    kind: str  # unverified | overdue | expired | emergency | no_service
    subject: str  # directory id, topic id or town
    detail: str


@dataclass
class Report:
    today: dt.date
    by_organisation: dict[str, list[Item]] = field(default_factory=dict)
    emergency: list[Item] = field(default_factory=list)
    towns: list[Item] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [i for items in self.by_organisation.values() for i in items] + self.emergency + self.towns

    def count(self, kind: str) -> int:
        return sum(i.kind == kind for i in self.items)

    @property
    def has_emergency_contact(self) -> bool:
        return not any(i.subject == "(none)" for i in self.emergency)

    def summary(self) -> str:
        return (
            f"{self.count('unverified')} unverified, {self.count('overdue')} overdue for review, "
            f"{self.count('expired')} expired (not sent), {self.count('emergency')} emergency gap(s), "
            f"{self.count('no_service')} town/help pair(s) with no service listed"
        )


def audit(root: Path = DEFAULT_ROOT, today: dt.date | None = None) -> Report:
    today = today or dt.date.today()
    library = Library(root)
    report = Report(today)

    def add(organisation: str, item: Item) -> None:
        report.by_organisation.setdefault(organisation, []).append(item)

    for service in sorted(library.services.values(), key=lambda s: (s.organisation.lower(), s.id)):
        state = service.status(today)
        due = expiry.review_due(service.last_reviewed, service.review_every)
        sources = ", ".join(service.source)
        if state == expiry.EXPIRED:
            add(
                service.organisation,
                Item(
                    "expired",
                    service.id,
                    f"valid until {service.valid_until}: not sent to migrants; confirm it still "
                    f"runs and set a new valid_until, or remove it (source: {sources})",
                ),
            )
            continue
        if not service.verified:
            missing = [
                k
                for k, v in (
                    ("phone", service.phone),
                    ("place", service.area or service.text("landmark", "fr")),
                    ("hours", service.hours),
                )
                if not v
            ]
            add(
                service.organisation,
                Item(
                    "unverified",
                    service.id,
                    f"not confirmed by a partner{'; missing: ' + ', '.join(missing) if missing else ''}"
                    f" (source: {sources})",
                ),
            )
        if state == expiry.OVERDUE:
            add(
                service.organisation,
                Item(
                    "overdue",
                    service.id,
                    f"review was due {due} (last reviewed {service.last_reviewed}): sent with "
                    f'"call first: this may have changed"',
                ),
            )
    for topic in sorted(library.topics.values(), key=lambda t: t.id):
        for lang in LANGUAGES:
            meta = topic.meta.get(lang)
            if not meta:
                continue
            state = topic.status(lang, today)
            label = f"{topic.id} ({lang})"
            if state == expiry.EXPIRED:
                add(CONTENT_TEAM, Item("expired", label, f"valid until {meta['valid_until']}: not sent"))
                continue
            if not meta["verified"]:
                add(CONTENT_TEAM, Item("unverified", label, "holds facts not confirmed from the sources"))
            if state == expiry.OVERDUE:
                due = expiry.review_due(meta["last_reviewed"], meta["review_every"])
                add(CONTENT_TEAM, Item("overdue", label, f"review was due {due}"))

    hours_file = Path(root) / "handover.yml"
    if hours_file.exists():
        import yaml

        hours = yaml.safe_load(hours_file.read_text(encoding="utf-8")) or {}
        if not hours.get("verified"):
            add(
                CONTENT_TEAM,
                Item(
                    "unverified",
                    "handover.yml",
                    "the working hours told to migrants (when a person answers) are not confirmed",
                ),
            )
    contacts = library.emergency_contacts(today)
    if not contacts:
        report.emergency.append(
            Item(
                "emergency",
                "(none)",
                "no emergency contact at all: the emergency answer gives "
                "no number; `remi serve` refuses to start in production",
            )
        )
    for service in contacts:
        if not service.verified:
            report.emergency.append(
                Item(
                    "emergency",
                    service.id,
                    f"{service.phone}: not yet confirmed by a partner (source: {', '.join(service.source)})",
                )
            )
    for city in CITIES:
        for category in CATEGORIES:
            if not any(s.city == city for s in library.services_for(category, city, today)):
                report.towns.append(Item("no_service", city, category))
    return report


def _towns(report: Report) -> dict[str, list[str]]:
    towns: dict[str, list[str]] = {}
    for item in report.towns:
        towns.setdefault(item.subject, []).append(item.detail)
    return towns


def as_text(report: Report) -> str:
    out = [f"remi content audit, {report.today}: {report.summary()}", ""]
    out.append("Emergency contacts:")
    out += [f"  [{i.kind}] {i.subject}: {i.detail}" for i in report.emergency] or ["  all confirmed"]
    for organisation, items in sorted(report.by_organisation.items(), key=lambda kv: kv[0].lower()):
        out += ["", f"{organisation}:"]
        out += [f"  [{i.kind}] {i.subject}: {i.detail}" for i in items]
    out += ["", "Towns with no service listed (the answer gives the nearest town instead):"]
    out += [f"  {town}: {', '.join(categories)}" for town, categories in _towns(report).items()]
    return "\n".join(out)


def as_markdown(report: Report) -> str:
    out = [
        "# Go-live checklist",
        "",
        f"Generated by `remi content audit --format md` on {report.today}: {report.summary()}.",
        "",
        "Each line is a fact a partner organisation confirms (or corrects) before migrants rely on it. "
        "Tick it when done, then set `verified: true` and `last_reviewed` in the content.",
        "",
        "## Emergency contacts",
        "",
    ]
    out += [f"- [ ] `{i.subject}`: {i.detail}" for i in report.emergency] or ["- all confirmed"]
    for organisation, items in sorted(report.by_organisation.items(), key=lambda kv: kv[0].lower()):
        out += ["", f"## {organisation}", ""]
        out += [f"- [ ] **{i.kind}** `{i.subject}`: {i.detail}" for i in items]
    out += [
        "",
        "## Towns with no service listed",
        "",
        "The answer gives the nearest town with a service, the national contacts by phone and a person.",
        "",
        "| town | no service listed for |",
        "|---|---|",
    ]
    out += [f"| {town} | {', '.join(categories)} |" for town, categories in _towns(report).items()]
    return "\n".join(out) + "\n"


def main(fmt: str = "text", root: Path = DEFAULT_ROOT) -> int:
    report = audit(root)
    print(as_markdown(report) if fmt == "md" else as_text(report), end="" if fmt == "md" else "\n")
    return 0
