"""Where the time goes in this system, where it is slower than plain Rasa: py-spy samples of the
API (with its worker), Rasa and the action server during a closed-loop run at that level, and
the stages of each message from the timestamps the system keeps itself (received_at in
engine/inbox.py, answered_at in engine/worker.py, created_at in engine/outbox.py)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench import resources, stats
from bench.traffic import Sender, closed_loop
from engine.storage import as_text

RATE = 50  # samples per second: enough to rank, light enough not to change what it measures
PROCESSES = ("api", "rasa", "actions")
PLUMBING = (
    "<frozen runpy>",
    "connection_task",
    "handle_request",
    "serve_application",
    "Worker._loop",
    "Worker.drain",
    "handler (rasa/core/channels/channel.py)",
    "receive (bot/channels/worker.py)",
    "asyncio/",
    "uvloop/",
    "threading.py",
    "sanic/server/",
    "uvicorn/",
    "<module>",
    "runpy.py",
    "click/",
    "rasa/__main__.py",
    "rasa/cli/",
    "rasa/api.py",
    "sanic/app.py",
    "sanic/mixins/",
    "actions/server.py",
    "engine/worker.py (_loop",
    "sanic/http",
    "starlette/",
    "fastengine/handover/routing.py",
)


def _py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


# A thread whose innermost Python frame is one of these is waiting for work (the event loop
# runs in C under uvloop), not working.
IDLE = (
    "Runner.run (asyncio/runners.py",
    "serve (sanic/server/runners.py",
    "select (selectors.py",
    "Condition.wait (threading.py",
    "Queue.get (queue.py",
    "_run_once (asyncio/base_events.py",
    "run_forever (asyncio/base_events.py",
    "Event.wait (threading.py",
    "Thread.join (threading.py",
)


def summarise(raw: Path, seconds: float) -> dict:
    """The functions and packages a process's working samples are in, from py-spy's raw output
    (working: running Python, or blocked inside a call such as a synchronous socket read)."""
    inclusive: Counter[str] = Counter()
    leaf_package: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if frames[-1].startswith(IDLE):
            idle += n
            continue
        total += n
        seen = set()
        for frame in frames:
            name = frame.split(":")[0] + ")" if "(" in frame else frame  # drop the line number
            if name not in seen:
                seen.add(name)
                inclusive[name] += n
        leaf = frames[-1]
        path = leaf[leaf.find("(") + 1 :].split(":")[0] if "(" in leaf else leaf
        leaf_package[path.split("/")[0] if "/" in path else path] += n
    functions = [
        (name, n / total)
        for name, n in inclusive.most_common(80)
        if not any(p in name for p in PLUMBING) and n / total < 0.97
    ][:14]
    return {
        "busy": total / max(1, total + idle),
        "samples": total,
        "functions": functions,
        "packages": [(k, v / total) for k, v in leaf_package.most_common(8)] if total else [],
    }


async def stages(redis_url: str, turns) -> dict:
    """Median and p95 of each stage of a message, from the system's own timestamps."""
    redis = Redis.from_url(redis_url)
    parts: dict[str, list[float]] = {
        "webhook → stored": [],
        "stored → answered (queue, conversation, Rasa)": [],
        "answered → send starts": [],
        "send starts → first reply at the stand-in": [],
        "each further reply of the message, after the one before": [],
    }
    try:
        for turn in turns:
            if not turn.replies:
                continue
            msg = await redis.hmget(f"remi:msg:{turn.sid}", "received_at", "answered_at")
            out = await redis.hget(f"remi:out:{turn.sid}:0", "created_at")
            if not all(msg) or not out:
                continue
            received, answered, created = float(as_text(msg[0])), float(as_text(msg[1])), float(as_text(out))
            parts["webhook → stored"].append(received - turn.sent_at)
            parts["stored → answered (queue, conversation, Rasa)"].append(answered - received)
            parts["answered → send starts"].append(created - answered)
            parts["send starts → first reply at the stand-in"].append(turn.replies[0] - created)
            parts["each further reply of the message, after the one before"] += [
                b - a for a, b in zip(turn.replies, turn.replies[1:], strict=False)
            ]
    finally:
        await redis.aclose()
    return {k: {"median": stats.pct(v, 50), "p95": stats.pct(v, 95), "n": len(v)} for k, v in parts.items()}


