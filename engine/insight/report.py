"""The funders' summary (`remi report`, the console's CSV download): the same figures as the
insight pages, as Markdown or CSV. Only aggregates, every cell through the <5 rule
(engine/insight/privacy.py): no phone number, no hash, no message text ever reaches it."""

from __future__ import annotations

import csv
import io

from engine.insight.figures import Table, all_figures, totals
from engine.insight.store import Filters, Insight


def report(insight: Insight, f: Filters, form: str = "md") -> str:
    insight.rollup()
    tables = all_figures(insight, f)
    return csv_report(tables, f) if form == "csv" else markdown(insight, tables, f)


def markdown(insight: Insight, tables: list[Table], f: Filters) -> str:
    lines = [f"# Re.Mi. — {f.start} to {f.end}", ""]
    lines += [f"- {name}: {value}" for name, value in totals(insight, f).items()]
    lines += ["", "Cells counting fewer than 5 people show <5.", ""]
    for table in tables:
        lines += [f"## {table.title}", "", "| " + " | ".join(table.columns) + " |"]
        lines.append("|" + "---|" * len(table.columns))
        lines += ["| " + " | ".join(row) + " |" for row in table.shown()] or ["| (none) |"]
        lines.append("")
    return "\n".join(lines)


def csv_report(tables: list[Table], f: Filters) -> str:
    """One CSV: a `figure` column names the table each row belongs to."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in tables:
        writer.writerow(["figure", *table.columns])
        for row in table.shown():
            writer.writerow([table.title, *row])
    return out.getvalue()
