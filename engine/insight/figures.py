"""The figures the console, the CSV download and `remi report` show, read from the daily tables
only (fast over a year; no person, no text). Each row carries its `people` so that the one rule
of engine/insight/privacy.py can suppress it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from engine.insight.privacy import SUPPRESSED, cell, small
from engine.insight.store import Filters, Insight, median, percentile
from remi.i18n import N_


@dataclass
class Table:
    """One figure: a title, column names, and rows whose first `people` column decides suppression.
    Titles and column names are marked N_ where written: the console shows them translated."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    people: list[int] = field(default_factory=list)  # per row

    def shown(self) -> list[list[str]]:
        """The rows as they may be shown: figures of a row counting fewer than 5 people are "<5"."""
        out = []
        for row, people in zip(self.rows, self.people, strict=True):
            keys = [str(v) for v in row[: self.key_columns]]
            out.append(keys + [cell(v, people) for v in row[self.key_columns :]])
        return out

    @property
    def key_columns(self) -> int:
        return sum(1 for c in self.columns if c in KEYS)


KEYS = {"day", "week", "language", "channel", "town", "topic", "team", "organisation"}


def per_day(insight: Insight, f: Filters) -> Table:
    where, args = f.turns_where()
    table = Table(
        N_("People and messages per day"),
        [N_("day"), N_("language"), N_("channel"), N_("people"), N_("messages"), N_("fallback %")],
    )
    for day, lang, chan, people, messages, fallbacks in insight.db.execute(
        f"SELECT day, language, channel, SUM(people), SUM(messages), SUM(fallbacks) FROM daily_turns WHERE {where} "
        "GROUP BY day, language, channel ORDER BY day, language, channel",
        args,
    ):
        table.rows.append([day, lang, chan, people, messages, round(100.0 * fallbacks / messages, 1)])
        table.people.append(people)
    return table


def top_topics(insight: Insight, f: Filters, limit: int = 10) -> Table:
    """The whole months of the range from the monthly table, the days at either end from the daily."""
    parts, args = [], []
    months = whole_months(f.start, f.end)
    daily_ranges = [(f.start, f.end)] if months is None else [r for r in months[2:] if r[0] <= r[1]]
    for start, end in daily_ranges:
        where, more = f.turns_where(start, end)
        parts.append(f"SELECT town, topic, people, messages FROM daily_topics WHERE {where}")
        args += more
    if months is not None:
        where, more = f.turns_where(months[0], months[1], column="month")
        parts.append(f"SELECT town, topic, people, messages FROM monthly_topics WHERE {where}")
        args += more
    table = Table(N_("Top topics by town"), [N_("town"), N_("topic"), N_("people"), N_("messages")])
    shown: dict[str, int] = {}
    for town, topic, people, messages in insight.db.execute(
        f"SELECT town, topic, SUM(people) AS p, SUM(messages) FROM ({' UNION ALL '.join(parts)}) "
        "GROUP BY town, topic ORDER BY town, p DESC",
        args,
    ):
        if shown.get(town, 0) < limit:
            shown[town] = shown.get(town, 0) + 1
            table.rows.append([town or "—", topic, people, messages])
            table.people.append(people)
    return table


def whole_months(start: str, end: str) -> tuple[str, str, tuple[str, str], tuple[str, str]] | None:
    """(first whole month, last whole month, days before them, days after them), or None."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    begin = first if first.day == 1 else (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = (
        (last + dt.timedelta(days=1)).replace(day=1) if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1)
    )
    if begin >= after:
        return None
    stop = after - dt.timedelta(days=1)  # the last day of the last whole month
    return (
        begin.isoformat()[:7],
        stop.isoformat()[:7],
        (start, (begin - dt.timedelta(days=1)).isoformat()),
        ((stop + dt.timedelta(days=1)).isoformat(), end),
    )


def handovers(insight: Insight, f: Filters) -> Table:
    """Per team and week: handovers, waiting time to claim (median, p90, minutes), feedback."""
    clauses, args = ["day BETWEEN ? AND ?"], [f.start, f.end]
    if f.organisations is not None:
        clauses.append(f"organisation IN ({','.join('?' * len(f.organisations))})")
        args += list(f.organisations)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for day, team, org, people, opened, waits, handling, scores in insight.db.execute(
        f"SELECT day, team, organisation, people, opened, waits, handling, scores FROM daily_handovers "
        f"WHERE {' AND '.join(clauses)} ORDER BY day",
        args,
    ):
        week = _week(day)
        g = groups.setdefault((week, team, org), {"people": 0, "opened": 0, "waits": [], "handling": [], "scores": []})
        g["people"] += people
        g["opened"] += opened
        for name, raw in (("waits", waits), ("handling", handling), ("scores", scores)):
            g[name] += json.loads(raw)
    table = Table(
        N_("Handovers per team and week"),
        [
            N_("week"),
            N_("team"),
            N_("organisation"),
            N_("handovers"),
            N_("wait median min"),
            N_("wait p90 min"),
            N_("handling median min"),
            N_("feedback"),
            N_("feedback mean"),
        ],
    )
    for (week, team, org), g in sorted(groups.items()):
        minutes = [w / 60 for w in g["waits"]]
        table.rows.append(
            [
                week,
                team,
                org,
                g["opened"],
                _round(median(minutes)),
                _round(percentile(minutes, 0.9)),
                _round(median([h / 60 for h in g["handling"]])),
                len(g["scores"]),
                _round(sum(g["scores"]) / len(g["scores"]) if g["scores"] else None),
            ]
        )
        table.people.append(g["people"])
    return table


def sends(insight: Insight, f: Filters) -> Table:
    """SMS and WhatsApp messages and SMS segments per day (the cost). Counts no person: a day's
    row is shown when that day's conversations counted 5 people or more."""
    people = dict(
        insight.db.execute(
            "SELECT day, SUM(people) FROM daily_turns WHERE day BETWEEN ? AND ? GROUP BY day", (f.start, f.end)
        ).fetchall()
    )
    clauses, args = ["day BETWEEN ? AND ?"], [f.start, f.end]
    if f.channel:
        clauses.append("channel = ?")
        args.append(f.channel)
    table = Table(
        N_("Messages sent and SMS segments per day"),
        [N_("day"), N_("channel"), N_("messages"), N_("segments"), N_("failed")],
    )
    for day, chan, messages, segments, failed in insight.db.execute(
        f"SELECT day, channel, messages, segments, failed FROM daily_sends WHERE {' AND '.join(clauses)} "
        "ORDER BY day, channel",
        args,
    ):
        table.rows.append([day, chan, messages, segments, failed])
        table.people.append(int(people.get(day) or 0))
    return table


def all_figures(insight: Insight, f: Filters) -> list[Table]:
    return [per_day(insight, f), top_topics(insight, f), handovers(insight, f), sends(insight, f)]


def totals(insight: Insight, f: Filters) -> dict[str, str]:
    """The headline numbers of the report: people-days, messages, fallback share, handovers."""
    where, args = f.turns_where()
    people, messages, fallbacks = insight.db.execute(
        f"SELECT COALESCE(SUM(people), 0), COALESCE(SUM(messages), 0), COALESCE(SUM(fallbacks), 0) "
        f"FROM daily_turns WHERE {where}",
        args,
    ).fetchone()
    share = round(100.0 * fallbacks / messages, 1) if messages else 0.0
    return {
        N_("people (summed per day)"): cell(people, people),
        N_("messages"): cell(messages, people),
        N_("fallback %"): cell(share, people),
    }


def _week(day: str) -> str:
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


__all__ = ["SUPPRESSED", "Table", "all_figures", "small", "totals"]
