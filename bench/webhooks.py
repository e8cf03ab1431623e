"""Webhooks kept under load and through a Redis outage (issue 12), apart from the 13-minute
system benchmark:

    .venv/bin/python -m bench.webhooks

Starts the real stack on loopback (its own Redis, the action server, Rasa, the API with its
worker; Twilio's stand-in in a process of its own), then, with bounded counts:
  burst     N concurrent senders (50, then 100), each posting 6 signed webhooks back to back:
            every response counted (200, 503, other, connection closed or timed out)
  rate      80 msg/s for 10 s, open loop, the same counts
  outage    Redis killed, 20 msg/s for 30 s (webhooks spooled), Redis started again: ack times
            during the outage, the time until the spool is replayed and until every message is
            answered
Prints the figures and writes them to var/bench/webhooks.json. docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import secrets
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import redis
from cryptography.fernet import Fernet

from bench.standin import StandInProcess
from engine import keys
from engine.spool import directory_for
from engine.storage import as_text
from tools import stack
from tools.twilio_standin import inbound_form, signed_webhook

RUN_DIR = stack.ROOT / "var" / "bench" / "webhooks"
ACCOUNT_SID = "AC" + "7" * 32
SMS_FROM = "+22780000000"
PUBLIC = "https://remi.example.org"
PATH = "/webhooks/twilio/messages"
TEXTS = ("Bonjour", "1", "je suis à Agadez", "j'ai perdu mon passeport", "merci", "MENU")
_numbers = itertools.count(random.randrange(1_000_000, 8_000_000))


def new_number() -> str:
    return f"+2279{next(_numbers):07d}"


def start(run_dir: Path, token: str, twilio_url: str) -> tuple[stack.Stack, dict[str, str]]:
    ports = {name: stack.free_port() for name in ("redis", "api", "rasa", "actions")}
    env = dict(os.environ) | {
        "ENVIRONMENT": "production",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_API_BASE_URL": twilio_url,
        "PUBLIC_BASE_URL": PUBLIC,
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "CONTACT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(ports["api"]),
        "REMI_TRACKER_TTL": str(90 * 86400),
        "DATA_DIR": str(run_dir),
        "INBOUND_PER_SENDER_PER_MINUTE": "1000",  # the load is from few numbers; not what is measured
    }
    system = stack.Stack(env=env, run_dir=run_dir)
    system.start_redis(ports["redis"], run_dir / "redis")
    actions = system.start_actions(ports["actions"])
    rasa = system.start_rasa(ports["rasa"], stack.train(quiet=True))
    api = system.start_api("127.0.0.1", ports["api"])
    stack.wait_for_http(f"{env['ACTION_SERVER_URL']}/health", actions, 120)
    stack.wait_for_http(f"{env['RASA_URL']}/", rasa, 300)
    stack.wait_for_http(f"http://127.0.0.1:{ports['api']}/healthz", api, 60)
    return system, env


class Poster:
    def __init__(self, env: dict[str, str]):
        self.url = f"http://127.0.0.1:{env['API_PORT']}{PATH}"
        self.token = env["TWILIO_AUTH_TOKEN"]
        self.http = httpx.AsyncClient(timeout=15, limits=httpx.Limits(max_connections=200))
        self.counts: Counter = Counter()
        self.acks: list[float] = []
        self.sids: list[str] = []

    async def post(self, number: str, text: str) -> None:
        form = inbound_form(text, number, SMS_FROM, ACCOUNT_SID)
        body, headers = signed_webhook(PUBLIC + PATH, self.token, form)
        started = time.monotonic()
        try:
            response = await self.http.post(self.url, content=body, headers=headers)
            outcome = str(response.status_code)
        except httpx.TimeoutException:
            outcome = "timeout"
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        self.acks.append(time.monotonic() - started)
        self.counts[outcome] += 1
        if outcome == "200":
            self.sids.append(form["MessageSid"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def message_state(r: redis.Redis, sid: str) -> str:
    """A message's state in the inbox ("missing" before the webhook stored it)."""
    state = r.hget(keys.MESSAGE_RECORD.key(sid), "state")
    return "missing" if state is None else as_text(state)


async def burst(env: dict[str, str], senders: int, each: int = 6) -> dict:
    poster = Poster(env)

    async def person() -> None:
        number = new_number()
        for text in TEXTS[:each]:
            await poster.post(number, text)

    await asyncio.gather(*(person() for _ in range(senders)))
    await poster.http.aclose()
    return {
        "senders": senders,
        "webhooks": sum(poster.counts.values()),
        "outcomes": dict(poster.counts),
        "ack_p50": pct(poster.acks, 0.5),
        "ack_p99": pct(poster.acks, 0.99),
    }


