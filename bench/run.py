"""`remi bench [--quick]`: the whole system beside plain Rasa, in one run (issue 8).

Starts, on loopback only: the Twilio stand-in (its own process), `remi serve` once for the cold
start, then this system (Redis, the action server, Rasa, the API) and plain Rasa (Rasa 3.6's
Twilio connector, same model, same action server); measures latency, capacity, overload,
memory and SMS cost; prints the table and writes docs/benchmarks.md ("System benchmark").
Every load is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import resource
import secrets
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bench import cold_start, cost, mix, resources, stats, system_report, systems
from bench.standin import StandInProcess
from bench.traffic import Registry, Sender, Target, Turn, calibrate, closed_loop, open_loop
from tools import stack

RUN_DIR = stack.ROOT / "var" / "bench"
DELAYS = (0.0, 0.150)
LADDER = (5, 10, 20, 30, 40, 50, 60, 80)  # msg/s, stepped up until reply p95 reaches 2 s
BELOW = (2, 1)  # stepped down to when even the first rung fails
P95_LIMIT = 2.0


@dataclass
class Plan:
    latency_seconds: float  # per concurrency level
    levels: tuple[int, ...]
    step_seconds: float  # per capacity rung
    overload_rate: int
    overload_seconds: float
    drain_seconds: float


FULL = Plan(
    latency_seconds=15, levels=(1, 10, 50), step_seconds=10, overload_rate=80, overload_seconds=20, drain_seconds=90
)
QUICK = Plan(
    latency_seconds=5, levels=(1, 10, 50), step_seconds=4, overload_rate=80, overload_seconds=5, drain_seconds=40
)


@dataclass
class Results:
    quick: bool
    plan: dict
    started: str
    machine: dict
    mix: dict
    cold_start: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)  # system -> {(script, step) as "id#i": [texts]}
    latency: list[dict] = field(default_factory=list)
    capacity: list[dict] = field(default_factory=list)
    overload: list[dict] = field(default_factory=list)
    memory: dict = field(default_factory=dict)
    cost: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)
    rasa_validation: dict = field(default_factory=dict)
    seconds: float = 0.0


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": model,
        "load_before": os.getloadavg()[0],
    }


async def settle(registry: Registry, quiet: float = 2.0, timeout: float = 30.0) -> None:
    """Wait until no reply has arrived for `quiet` seconds (the last load has drained)."""
    deadline = time.monotonic() + timeout
    last = -1
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        seen = (
            sum(len(c.loose) + sum(len(t.replies) for t in c.turns) for c in registry.conversations.values())
            + registry.stray
        )
        if seen != last:
            last, quiet_since = seen, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
        await asyncio.sleep(0.25)


async def capacity(sender: Sender, scripts, plan: Plan, registry: Registry, label: str, processes: dict) -> list[dict]:
    """Step the open-loop rate up the ladder until reply p95 reaches 2 s, then try once between
    the last rate that held and the first that did not."""
    steps: list[dict] = []

    async def step(rate: int) -> bool:
        with resources.CpuMeter(processes) as cpu:
            run = await open_loop(sender, scripts, rate, plan.step_seconds, plan.drain_seconds, seed=rate)
        row: dict[str, Any] = {
            "rate": rate,
            "latency": stats.latency(run),
            "acks": stats.acks(run.turns),
            "cpu_ms": cpu.per_message(len(run.turns)),
            "others": cpu.others,
        }
        steps.append(row)
        ok = row["latency"]["p95"] < P95_LIMIT
        log(
            f"  {label} {rate:>3} msg/s: reply p95 {stats.ms(row['latency']['p95'])}, "
            f"ack p99 {stats.ms(row['acks']['p99'])}, acked {row['acks']['acked']}/{row['acks']['sent']}, "
            f"others {cpu.others:.1f} cores"
            f" -> {'holds' if ok else 'too slow'}"
        )
        await settle(registry)
        return ok

    passed, failed = 0, None
    for rate in LADDER:
        if await step(rate):
            passed = rate
        else:
            failed = rate
            break
    if passed == 0:
        for rate in BELOW:
            if await step(rate):
                passed = rate
                break
            failed = rate
    if failed and passed and failed - passed > 1:
        await step((passed + failed) // 2)
    return steps


async def main_async(quick: bool) -> Results:
    plan = QUICK if quick else FULL
    began = time.monotonic()
    scripts = mix.script_pool()
    lang_of = {s.id: s.lang for s in scripts}
    results = Results(
        quick,
        asdict(plan) | {"ladder": LADDER},
        dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        machine(),
        {
            "scripts": len(scripts),
            "messages": sum(len(s.steps) for s in scripts),
            "composition": mix.composition(scripts),
        },
    )
    if RUN_DIR.exists():
        shutil.rmtree(RUN_DIR)
    RUN_DIR.mkdir(parents=True)
    loop = asyncio.get_running_loop()
    registry = Registry(loop)
    connector = aiohttp.TCPConnector(limit=4000, limit_per_host=4000)
    http = aiohttp.ClientSession(connector=connector)
    standin: StandInProcess | None = None
    running: systems.Systems | None = None
    sampler: resources.MemorySampler | None = None
    try:
        # 1. Cold start, while nothing else runs.
        log("cold start: `remi serve` with a trained model, to the first answer...")
        model = stack.train()
        results.cold_start = await _cold(registry, http, model)
        log(
            f"  ready in {results.cold_start['ready']:.1f} s, first answer at "
            f"{results.cold_start['first_answer']:.1f} s"
        )

        # 2. The two systems.
        log("starting this system and plain Rasa (Redis, action server, two Rasa, API)...")
        t0 = time.monotonic()
        standin, running = await _start(registry)
        log(f"  started in {time.monotonic() - t0:.0f} s")
        from engine.config import Settings

        results.machine["worker_concurrency"] = int(
            running.env.get("WORKER_CONCURRENCY", Settings.model_fields["worker_concurrency"].default)
        )
        token = running.env["TWILIO_AUTH_TOKEN"]
        ours_t = Target(
            "this system",
            running.api_url + "/webhooks/twilio/messages",
            systems.PUBLIC_BASE_URL + "/webhooks/twilio/messages",
            token,
            systems.ACCOUNT_SID,
            systems.SMS_FROM,
        )
        plain_t = Target(
            "plain Rasa",
            running.plain_url + "/webhooks/twilio/webhook",
            systems.PUBLIC_BASE_URL + "/webhooks/twilio/webhook",
            token,
            systems.ACCOUNT_SID,
            systems.SMS_FROM,
        )
        redis = Redis.from_url(running.redis_url)

        async def ours_turn_over(turn: Turn) -> bool:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if turn.sid and (await redis.hget(f"remi:msg:{turn.sid}", "state")) == b"done":
                    return True
                await asyncio.sleep(0.05)
            return False

        async def plain_turn_over(turn: Turn) -> bool:
            deadline = time.monotonic() + 30
            while turn.ack_at is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return turn.ack_at is not None

        # 3. Calibration: what each message gives back, per system (also warms both up).
        log("calibration: one play of every script on each system...")
        senders = {}
        for name, target, turn_over in (("ours", ours_t, ours_turn_over), ("plain", plain_t, plain_turn_over)):
            probe = Sender(target, http, registry, {})
            replies = await calibrate(probe, scripts, turn_over)
            results.calibration[name] = {f"{k[0]}#{k[1]}": v for k, v in replies.items()}
            expected = {k: len(v) for k, v in replies.items()}
            senders[name] = Sender(target, http, registry, expected)
            empty = sum(1 for v in expected.values() if v == 0)
            log(
                f"  {name}: {sum(expected.values())} replies to {len(expected)} messages"
                f"{f', {empty} messages without any reply' if empty else ''}"
            )
            await settle(registry)
            results.cost[f"sent_{name}"] = cost.sent_cost(replies, lang_of)
        results.cost["content"] = cost.content_cost(int(running.env.get("SMS_MAX_SEGMENTS_PER_PAGE", "2")))

        # 4. Memory at rest.
        processes = running.processes()
        resources.wait_quiet_cpu(processes)
        rest = resources.MemorySampler(processes).snapshot()
        sampler = resources.MemorySampler(processes).start()
        sampler.groups = {"ours": ["redis", "actions", "rasa", "api"], "plain": ["redis", "actions", "plain-rasa"]}
        sampler.loaded = True

        # 5. Latency and capacity, with an instant and a 150 ms stand-in.
        for delay in DELAYS:
            standin.set_delay(delay)
            tag = f"{delay * 1000:.0f} ms stand-in"
            for level in plan.levels:
                for name in ("ours", "plain"):
                    with resources.CpuMeter(processes) as cpu:
                        run = await closed_loop(senders[name], scripts, level, plan.latency_seconds)
                    row = {
                        "delay": delay,
                        "senders": level,
                        "system": name,
                        **stats.latency(run),
                        "acks": stats.acks(run.turns),
                        "cpu_ms": cpu.per_message(len(run.turns)),
                        "others": cpu.others,
                        "bench": cpu.bench,
                    }
                    results.latency.append(row)
                    log(
                        f"latency, {tag}, {level:>2} senders, {name:>5}: p50 {stats.ms(row['p50'])}, "
                        f"p95 {stats.ms(row['p95'])}, p99 {stats.ms(row['p99'])}, {row['throughput']:.1f} msg/s"
                        f" ({row['answered']}/{row['messages']} answered; other processes on the machine: "
                        f"{cpu.others:.1f} cores)"
                    )
                    await settle(registry)
            for name in ("ours", "plain"):
                log(f"capacity, {tag}, {name}:")
                steps = await capacity(senders[name], scripts, plan, registry, name, processes)
                results.capacity.append({"delay": delay, "system": name, "steps": steps})

        # 6. Overload.
        standin.set_delay(0.0)
        for name in ("ours", "plain"):
            log(f"overload: {plan.overload_rate} msg/s for {plan.overload_seconds:.0f} s, {name}...")
            with resources.CpuMeter(processes) as cpu:
                run = await open_loop(
                    senders[name], scripts, plan.overload_rate, plan.overload_seconds, plan.drain_seconds, seed=99
                )
            lat = stats.latency(run)
            answered = sum(1 for t in run.turns if t.replies or not t.expected)
            complete = sum(1 for t in run.turns if t.done.is_set())
            row = {
                "system": name,
                "acks": stats.acks(run.turns),
                "latency": lat,
                "answered": answered,
                "complete": complete,
                "drain": max(0.0, run.finished - run.last_send),
                "sent_seconds": run.last_send - run.started,
                "others": cpu.others,
            }
            results.overload.append(row)
            log(
                f"  {name}: acked {row['acks']['acked']}/{row['acks']['sent']} (timeouts {row['acks']['timeouts']},"
                f" errors {row['acks']['errors']}), answered {answered}, all replies for {complete}, "
                f"drain {row['drain']:.1f} s"
            )
            await settle(registry, timeout=60)

        sampler.loaded = False
        results.memory = {
            "rest": rest,
            "peak": dict(sampler.peak),
            "peak_totals": dict(sampler.peak_totals),
            "groups": sampler.groups,
        }

        # 7. Where the time goes: Rasa's check of each custom action's answer, as shipped and as
        # this system's Rasa does it; and a profile wherever this system is slower than plain Rasa.
        results.rasa_validation = await asyncio.to_thread(_rasa_validation)
        slower = system_report.slower_than_plain(results)
        if slower:
            from bench import profile

            log(f"profiling this system where it is slower than plain Rasa: {slower[0]['why']}")
            results.profile = await profile.profile(
                running, senders["ours"], scripts, slower[0], plan.latency_seconds, RUN_DIR, standin
            )
        await redis.aclose()
    finally:
        if sampler:
            sampler.stop()
        await http.close()
        if running:
            running.stop()
        if standin:
            standin.stop()
    results.seconds = time.monotonic() - began
    return results


def _rasa_validation() -> dict:
    try:
        out = subprocess.run(
            [str(stack.RASA_PYTHON), str(stack.ROOT / "bench" / "rasa_validation.py")],
            cwd=stack.ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ | systems.RASA_ENV,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return {}


async def _cold(registry: Registry, http, model: Path) -> dict:
    token = secrets.token_hex(16)
    standin = StandInProcess(systems.ACCOUNT_SID, token, registry.on_arrival)
    try:
        measured = await cold_start.measure(RUN_DIR / "cold-start", standin.base_url, token, registry, http)
    finally:
        standin.stop()
    return asdict(measured) | {"model": model.name}


async def _start(registry: Registry) -> tuple[StandInProcess, systems.Systems]:
    # The stand-in checks the account's credentials, as Twilio does: it gets the same token.
    token = secrets.token_hex(16)
    standin = StandInProcess(systems.ACCOUNT_SID, token, registry.on_arrival)
    try:
        running = await asyncio.to_thread(systems.start, RUN_DIR / "systems", standin.base_url, token)
    except Exception:
        standin.stop()
        raise
    return standin, running


def main(quick: bool = False) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    try:
        import uvloop

        results = uvloop.run(main_async(quick))
    except ImportError:
        results = asyncio.run(main_async(quick))
    (RUN_DIR / "results.json").write_text(json.dumps(asdict(results), indent=1, default=str))
    table = system_report.table(results)
    print(table)
    if quick:
        log(f"quick run: docs/benchmarks.md left as it is (the table above is in {RUN_DIR}/results.json)")
    else:
        system_report.write_docs(results)
        log("written to docs/benchmarks.md")
    return 0 if results.latency else 1
