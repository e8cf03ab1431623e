"""Insight at a busy service's scale (issue 13):

    .venv/bin/python -m bench.insight [--days 365] [--conversations 5000] [--turns 5]

1. Fills a fresh SQLite file (var/bench/insight/insight.sqlite3) with --days of synthetic
   events at --conversations a day (--turns messages each, a handover for 4 % of them, two
   sends a message), day by day as the service would: raw events written by the recorder,
   rolled up each night, raw events older than RETENTION_DAYS (90) pruned.
2. Times the dashboard's queries (every figure of the insight page, the whole year and the last
   week, with and without filters, and one organisation's handovers), each 5 times: best and worst.
3. The write cost on the worker path: the time `record_turn` takes in the worker (an append to
   a queue), and the writer thread's CPU per message (a message = its turn and two sends).
Prints the figures and writes var/bench/insight/insight.json; docs/benchmarks.md quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import random
import resource
import time
from pathlib import Path
from types import SimpleNamespace

from engine.config import ROOT
from engine.insight import figures
from engine.insight.events import handover_row, record_turn, send_row, turn_row
from engine.insight.store import Filters, Insight

RUN_DIR = ROOT / "var" / "bench" / "insight"
LANGUAGES: tuple[str, ...] = ("ha", "fr", "en")
SHARES: tuple[float, ...] = (0.5, 0.4, 0.1)
TOWNS = ("Agadez", "Niamey", "Zinder", "Maradi", "Tahoua", "Dirkou", "Arlit", None)
TOPICS = tuple(f"topic_{n}" for n in range(40))
TEAMS = (("hotline", "remi"), ("hotline-ha", "remi"), ("legal", "ong_a"), ("protection", "ong_b"))


def fill(insight: Insight, days: int, conversations: int, turns: int, rng: random.Random) -> float:
    """Returns the seconds it took (writes, rollups and pruning, all days)."""
    start = time.monotonic()
    first = time.time() - days * 86400
    for d in range(days):
        base = first + d * 86400
        rows = []
        for c in range(conversations):
            sender = f"{d}-{c}-{rng.random()}"
            lang = rng.choices(LANGUAGES, SHARES)[0]
            channel = "whatsapp" if rng.random() < 0.3 else "sms"
            town = rng.choice(TOWNS)
            for t in range(turns):
                confidence = rng.random()
                fallback = confidence < 0.1
                text = "zorglub blip flarp" if fallback or confidence < 0.5 else ""
                topic = None if fallback else rng.choice(TOPICS)
                rows.append(
                    (
                        "turn",
                        turn_row(
                            sender,
                            channel,
                            lang,
                            text,
                            "topic_1",
                            confidence,
                            topic,
                            town,
                            None,
                            fallback,
                            base + c * 10 + t,
                        ),
                    )
                )
                rows.append(("send", send_row(channel, rng.choice((1, 1, 2, 3)), "sent", base + c * 10 + t)))
                rows.append(("send", send_row(channel, 1, "sent", base + c * 10 + t)))
            if rng.random() < 0.04:
                team, org = rng.choice(TEAMS)
                hid = f"h{d}-{c}"
                rows.append(("handover", handover_row(hid, sender, "general", team, org, False, "x", base + c * 10)))
                rows.append(("claimed", {"id": hid, "at": base + c * 10 + rng.expovariate(1 / 900)}))
                rows.append(("closed", {"id": hid, "at": base + c * 10 + 3600, "outcome": "closed"}))
                rows.append(("feedback", {"id": hid, "score": rng.randint(1, 5)}))
        for i in range(0, len(rows), insight.batch):
            insight._write(rows[i : i + insight.batch])
        insight.clock = functools.partial(float, base + 86400)  # the night after that day
        insight.rollup()
    return time.monotonic() - start


def time_queries(insight: Insight, days: int) -> dict[str, dict[str, float]]:
    end = dt.date.today()
    year, week = (end - dt.timedelta(days=days)).isoformat(), (end - dt.timedelta(days=6)).isoformat()
    cases = {
        "insight page, last week": Filters(week, end.isoformat()),
        "insight page, whole year": Filters(year, end.isoformat()),
        "insight page, year, Hausa SMS in Agadez": Filters(year, end.isoformat(), "ha", "sms", "Agadez"),
        "insight page, year, one organisation": Filters(year, end.isoformat(), organisations=("ong_a",)),
    }
    out = {}
    for name, f in cases.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            insight.rollup()  # nothing to do: the page calls it first all the same
            for table in figures.all_figures(insight, f):
                table.shown()
            times.append(time.perf_counter() - started)
        out[name] = {"best_ms": round(min(times) * 1000, 1), "worst_ms": round(max(times) * 1000, 1)}
    return out


def write_cost(path: Path, messages: int = 20_000) -> dict[str, float]:
    """The worker's call, and the writer thread's CPU, per message."""
    insight = Insight(path)
    message = SimpleNamespace(sender="s", channel="sms", body="ina son magana da mutum", received_at=time.time())
    profile = SimpleNamespace(reply_language="ha", city="Agadez")
    outcome = SimpleNamespace(
        intent="human_operator", confidence=0.97, topic="human_operator", handover=None, fallback=False, feedback=None
    )

    def cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_SELF)
        return used.ru_utime + used.ru_stime

    cpu_before, started = cpu(), time.perf_counter()
    for _ in range(messages):
        record_turn(insight, message, profile, outcome)  # type: ignore[arg-type]
        insight.record("send", send_row("sms", 2, "sent"))
        insight.record("send", send_row("sms", 1, "sent"))
    on_path = time.perf_counter() - started
    insight.flush()  # what the writer thread had not written yet
    # All the process's CPU for recording and writing them: the worker's calls and the writer
    # thread together, which is what competes with the worker for the cores.
    used = cpu() - cpu_before
    written = insight.db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
    assert written == messages, f"{written} turns written of {messages}"
    return {
        "record_on_worker_path_us": round(on_path / messages * 1e6, 1),
        "cpu_per_message_us": round(used / messages * 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for old in RUN_DIR.glob("*.sqlite3*"):
        old.unlink()
    path = RUN_DIR / "insight.sqlite3"
    insight = Insight(path, retention_days=90)
    filled = fill(insight, args.days, args.conversations, args.turns, random.Random(13))
    insight.clock = time.time
    raw = insight.db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
    daily = insight.db.execute("SELECT COUNT(*) FROM daily_turns").fetchone()[0]
    result = {
        "days": args.days,
        "conversations_per_day": args.conversations,
        "messages_per_day": args.conversations * args.turns,
        "fill_seconds": round(filled, 1),
        "file_mb": round(sum(p.stat().st_size for p in RUN_DIR.glob("insight.sqlite3*")) / 1e6, 1),
        "raw_turns_kept": raw,
        "daily_turn_rows": daily,
        "queries": time_queries(insight, args.days),
        "write_cost": write_cost(RUN_DIR / "write-cost.sqlite3"),
    }
    (RUN_DIR / "insight.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