async def open_loop(poster: Poster, rate: float, seconds: float) -> None:
    numbers = [new_number() for _ in range(int(rate * 3))]  # each number every ~3 s
    tasks, started = [], time.monotonic()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(poster.post(numbers[i % len(numbers)], TEXTS[i % len(TEXTS)])))
    await asyncio.gather(*tasks)


async def rate(env: dict[str, str], per_second: float = 80, seconds: float = 10) -> dict:
    poster = Poster(env)
    await open_loop(poster, per_second, seconds)
    await poster.http.aclose()
    return {
        "rate": per_second,
        "seconds": seconds,
        "webhooks": sum(poster.counts.values()),
        "outcomes": dict(poster.counts),
        "ack_p50": pct(poster.acks, 0.5),
        "ack_p99": pct(poster.acks, 0.99),
    }


async def outage(system: stack.Stack, env: dict[str, str], per_second: float = 20, seconds: float = 30) -> dict:
    port = int(env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    spool = directory_for(Path(env["DATA_DIR"]), env["REDIS_URL"])
    redis_child = next(c for c in reversed(system.children) if c.name == "redis" and c.process.poll() is None)
    os.killpg(redis_child.process.pid, signal.SIGKILL)
    redis_child.process.wait(10)
    poster = Poster(env)
    await open_loop(poster, per_second, seconds)
    spooled = sum(len(p.read_bytes().splitlines()) for p in spool.glob("*.spool"))
    restarted = time.monotonic()
    system.start_redis(port, Path(env["DATA_DIR"]) / "redis")
    while list(spool.glob("*.spool")) and time.monotonic() - restarted < 120:
        await asyncio.sleep(0.1)
    replayed = time.monotonic() - restarted
    r = redis.Redis(port=port)
    while time.monotonic() - restarted < 300:
        if all(message_state(r, sid) in ("done", "failed") for sid in poster.sids):
            break
        await asyncio.sleep(0.5)
    answered = time.monotonic() - restarted
    states = Counter(message_state(r, sid) for sid in poster.sids)
    await poster.http.aclose()
    return {
        "rate": per_second,
        "seconds": seconds,
        "webhooks": sum(poster.counts.values()),
        "outcomes": dict(poster.counts),
        "ack_p50": pct(poster.acks, 0.5),
        "ack_p99": pct(poster.acks, 0.99),
        "spooled": spooled,
        "spool_replayed_s": replayed,
        "all_answered_s": answered,
        "states": dict(states),
    }


def spool_throughput(run_dir: Path, count: int = 500) -> dict:
    """Appends per second to a spool file (encrypt, write, fsync each), on this machine's disk."""
    from engine.identity import Contact, ContactCipher
    from engine.inbox import InboundMessage, Inbox
    from engine.spool import Spool
    from engine.storage import connect

    async def go() -> float:
        key = Fernet.generate_key().decode()
        # Appends only: nothing is replayed, so this inbox's Redis is never reached.
        unused = Inbox(connect("redis://127.0.0.1:1"), ContactCipher(key), retention_seconds=3600)
        spool = Spool(run_dir / "throughput", inbox=unused, key=key)
        contact = Contact("+22790000000", "sms")
        started = time.monotonic()
        for i in range(count):
            message = InboundMessage(f"SM{i:032d}", "sender", "sms", "Bonjour, j'ai perdu mon passeport", time.time())
            await spool.keep(message, contact)
        took = time.monotonic() - started
        spool.close()
        return took

    took = asyncio.run(go())
    return {"appends": count, "seconds": took, "per_second": count / took}


async def main_async() -> dict:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    standin = StandInProcess(ACCOUNT_SID, token, lambda arrival: None)
    system, env = start(RUN_DIR / "stack", token, standin.base_url)
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count()}
    try:
        results["burst"] = [await burst(env, 50), await burst(env, 100)]
        print(json.dumps(results["burst"], indent=1), flush=True)
        await asyncio.sleep(20)  # let the worker drain before the next load
        results["rate"] = await rate(env)
        print(json.dumps(results["rate"], indent=1), flush=True)
        await asyncio.sleep(20)
        results["outage"] = await outage(system, env)
        print(json.dumps(results["outage"], indent=1), flush=True)
    finally:
        system.stop()
        standin.stop()
    return results


def main() -> int:
    results = asyncio.run(main_async())
    results["spool_throughput"] = spool_throughput(RUN_DIR)
    (RUN_DIR / "webhooks.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
