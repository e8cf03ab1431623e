"""`remi report` and `remi insight ...`: the funders' summary and the editors' missed questions
from the command line, on the same SQLite file as the console (INSIGHT_DB)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from engine.config import get_settings
from engine.insight import missed
from engine.insight.report import report
from engine.insight.store import Filters, Insight


def _insight() -> Insight:
    settings = get_settings()
    return Insight(settings.insight_path, settings.retention_days)


def print_report(start: str | None, end: str | None, form: str) -> int:
    today = dt.date.today()
    end = end or today.isoformat()
    start = start or (dt.date.fromisoformat(end) - dt.timedelta(days=6)).isoformat()
    for name, value in (("--from", start), ("--to", end)):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            print(f"remi report: {name} {value!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
    sys.stdout.write(report(_insight(), Filters(start, end), form))
    return 0


def list_missed(language: str | None) -> int:
    for group in missed.grouped(missed.unmarked(_insight(), language)):
        print(f"[{group.language}] {len(group.questions)} similar")
        for q in group.questions:
            print(f"  {q.id:>8}  {q.intent or '?':<24} {q.confidence or 0:.2f}  {q.text}")
    return 0


def mark(turn: int, what: str, intent: str | None, by: str) -> int:
    try:
        missed.mark(_insight(), turn, what, intent, by)
    except (ValueError, LookupError) as exc:
        print(f"remi insight mark: {exc}", file=sys.stderr)
        return 2
    return 0


def export_nlu(language: str, out: Path | None) -> int:
    text = missed.export_nlu(_insight(), language)
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"written: {out}")
    return 0