async def profile(running, sender: Sender, scripts, where: dict, seconds: float, run_dir: Path, standin) -> dict:
    standin.set_delay(where["delay"])
    processes = running.processes()
    spy = _py_spy()
    records: dict[str, Path] = {}
    spies = []
    if spy:
        for name in PROCESSES:
            out = run_dir / f"profile-{name}.txt"
            records[name] = out
            spies.append(
                await asyncio.create_subprocess_exec(
                    spy,
                    "record",
                    "--pid",
                    str(processes[name].pid),
                    "--rate",
                    str(RATE),
                    "--duration",
                    str(int(seconds)),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(out),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    with resources.CpuMeter(processes) as cpu:
        run = await closed_loop(sender, scripts, where["senders"], seconds)
    for p in spies:
        try:
            await asyncio.wait_for(p.wait(), seconds + 30)
        except asyncio.TimeoutError:
            p.kill()
    standin.set_delay(0.0)
    result: dict[str, Any] = {
        "where": where,
        "latency": stats.latency(run),
        "stages": await stages(running.redis_url, run.turns),
        "processes": {name: summarise(path, seconds) for name, path in records.items() if path.exists()},
        "py_spy": bool(spy),
        "cpu_ms": cpu.per_message(len(run.turns)),
        "cpu_cores": {n: v / cpu.wall for n, v in cpu.seconds.items()},
        "others": cpu.others,
    }
    for name, summary in result["processes"].items():
        summary["cpu"] = result["cpu_cores"][name]
    result["markdown"] = markdown(result)
    return result


def markdown(p: dict) -> str:
    where = p["where"]
    lat = p["latency"]
    lines = [
        f"Profiled where this system was slower than plain Rasa ({where['why']}): the same closed-loop run "
        f"again ({where['senders']} sender(s), {where['delay'] * 1000:.0f} ms stand-in; p95 this time "
        f"{stats.ms(lat['p95'])}), with py-spy sampling the API, Rasa and the action server at {RATE} Hz "
        f"(non-blocking), and each message's stages from the timestamps the system keeps. Other "
        f"processes on the machine used {p['others']:.1f} cores meanwhile.",
        "",
        "| stage of a message | median | p95 |",
        "|---|---:|---:|",
    ]
    for name, s in p["stages"].items():
        lines.append(f"| {name} | {stats.ms(s['median'])} | {stats.ms(s['p95'])} |")
    lines += ["", _reading(p), ""]
    if p["processes"]:
        lines += [
            "| process | CPU (cores) | CPU per message | where its working samples are (inclusive) |",
            "|---|---:|---:|---|",
        ]
        for name, s in p["processes"].items():
            top = "; ".join(f"`{f}` {share:.0%}" for f, share in s["functions"][:8])
            lines.append(f"| {name} | {s['cpu']:.2f} | {p['cpu_ms'][name]:.1f} ms | {top} |")
        lines.append("")
        lines += ["| process | innermost frames, by package |", "|---|---|"]
        for name, s in p["processes"].items():
            lines.append(f"| {name} | " + ", ".join(f"{k} {v:.0%}" for k, v in s["packages"]) + " |")
    else:
        lines.append("(py-spy not installed in .venv: `pip install py-spy` for the profile.)")
    return "\n".join(lines)


def _reading(p: dict) -> str:
    """What the stages say, in a sentence."""
    st, delay = p["stages"], p["where"]["delay"]
    further = st["each further reply of the message, after the one before"]
    waiting = st["stored → answered (queue, conversation, Rasa)"]
    if delay and further["n"] and further["median"] >= 0.8 * delay:
        return (
            f"The slow replies are the second SMS of an answer. A message's replies are sent in order, each "
            f"once Twilio has accepted the one before, so each further SMS comes {stats.ms(further['median'])} "
            f"after the previous one: the stand-in's {delay * 1000:.0f} ms. Here that is the first contact, "
            "which this system answers with two SMS (the welcome line with the retention notice, then the "
            "answer) where plain Rasa sends one."
        )
    if waiting["n"] and waiting["p95"] > 0.5 * p["latency"]["p95"]:
        return (
            f"Most of the time is between storing a message and having its answer ({stats.ms(waiting['p95'])} "
            "at p95): waiting for a worker, and the conversation turn with Rasa."
        )
    return "No single stage dominates."
