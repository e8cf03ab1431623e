"""The insight store: events in, daily figures out, small cells suppressed, raw events pruned."""

from __future__ import annotations

import time

from engine.insight import figures
from engine.insight.events import day_of, handover_row, send_row, turn_row
from engine.insight.privacy import SUPPRESSED, cell, mask_digits
from engine.insight.store import Filters, Insight

NOW = time.time()
DAY = day_of(NOW)


def turn(sender: str, lang: str = "ha", town: str | None = "Agadez", **kw) -> dict:
    defaults = {"intent": "rights_arrest", "confidence": 0.95, "topic": "rights_arrest", "handover": None}
    return turn_row(sender, "sms", lang, "text", town=town, at=NOW, **(defaults | kw))


def test_a_cell_of_fewer_than_five_people_is_suppressed():
    assert cell(12, 4) == SUPPRESSED == "<5"
    assert cell(12, 5) == "12"
    assert cell(0.5, 0) == "<5"


def test_digit_runs_are_masked():
    assert mask_digits("mon numero 96 12 34 56, 5000 francs") == "mon numero #, # francs"


def test_figures_count_people_and_suppress_small_rows(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3")
    for n in range(6):
        insight.record("turn", turn(f"person{n}"))
        insight.record("turn", turn(f"person{n}"))
    for n in range(2):  # two French speakers only: their row must not show
        insight.record("turn", turn(f"fr{n}", lang="fr", town="Niamey"))
    insight.rollup()
    f = Filters(DAY, DAY)
    rows = {(r[1], r[2]): r for r in figures.per_day(insight, f).shown()}
    assert rows[("ha", "sms")][3:5] == ["6", "12"]
    assert rows[("fr", "sms")][3:] == [SUPPRESSED] * 3
    only_niamey = figures.per_day(insight, Filters(DAY, DAY, town="Niamey")).shown()
    assert [r[1] for r in only_niamey] == ["fr"]


def test_missed_questions_keep_a_masked_text_and_others_none(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3")
    insight.record("turn", turn_row("a", "sms", "ha", "call 0022796123456", "rights_arrest", 0.3, None, None, None))
    insight.record("turn", turn("b"))
    insight.flush()
    texts = [t for (t,) in insight.db.execute("SELECT text FROM turns ORDER BY id")]
    assert texts == ["call #", None]


def test_handover_waits_scores_and_organisation_scoping(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3")
    for n in range(6):
        for org in ("ong_a", "ong_b"):
            hid = f"{org}-{n}"
            insight.record("handover", handover_row(hid, f"p{n}{org}", "legal", f"team_{org}", org, False, "x", NOW))
            insight.record("claimed", {"id": hid, "at": NOW + 60 * (n + 1)})
            insight.record("closed", {"id": hid, "at": NOW + 600, "outcome": "closed"})
            insight.record("feedback", {"id": hid, "score": 4})
    insight.rollup()
    table = figures.handovers(insight, Filters(DAY, DAY, organisations=("ong_a",)))
    assert [r[2] for r in table.rows] == ["ong_a"]
    week, team, org, opened, wait_median, wait_p90, _, scored, mean = table.rows[0]
    assert (opened, wait_median, wait_p90, scored, mean) == (6, 3.5, 6.0, 6, 4.0)


def test_sends_count_segments_and_failures(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3")
    for n in range(5):
        insight.record("turn", turn(f"p{n}"))
    insight.record("send", send_row("sms", 2, "sent", NOW))
    insight.record("send", send_row("sms", 1, "sent", NOW))
    insight.record("send", send_row("sms", 0, "undelivered", NOW))
    insight.rollup()
    assert figures.sends(insight, Filters(DAY, DAY)).shown() == [[DAY, "sms", "2", "3", "1"]]


def test_raw_events_expire_and_daily_figures_stay(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3", retention_days=30)
    old = NOW - 40 * 86400
    insight.clock = lambda: old + 3600  # that day, the night's rollup
    for n in range(5):
        insight.record("turn", turn_row(f"p{n}", "sms", "fr", "x", "greet", 0.99, None, None, None, at=old))
    insight.rollup()
    insight.clock = time.time  # 40 days later
    insight.record("turn", turn("someone"))
    insight.rollup()
    assert insight.db.execute("SELECT COUNT(*) FROM turns").fetchone() == (1,)
    kept = figures.per_day(insight, Filters(day_of(old), day_of(old))).shown()
    assert kept[0][3:5] == ["5", "5"]
    # A late event for a pruned day never rolls it up again from nothing.
    insight.record("turn", turn_row("late", "sms", "fr", "x", "greet", 0.99, None, None, None, at=old))
    insight.rollup()
    assert figures.per_day(insight, Filters(day_of(old), day_of(old))).shown()[0][3] == "5"


def test_erasing_a_person_removes_their_raw_events_and_keeps_the_figures(tmp_path):
    insight = Insight(tmp_path / "insight.sqlite3")
    for n in range(5):
        insight.record("turn", turn(f"p{n}", intent="out_of_scope"))
    insight.rollup()
    insight.erase_sender("p0")
    assert insight.db.execute("SELECT COUNT(*) FROM turns").fetchone() == (4,)
    assert figures.per_day(insight, Filters(DAY, DAY)).shown()[0][3] == "5"


def test_topics_over_whole_months_match_the_daily_sums(tmp_path, monkeypatch):
    insight = Insight(tmp_path / "insight.sqlite3", retention_days=10_000)  # 2026's winter kept
    start = time.mktime((2026, 1, 20, 12, 0, 0, 0, 0, 0))
    for d in range(60):  # 20 January to 20 March: January's end, February whole, March's start
        for n in range(5 + d % 3):
            at = start + d * 86400
            insight.record(
                "turn", turn_row(f"p{n}", "sms", "ha", "x", "t", 0.9, f"topic{n % 2}", "Agadez", None, at=at)
            )
    insight.rollup()
    f = Filters("2026-01-25", "2026-03-15")
    with_months = figures.top_topics(insight, f).shown()
    monkeypatch.setattr(figures, "whole_months", lambda start, end: None)
    assert with_months == figures.top_topics(insight, f).shown()
    assert insight.db.execute("SELECT COUNT(*) FROM monthly_topics").fetchone()[0] >= 3
