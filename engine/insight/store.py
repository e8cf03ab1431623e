"""Where the events go: one SQLite file in WAL mode (INSIGHT_DB, under var/ by default).

Why SQLite: the service runs on one machine; the figures are GROUP BY queries over daily
tables, which SQL says plainly; there is no server to run, back up or secure. Several processes
(the API's worker, `remi worker`) may write the same file: WAL lets readers go on while one
writes, and busy_timeout queues the writers. When the service outgrows one machine, the same
tables move to PostgreSQL (docs/insight.md).

The message path never waits for the disk: `record` appends to an in-memory queue and a
thread writes it in batches (one transaction each). Raw events are kept RETENTION_DAYS; the
daily tables (no person, no text) are kept for good.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.insight.events import Row, day_of, person_of

log = logging.getLogger("remi.insight")

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
  id INTEGER PRIMARY KEY, at REAL, day TEXT, person TEXT, channel TEXT, language TEXT, intent TEXT,
  confidence REAL, topic TEXT, town TEXT, fallback INTEGER, handover INTEGER, text TEXT);
CREATE INDEX IF NOT EXISTS turns_day ON turns(day);
CREATE INDEX IF NOT EXISTS turns_missed ON turns(language) WHERE text IS NOT NULL;
CREATE TABLE IF NOT EXISTS handovers (
  id TEXT PRIMARY KEY, day TEXT, person TEXT, category TEXT, team TEXT, organisation TEXT,
  priority INTEGER, reason TEXT, opened_at REAL, claimed_at REAL, closed_at REAL, outcome TEXT, score INTEGER);
CREATE INDEX IF NOT EXISTS handovers_day ON handovers(day);
CREATE TABLE IF NOT EXISTS sends (id INTEGER PRIMARY KEY, at REAL, day TEXT, channel TEXT, segments INTEGER, status TEXT);
CREATE INDEX IF NOT EXISTS sends_day ON sends(day);
CREATE TABLE IF NOT EXISTS marks (
  turn INTEGER PRIMARY KEY, mark TEXT, intent TEXT, language TEXT, text TEXT, by TEXT, at REAL);
CREATE TABLE IF NOT EXISTS daily_turns (
  day TEXT, language TEXT, channel TEXT, town TEXT, people INTEGER, messages INTEGER, fallbacks INTEGER,
  PRIMARY KEY (day, language, channel, town));
CREATE TABLE IF NOT EXISTS daily_topics (
  day TEXT, language TEXT, channel TEXT, town TEXT, topic TEXT, people INTEGER, messages INTEGER,
  PRIMARY KEY (day, language, channel, town, topic));
CREATE TABLE IF NOT EXISTS monthly_topics (
  month TEXT, language TEXT, channel TEXT, town TEXT, topic TEXT, people INTEGER, messages INTEGER,
  PRIMARY KEY (month, language, channel, town, topic));
CREATE TABLE IF NOT EXISTS daily_handovers (
  day TEXT, team TEXT, organisation TEXT, people INTEGER, opened INTEGER, waits TEXT, handling TEXT, scores TEXT,
  PRIMARY KEY (day, team, organisation));
CREATE TABLE IF NOT EXISTS daily_sends (
  day TEXT, channel TEXT, messages INTEGER, segments INTEGER, failed INTEGER, PRIMARY KEY (day, channel));
CREATE TABLE IF NOT EXISTS dirty (day TEXT PRIMARY KEY);
"""

WRITES = {
    "turn": "INSERT INTO turns (at, day, person, channel, language, intent, confidence, topic, town, fallback, "
    "handover, text) VALUES (:at, :day, :person, :channel, :language, :intent, :confidence, :topic, :town, "
    ":fallback, :handover, :text)",
    "handover": "INSERT OR IGNORE INTO handovers (id, day, person, category, team, organisation, priority, reason, "
    "opened_at) VALUES (:id, :day, :person, :category, :team, :organisation, :priority, :reason, :opened_at)",
    "claimed": "UPDATE handovers SET claimed_at = :at WHERE id = :id AND claimed_at IS NULL",
    "transferred": "UPDATE handovers SET team = :team, organisation = :organisation WHERE id = :id",
    "closed": "UPDATE handovers SET closed_at = :at, outcome = :outcome WHERE id = :id AND closed_at IS NULL",
    "feedback": "UPDATE handovers SET score = :score WHERE id = :id",
    "send": "INSERT INTO sends (at, day, channel, segments, status) VALUES (:at, :day, :channel, :segments, :status)",
}
# The handover's day (when it was opened) is the one its later events change.
HANDOVER_DAY = "INSERT OR IGNORE INTO dirty SELECT day FROM handovers WHERE id = :id"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10.0, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last batch, never corrupt
    db.executescript(SCHEMA)
    return db


@dataclass
class Filters:
    """What the figures are limited to; `organisations` None: every organisation's handovers."""

    start: str  # YYYY-MM-DD, inclusive
    end: str
    language: str | None = None
    channel: str | None = None
    town: str | None = None
    organisations: tuple[str, ...] | None = None

    def turns_where(
        self, start: str | None = None, end: str | None = None, column: str = "day"
    ) -> tuple[str, list[Any]]:
        clauses, args = [f"{column} BETWEEN ? AND ?"], [start or self.start, end or self.end]
        for column in ("language", "channel", "town"):
            value = getattr(self, column)
            if value:
                clauses.append(f"{column} = ?")
                args.append(value)
        return " AND ".join(clauses), args


