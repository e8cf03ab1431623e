"""Webhooks during a sign-in flood (issue 12, item 3):

    .venv/bin/python -m bench.signin_flood [--seconds 20] [--flood 200] [--rate 20]
        [--layouts one,split,nice10,priority,quiet] [--runs N]

Starts the real stack on loopback (bench/webhooks.py: its own Redis, the action server, Rasa,
the API with its worker; Twilio's stand-in in a process of its own) and, for each layout,
floods sign-in with wrong passwords from many usernames at --flood requests/s while signed
webhooks arrive at --rate msg/s, open loop, for --seconds:
  one process   the flood and the webhooks on the same API process (which also runs the worker)
  split         the webhooks on a process of their own (API_ROUTES=webhooks, API_WORKER=false),
                the flood on the other
  split, public API at nice 10
                the same, with every thread of the process the flood reaches reniced to 10, as
                `Nice=10` in deploy/remi-api@.service does: under a flood it yields the CPU to
                the webhooks, Rasa and the worker
  priority      the same, and the webhooks process, Redis and this launcher at nice -10, as
                Nice=-10 / CPUWeight=1000 in deploy/remi-webhooks@.service (root only)
  quiet         the webhooks apart and no flood: the machine's own floor
The flood's generator runs at nice 19: an attacker's CPU is not the server's, and on a shared
2-core machine the generator would otherwise take a core from the system it measures.
Reports webhook ack p50/p99, the responses to both, and whether every acknowledged message was
answered. Writes var/bench/webhooks/signin-flood.json; docs/benchmarks.md quotes it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import time
from collections import Counter

import httpx
import redis

from bench.standin import StandInProcess
from bench.webhooks import ACCOUNT_SID, RUN_DIR, Poster, message_state, open_loop, pct, start
from tools import stack

ADDRESSES = 50


async def flood(url: str, per_second: float, seconds: float) -> Counter:
    """Wrong passwords for ever-new usernames, open loop, as an attacker spraying would."""
    counts: Counter = Counter()
    # From 50 addresses (all of 127/8 is loopback), as a flood from many machines would come:
    # one address alone is stopped by its own limit before any password is hashed.
    clients = [
        httpx.AsyncClient(
            timeout=15,
            limits=httpx.Limits(max_connections=40),
            transport=httpx.AsyncHTTPTransport(local_address=f"127.0.1.{n}"),
        )
        for n in range(1, ADDRESSES + 1)
    ]

    async def one(i: int) -> None:
        try:
            response = await clients[i % ADDRESSES].post(
                url, data={"username": f"guess{i}", "password": "wrong password"}
            )
            counts[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            counts[type(exc).__name__] += 1

    tasks, started = [], time.monotonic()
    for i in range(int(per_second * seconds)):
        await asyncio.sleep(max(0.0, started + i / per_second - time.monotonic()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    return counts


def _flood_process(url: str, per_second: float, seconds: float, results) -> None:
    os.setpriority(os.PRIO_PROCESS, 0, 19)  # absolute: os.nice would add to a launcher's -10
    results.put(dict(asyncio.run(flood(url, per_second, seconds))))


async def flood_elsewhere(url: str, per_second: float, seconds: float) -> Counter:
    """The flood from a process of its own: on one event loop with the webhooks' client it would
    delay that client, and the delay would be counted as the server's."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_flood_process, args=(url, per_second, seconds, results))
    process.start()
    counts = await asyncio.to_thread(results.get)
    await asyncio.to_thread(process.join)
    return Counter(counts)


