"""The console's insight pages (issue 13), for supervisors, editors and administrators: what
people ask, where, in which language and channel, how long they wait for a person and what they
thought, what it costs; and the missed questions an editor turns into training examples.

Scoping: an administrator sees every organisation's handover figures, a supervisor or an
editor only their organisation's teams'. Every figure goes through the <5 rule
(engine/insight/privacy.py) before it is drawn, tabled or downloaded."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from api.deps import ConsoleSession, InsightDep
from api.insight_charts import by_day, share_by_day, stacked_bars
from api.routes.console import _check_csrf, _page, console_language
from engine.insight import figures, missed
from engine.insight.report import csv_report
from engine.insight.store import Filters, Insight
from engine.operators import Session
from remi.i18n import N_, translator

router = APIRouter(prefix="/console/insight", include_in_schema=False)
ROLES = ("supervisor", "editor", "admin")
CHANNELS = ("sms", "whatsapp")


def _reader(session: ConsoleSession) -> Session:
    if session.operator.role not in ROLES:
        raise HTTPException(404)
    return session


Reader = Annotated[Session, Depends(_reader)]


def _filters(
    session: Reader,
    start: Annotated[str | None, Query()] = None,
    end: Annotated[str | None, Query()] = None,
    language: Annotated[str | None, Query()] = None,
    channel: Annotated[str | None, Query()] = None,
    town: Annotated[str | None, Query()] = None,
) -> Filters:
    """The page's and the CSV's filters from the query, scoped to the reader's organisation."""
    today = dt.date.today()
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=6)
    except ValueError:
        raise HTTPException(400, "dates are YYYY-MM-DD") from None
    operator = session.operator
    return Filters(
        first.isoformat(),
        last.isoformat(),
        language if language in ("fr", "ha", "en") else None,
        channel if channel in CHANNELS else None,
        town or None,
        None if operator.role == "admin" else (operator.organisation,),
    )


QueryFilters = Annotated[Filters, Depends(_filters)]


@router.get("", response_class=HTMLResponse)
async def insight_page(
    request: Request,
    session: Reader,
    insight: InsightDep,
    f: QueryFilters,
) -> HTMLResponse:
    # SQLite answers in a thread: the event loop also runs the worker.
    tables, totals = await asyncio.to_thread(_figures, insight, f)
    per_day, topics, handovers, sends = tables
    people_rows = per_day.shown()
    _ = translator(console_language(request)).gettext  # the charts speak the operator's language
    charts = {
        per_day.title: stacked_bars(_("People per day, by language"), *by_day(people_rows, 0, 1, 3)),
        sends.title: stacked_bars(_("SMS segments per day"), *by_day(sends.shown(), 0, 1, 3)),
    }
    fallbacks = share_by_day(people_rows, 0, 4, 5, _("fallback %"))
    charts[per_day.title] += stacked_bars(_("Fallback % per day"), *fallbacks)
    towns = sorted({r[0] for r in topics.shown()})
    return _page(
        request,
        "console/insight.html",
        title=N_("Insight"),
        session=session,
        insight_nav=True,
        f=f,
        tables=tables,
        charts=charts,
        towns=towns,
        totals=totals,
    )


@router.get("/report.csv")
async def report_csv(
    session: Reader,
    insight: InsightDep,
    f: QueryFilters,
) -> PlainTextResponse:
    tables, _ = await asyncio.to_thread(_figures, insight, f)
    body = csv_report(tables, f)
    return PlainTextResponse(
        body,
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="remi-{f.start}-{f.end}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/missed", response_class=HTMLResponse)
async def missed_page(
    request: Request,
    session: Reader,
    insight: InsightDep,
    language: Annotated[str | None, Query()] = None,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    lang = language if language in ("fr", "ha", "en") else None
    groups = missed.grouped(await asyncio.to_thread(missed.unmarked, insight, lang))
    intents = sorted({q.intent for g in groups for q in g.questions if q.intent} | set(_intents(request)))
    return _page(
        request,
        "console/missed.html",
        title=N_("Missed questions"),
        session=session,
        insight_nav=True,
        groups=groups,
        intents=intents,
        language=lang,
        done=N_("Marked.") if done else None,
    )


@router.post("/missed/{turn}")
async def mark_missed(
    turn: int,
    session: Reader,
    insight: InsightDep,
    csrf: Annotated[str, Form()],
    mark: Annotated[str, Form()],
    intent: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
) -> RedirectResponse:
    _check_csrf(session, csrf)
    try:
        await asyncio.to_thread(missed.mark, insight, turn, mark, intent or None, session.operator.username)
    except LookupError:
        raise HTTPException(404, "no such missed question") from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    where = f"?language={language}&done=1" if language else "?done=1"
    return RedirectResponse(f"/console/insight/missed{where}", status_code=303)


def _figures(insight: Insight, f: Filters) -> tuple[list[figures.Table], dict[str, str]]:
    insight.rollup()
    return figures.all_figures(insight, f), figures.totals(insight, f)


def _intents(request: Request) -> list[str]:
    """The topics an example can teach (content/): the intents of the NLU are the topics' ids."""
    library = getattr(request.app.state, "library", None)
    return sorted(library().topics) if library else []