@dataclass
class Insight:
    """The recorder and the figures. `record` is all the message path calls."""

    path: Path
    retention_days: int = 90
    batch: int = 500
    clock: Callable[[], float] = time.time  # what "now" is for retention (the benchmark replays a year)
    _queue: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.db = connect(self.path)
        self._lock = threading.Lock()

    # -- writing -------------------------------------------------------------------------
    def record(self, kind: str, row: Row) -> None:
        """Queue one event; never waits for the disk (a write error is logged by the writer)."""
        if kind not in WRITES:
            raise ValueError(f"no insight event {kind!r}")
        self._queue.put((kind, row))
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._writer, name="insight-writer", daemon=True)
            self._thread.start()

    def _writer(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=5.0)
            except queue.Empty:
                return  # idle: the next record starts a new thread
            items = [first]
            while len(items) < self.batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(items)
            except sqlite3.Error as exc:
                log.error("insight: %d events not written (%s)", len(items), type(exc).__name__)

    def _write(self, items: Iterable[tuple[str, Row]]) -> None:
        """One transaction; each run of events of one kind in one executemany."""
        runs: list[tuple[str, list[Row]]] = []
        for kind, row in items:
            if runs and runs[-1][0] == kind:
                runs[-1][1].append(row)
            else:
                runs.append((kind, [row]))
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                days: set[str] = set()
                for kind, rows in runs:
                    self.db.executemany(WRITES[kind], rows)
                    if "day" in rows[0]:
                        days.update(row["day"] for row in rows)
                    else:
                        self.db.executemany(HANDOVER_DAY, rows)
                self.db.executemany("INSERT OR IGNORE INTO dirty VALUES (?)", [(d,) for d in days])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def flush(self) -> None:
        """Write whatever is queued now (tests, the report, shutdown)."""
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if items:
            self._write(items)

    # -- rolling up ----------------------------------------------------------------------
    def rollup(self) -> int:
        """Recompute the daily tables for the days that changed; prune expired raw events.
        Returns how many days were rolled up."""
        self.flush()
        with self._lock:
            # A day whose raw events are pruned keeps its figures: it is never rolled up again.
            cutoff = day_of(self.clock() - self.retention_days * 86400)
            days = [d for (d,) in self.db.execute("SELECT day FROM dirty") if d >= cutoff]
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for day in days:
                    self._rollup_day(day)
                for month in {day[:7] for day in days}:
                    self._rollup_month(month)
                self.db.execute("DELETE FROM dirty")
                self._prune()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return len(days)

    def _rollup_day(self, day: str) -> None:
        db = self.db
        for table in ("daily_turns", "daily_topics", "daily_handovers", "daily_sends"):
            db.execute(f"DELETE FROM {table} WHERE day = ?", (day,))
        db.execute(
            "INSERT INTO daily_turns SELECT day, language, channel, COALESCE(town, ''), COUNT(DISTINCT person), "
            "COUNT(*), SUM(fallback) FROM turns WHERE day = ? GROUP BY language, channel, COALESCE(town, '')",
            (day,),
        )
        db.execute(
            "INSERT INTO daily_topics SELECT day, language, channel, COALESCE(town, ''), topic, "
            "COUNT(DISTINCT person), COUNT(*) FROM turns WHERE day = ? AND topic IS NOT NULL "
            "GROUP BY language, channel, COALESCE(town, ''), topic",
            (day,),
        )
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for team, org, person, opened, claimed, closed, score in db.execute(
            "SELECT team, organisation, person, opened_at, claimed_at, closed_at, score FROM handovers WHERE day = ?",
            (day,),
        ):
            g = groups.setdefault(
                (team, org), {"people": set(), "opened": 0, "waits": [], "handling": [], "scores": []}
            )
            g["people"].add(person)
            g["opened"] += 1
            if claimed:
                g["waits"].append(round(claimed - opened))
                if closed:
                    g["handling"].append(round(closed - claimed))
            if score:
                g["scores"].append(score)
        for (team, org), g in groups.items():
            db.execute(
                "INSERT INTO daily_handovers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    day,
                    team,
                    org,
                    len(g["people"]),
                    g["opened"],
                    json.dumps(g["waits"]),
                    json.dumps(g["handling"]),
                    json.dumps(g["scores"]),
                ),
            )
        db.execute(
            "INSERT INTO daily_sends SELECT day, channel, SUM(status = 'sent'), SUM(segments), "
            "SUM(status IN ('failed', 'undelivered')) FROM sends WHERE day = ? GROUP BY channel",
            (day,),
        )

    def _rollup_month(self, month: str) -> None:
        """Topics by town over a year are 700,000 daily rows at 5,000 conversations a day: the
        month's sums (people counted per day, as in the daily table) answer long ranges."""
        self.db.execute("DELETE FROM monthly_topics WHERE month = ?", (month,))
        self.db.execute(
            "INSERT INTO monthly_topics SELECT ?, language, channel, town, topic, SUM(people), SUM(messages) "
            "FROM daily_topics WHERE day BETWEEN ? AND ? GROUP BY language, channel, town, topic",
            (month, f"{month}-01", f"{month}-31"),
        )

    def _prune(self) -> None:
        """Raw events of days older than RETENTION_DAYS (by the day index: no scan)."""
        cutoff = day_of(self.clock() - self.retention_days * 86400)
        for table in ("turns", "sends", "handovers"):
            self.db.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,))

    def erase_sender(self, sender: str) -> None:
        """A person's raw events go with the rest of their data (EFFACER); the figures stay."""
        person = person_of(sender)
        self.flush()
        with self._lock:
            self.db.execute("DELETE FROM turns WHERE person = ?", (person,))
            self.db.execute("UPDATE handovers SET person = '' WHERE person = ?", (person,))

    def close(self) -> None:
        self.flush()
        self.db.close()


def today() -> str:
    return day_of(time.time())


def percentile(values: list[int], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None