def renice(pid: int, niceness: int) -> None:
    """Every thread of a process (Linux keeps the nice value per thread)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.setpriority(os.PRIO_PROCESS, int(task), niceness)


async def answered(redis_url: str, sids: list[str], timeout: float = 180) -> dict:
    r = redis.Redis.from_url(redis_url)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(message_state(r, sid) in ("done", "failed") for sid in sids):
            break
        await asyncio.sleep(0.5)
    states_count = Counter(message_state(r, sid) for sid in sids)
    return {"states": dict(states_count), "drained_s": round(time.monotonic() - started, 1)}


async def measure(
    env: dict[str, str], webhook_port: str, flood_port: str, args, flood_rate: float | None = None
) -> dict:
    poster = Poster(env | {"API_PORT": webhook_port})
    flood_url = f"http://127.0.0.1:{flood_port}/api/v1/auth/token"
    rate = args.flood if flood_rate is None else flood_rate
    cpu_before = os.times()
    signins, _ = await asyncio.gather(
        flood_elsewhere(flood_url, rate, args.seconds) if rate else asyncio.sleep(0, Counter()),
        open_loop(poster, args.rate, args.seconds),
    )
    cpu_after = os.times()
    await poster.http.aclose()
    return {
        "webhooks": sum(poster.counts.values()),
        "webhook_outcomes": dict(poster.counts),
        "ack_p50_ms": round(pct(poster.acks, 0.5) * 1000, 1),
        "ack_p99_ms": round(pct(poster.acks, 0.99) * 1000, 1),
        "signin_outcomes": dict(signins),
        "load_average": os.getloadavg()[0],
        "launcher_cpu_s": round(cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system, 1),
        **await answered(env["REDIS_URL"], poster.sids),
    }


async def main_async(args) -> dict:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    standin = StandInProcess(ACCOUNT_SID, token, lambda arrival: None)
    system, env = start(RUN_DIR / "flood-stack", token, standin.base_url)
    results: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cores": os.cpu_count(),
        "flood_per_s": args.flood,
        "webhooks_per_s": args.rate,
        "seconds": args.seconds,
    }
    layouts = args.layouts.split(",")
    public = next(child for child in system.children if child.name == "api")
    redis_server = next(child for child in system.children if child.name == "redis")

    def report(name: str, found: dict) -> None:
        results.setdefault(name, []).append(found)
        print(name, json.dumps(found), flush=True)

    try:
        for _ in range(args.runs):
            if "one" in layouts:
                report("one_process", await measure(env, env["API_PORT"], env["API_PORT"], args))
                await asyncio.sleep(5)
        if set(layouts) - {"one"}:
            port = str(stack.free_port())
            webhooks = system.start_api(
                "127.0.0.1", int(port), name="api-webhooks", extra_env={"API_WORKER": "false", "API_ROUTES": "webhooks"}
            )
            stack.wait_for_http(f"http://127.0.0.1:{port}/healthz", webhooks, 60)
        for _ in range(args.runs):  # the layouts in turn, so that a change in the machine's load hits each
            for layout in layouts:
                if layout == "one":
                    continue
                renice(public.process.pid, 10 if layout in ("nice10", "priority") else 0)
                # priority: as Nice=-10 in deploy/remi-webhooks@.service, and Redis (the ack waits
                # for its store script) likewise; the launcher, which
                # stands for Twilio (on another machine in real life), likewise, so that the
                # client's own wait for a core is not counted as the server's.
                favoured = -10 if layout == "priority" else 0
                renice(webhooks.process.pid, favoured)
                renice(redis_server.process.pid, favoured)  # the ack waits for Redis's store script
                renice(os.getpid(), favoured)
                flood_rate = 0 if layout == "quiet" else None
                report(f"split_{layout}", await measure(env, port, env["API_PORT"], args, flood_rate))
                renice(os.getpid(), 0)
                await asyncio.sleep(5)
    finally:
        system.stop()
        standin.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--flood", type=float, default=200, help="sign-in attempts per second")
    parser.add_argument("--rate", type=float, default=20, help="webhooks per second")
    parser.add_argument(
        "--layouts",
        default="one,split,nice10,priority",
        help="one: a single process; split: webhooks apart; nice10: and the flooded API at nice 10; "
        "priority: and the webhooks process, Redis and this launcher at nice -10 (root only); "
        "quiet: webhooks apart, no flood (the machine's floor)",
    )
    parser.add_argument("--runs", type=int, default=1, help="each layout this many times, in turn")
    results = asyncio.run(main_async(parser.parse_args()))
    (RUN_DIR / "signin-flood.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
