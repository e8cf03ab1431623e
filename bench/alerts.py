"""Alert broadcast benchmark (issue 15): the real stack (as the tests start it) and the Twilio
stand-in; 10,000 subscribers of Agadez written straight into Redis; conversation replies timed
(signed webhook → the reply at the stand-in) with no broadcast, then while the alert goes to all
10,000 at ALERT_PER_SECOND_PER_NUMBER; the broadcast's throughput from the stand-in's clock.

    PYTHONPATH=. .venv/bin/python -m bench.alerts [--subscribers 10000] [--rate 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.support.alerts import subscribe_directly
from tests.support.operators import operator
from tests.support.system import new_number, start_system

HEADING = "Alerte Re.Mi., Agadez :"
QUESTIONS = ["MENU", "j'ai perdu mon passeport", "1", "je cherche un médecin à Agadez", "MENU", "2"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def converse(system, seconds: float, people: int = 4) -> list[float]:
    """Closed loop: `people` phones, each a message, its reply, 0.5 s, the next; reply latencies."""
    found: list[float] = []
    stop_at = time.monotonic() + seconds

    def one(number: str) -> None:
        system.converse("Bonjour", number, quiet=0.8)
        i = 0
        while time.monotonic() < stop_at:
            before = len(system.twilio.sent_to(number))
            started = time.time()
            system.send(QUESTIONS[i % len(QUESTIONS)], number)
            got = system.twilio.wait_for(number, before + 1, timeout=30)
            if len(got) > before:
                found.append(got[before].received_at - started)
            time.sleep(0.5)
            i += 1

    threads = [threading.Thread(target=one, args=(new_number(),)) for _ in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--quiet-seconds", type=float, default=45.0)
    args = parser.parse_args()

    system = start_system(
        Path(tempfile.mkdtemp(prefix="bench-alerts-")), {"ALERT_PER_SECOND_PER_NUMBER": str(args.rate)}
    )
    try:
        made = time.monotonic()
        for start in range(0, args.subscribers, 1000):
            subscribe_directly(system, [new_number() for _ in range(min(1000, args.subscribers - start))], "Agadez")
        print(f"{args.subscribers} subscribers written in {time.monotonic() - made:.0f}s", flush=True)
        quiet = converse(system, args.quiet_seconds)
        print(
            f"no broadcast: {len(quiet)} replies, p50 {statistics.median(quiet):.3f}s p95 {p95(quiet):.3f}s", flush=True
        )

        author, approver = operator(system, "hotline", "supervisor"), operator(system, "hotline", "supervisor")
        alert = author.post("/api/v1/alerts", json={"towns": ["Agadez"], "texts": {"fr": "Contrôles sur la route."}})
        alert_id = alert.json()["id"]
        approved_at = time.time()
        approver.post(f"/api/v1/alerts/{alert_id}/approve")
        busy: list[float] = []
        while author.get(f"/api/v1/alerts/{alert_id}").json()["status"] != "sent":
            busy += converse(system, 20)
        arrivals = sorted(m.received_at for m in system.twilio.messages if m.body.startswith(HEADING))
        span = arrivals[-1] - arrivals[0]
        print(
            f"broadcast: {len(arrivals)} messages in {span:.1f}s = {len(arrivals) / span:.1f}/s "
            f"(configured {args.rate:g}/s); first after {arrivals[0] - approved_at:.2f}s",
            flush=True,
        )
        print(f"during the broadcast: {len(busy)} replies, p50 {statistics.median(busy):.3f}s p95 {p95(busy):.3f}s")
    finally:
        system.stack.stop()
        system.twilio.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
