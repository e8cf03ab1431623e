"""Percentiles and summaries of a run (bench/traffic.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.traffic import Run, Turn


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); inf values count, so missing replies show."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(run: Run) -> dict:
    """Reply percentiles and throughput. A message the system rightly leaves unanswered (a
    person has the conversation after an emergency) is "silent": no reply is expected."""
    replies = [lat for t in run.turns for lat in t.latencies()]
    answered = [t for t in run.turns if t.done.is_set() and not t.trouble and t.replies]
    return {
        "messages": sum(1 for t in run.turns if t.expected),
        "silent": sum(1 for t in run.turns if not t.expected),
        "replies": sum(len(t.replies) for t in run.turns),
        "missing": sum(1 for v in replies if math.isinf(v)),
        "answered": len(answered),
        "trouble": sum(1 for t in run.turns if t.trouble),
        "p50": pct(replies, 50),
        "p95": pct(replies, 95),
        "p99": pct(replies, 99),
        "throughput": len(answered) / run.elapsed,
        # For diagnosis: messages that got fewer replies than when the scripts were played once.
        "missing_examples": [
            {"text": t.text, "expected": t.expected, "got": t.texts}
            for t in run.turns
            if not t.trouble and len(t.replies) < t.expected
        ][:5],
    }


def acks(turns: list[Turn]) -> dict:
    """Webhook acknowledgements: answered 2xx within the timeout, and how fast."""
    times = [(t.ack_at - t.sent_at) if t.acked and t.ack_at is not None else math.inf for t in turns]
    return {
        "sent": len(turns),
        "acked": sum(1 for t in turns if t.acked),
        "timeouts": sum(1 for t in turns if t.ack_error == "timeout"),
        "errors": sum(1 for t in turns if t.ack_error and t.ack_error != "timeout"),
        "refused": sum(1 for t in turns if t.ack_status is not None and not t.acked),
        "p50": pct(times, 50),
        "p99": pct(times, 99),
    }


def ms(seconds: float) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    if math.isinf(seconds):
        return "∞"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"
