"""The system benchmark's results (bench/run.py) as a table, printed, and as its section of
docs/benchmarks.md (between its markers: bench/report.py leaves the other sections alone)."""

from __future__ import annotations

import math

from bench.report import write_section
from bench.resources import mb
from bench.stats import ms

START, END = "<!-- bench:system:start -->", "<!-- bench:system:end -->"
NAMES = {"ours": "this system", "plain": "plain Rasa"}
P95_LIMIT = 2.0


def _ratio(a: float, b: float) -> str:
    """a ÷ b, as "3.2×"."""
    if any(math.isnan(x) for x in (a, b)) or (math.isinf(a) and math.isinf(b)):
        return "–"
    if math.isinf(a) or b == 0:
        return "∞"
    if math.isinf(b) or a == 0:
        return "0×"
    return f"{a / b:.1f}×" if a / b < 100 else f"{a / b:.0f}×"


def latency_row(results, delay: float, senders: int, system: str) -> dict | None:
    return next(
        (r for r in results.latency if r["delay"] == delay and r["senders"] == senders and r["system"] == system), None
    )


def capacity_of(steps: list[dict]) -> int:
    """The highest rate tried whose reply p95 stayed under the limit."""
    return max((s["rate"] for s in steps if s["latency"]["p95"] < P95_LIMIT), default=0)


def capacity_steps(results, delay: float, system: str) -> list[dict]:
    return next((c["steps"] for c in results.capacity if c["delay"] == delay and c["system"] == system), [])


def slower_than_plain(results) -> list[dict]:
    """The measurements where this system's reply p95 is above plain Rasa's, worst first."""
    out = []
    for row in results.latency:
        plain = latency_row(results, row["delay"], row["senders"], "plain")
        if row["system"] == "ours" and plain and row["p95"] > plain["p95"]:
            out.append(
                {
                    "delay": row["delay"],
                    "senders": row["senders"],
                    "ratio": row["p95"] / plain["p95"],
                    "why": f"reply p95 {ms(row['p95'])} against plain Rasa's {ms(plain['p95'])} at "
                    f"{row['senders']} sender(s), {row['delay'] * 1000:.0f} ms stand-in",
                }
            )
    return sorted(out, key=lambda r: -r["ratio"])


def _triple(row: dict | None) -> str:
    return f"{ms(row['p50'])} / {ms(row['p95'])} / {ms(row['p99'])}" if row else "–"


def sections(results) -> list[tuple[str, list[str]]]:
    """(title, markdown lines) of each table."""
    out: list[tuple[str, list[str]]] = []
    delays = sorted({r["delay"] for r in results.latency})
    levels = sorted({r["senders"] for r in results.latency})

    lines = [
        "| stand-in | senders | this system p50 / p95 / p99 | plain Rasa p50 / p95 / p99 | p95: plain ÷ this "
        "| throughput this / plain | this ÷ plain | answered this / plain | other load |",
        "|---|---:|---|---|---:|---|---:|---|---|",
    ]
    for delay in delays:
        for senders in levels:
            ours, plain = latency_row(results, delay, senders, "ours"), latency_row(results, delay, senders, "plain")
            if ours and plain:
                lines.append(
                    f"| {delay * 1000:.0f} ms | {senders} | {_triple(ours)} | {_triple(plain)} "
                    f"| {_ratio(plain['p95'], ours['p95'])} "
                    f"| {ours['throughput']:.1f} / {plain['throughput']:.1f} msg/s "
                    f"| {_ratio(ours['throughput'], plain['throughput'])} "
                    f"| {ours['answered']}/{ours['messages']} / {plain['answered']}/{plain['messages']} "
                    f"| {ours.get('others', 0):.1f} / {plain.get('others', 0):.1f} cores |"
                )
    out.append(("Latency: from the signed webhook to each reply at the stand-in (closed loop)", lines))

    lines = [
        "| stand-in | senders | system | Redis | action server | Rasa | API and worker | all |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(results.latency, key=lambda r: (r["delay"], r["senders"], r["system"])):
        c = row.get("cpu_ms")
        if not c:
            continue
        rasa = c["rasa"] if row["system"] == "ours" else c["plain-rasa"]
        api = c["api"] if row["system"] == "ours" else 0.0
        lines.append(
            f"| {row['delay'] * 1000:.0f} ms | {row['senders']} | {NAMES[row['system']]} | {c['redis']:.1f} "
            f"| {c['actions']:.1f} | {rasa:.1f} | {api:.1f} | {c['redis'] + c['actions'] + rasa + api:.1f} |"
        )
    out.append(("CPU per message, in milliseconds (the processes' CPU time during each latency run)", lines))

    lines = ["| stand-in | this system | plain Rasa | this ÷ plain |", "|---|---:|---:|---:|"]
    for delay in delays:
        ours_rate = capacity_of(capacity_steps(results, delay, "ours"))
        plain_rate = capacity_of(capacity_steps(results, delay, "plain"))
        lines.append(
            f"| {delay * 1000:.0f} ms | {ours_rate} msg/s | {plain_rate} msg/s | {_ratio(ours_rate, plain_rate)} |"
        )
    out.append(("Capacity: highest steady rate with reply p95 under 2 s (open loop)", lines))

    lines = [
        "| stand-in | system | rate | reply p50 / p95 | webhook ack p50 / p99 | acknowledged | timed out "
        "| other load |",
        "|---|---|---:|---|---|---:|---:|---:|",
    ]
    for delay in delays:
        for system in ("ours", "plain"):
            for step in sorted(capacity_steps(results, delay, system), key=lambda s: s["rate"]):
                lat, ack = step["latency"], step["acks"]
                lines.append(
                    f"| {delay * 1000:.0f} ms | {NAMES[system]} | {step['rate']} msg/s "
                    f"| {ms(lat['p50'])} / {ms(lat['p95'])} | {ms(ack['p50'])} / {ms(ack['p99'])} "
                    f"| {ack['acked']}/{ack['sent']} | {ack['timeouts']} | {step.get('others', 0):.1f} cores |"
                )
    out.append(("Capacity, every rate tried", lines))

    if results.overload:
        rows = {r["system"]: r for r in results.overload}
        o, p = rows.get("ours"), rows.get("plain")
        lines = ["| | this system | plain Rasa |", "|---|---:|---:|"]

        def both(label, f):
            lines.append(f"| {label} | {f(o) if o else '–'} | {f(p) if p else '–'} |")

        both("webhooks sent", lambda r: r["acks"]["sent"])
        both("acknowledged (2xx within 15 s)", lambda r: r["acks"]["acked"])
        both("timed out at 15 s", lambda r: r["acks"]["timeouts"])
        both("refused, or connection errors", lambda r: r["acks"]["refused"] + r["acks"]["errors"])
        both("webhook ack p50 / p99", lambda r: f"{ms(r['acks']['p50'])} / {ms(r['acks']['p99'])}")
        both("messages answered after the drain", lambda r: f"{r['answered']}/{r['acks']['sent']}")
        both("messages with all their replies", lambda r: f"{r['complete']}/{r['acks']['sent']}")
        both('"we are having trouble" replies', lambda r: r["latency"]["trouble"])
        both("drain time (last webhook to last reply)", lambda r: f"{r['drain']:.1f} s")
        both("reply p50 / p95", lambda r: f"{ms(r['latency']['p50'])} / {ms(r['latency']['p95'])}")
        both("other load on the machine", lambda r: f"{r.get('others', 0):.1f} cores")
        out.append(
            (
                f"Overload: {results.plan['overload_rate']} messages/second for "
                f"{results.plan['overload_seconds']:.0f} s (instant stand-in)",
                lines,
            )
        )

    if results.memory:
        m = results.memory
        lines = ["| process | at rest | under load (peak) |", "|---|---:|---:|"]
        for name, rest in m["rest"].items():
            lines.append(f"| {name} | {mb(rest)} | {mb(m['peak'][name])} |")
        for group, names in m["groups"].items():
            lines.append(
                f"| **{NAMES[group]}** ({' + '.join(names)}) | {mb(sum(m['rest'][n] for n in names))} "
                f"| {mb(m['peak_totals'].get(group, 0))} |"
            )
        out.append(("Memory: resident (RSS, each process with its children)", lines))

    if results.cost:
        c = results.cost
        lines = [
            "| language | this system: segments per answer, median / p95 | plain Rasa: same "
            "| content as sent: first SMS; whole answer (median / p95) "
            "| content as written, no GSM-7 folding: same | answers in UCS-2 as written / as sent |",
            "|---|---|---|---|---|---|",
        ]
        for lang in ("fr", "ha", "en"):
            so, sp, ct = c["sent_ours"][lang], c["sent_plain"][lang], c["content"][lang]
            lines.append(
                f"| {lang} | {so['per_answer']['median']} / {so['per_answer']['p95']} "
                f"(each SMS {so['per_sms']['median']} / {so['per_sms']['p95']}) "
                f"| {sp['per_answer']['median']} / {sp['per_answer']['p95']} "
                f"(each SMS {sp['per_sms']['median']} / {sp['per_sms']['p95']}) "
                f"| {ct['sent_first']['median']} / {ct['sent_first']['p95']}; "
                f"{ct['sent_whole']['median']} / {ct['sent_whole']['p95']} "
                f"| {ct['written_first']['median']} / {ct['written_first']['p95']}; "
                f"{ct['written_whole']['median']} / {ct['written_whole']['p95']} "
                f"| {ct['ucs2_written']} / {ct['ucs2_sent']} of {ct['answers']} |"
            )
        out.append(("Cost: SMS segments", lines))

    if results.cold_start:
        cs = results.cold_start
        lines = [
            "| | seconds |",
            "|---|---:|",
            f'| `remi serve` to "remi: ready" | {cs["ready"]:.1f} |',
            f"| `remi serve` to the first answer at the stand-in | {cs['first_answer']:.1f} |",
        ]
        out.append(("Cold start (trained model present, embedded Redis)", lines))

    out.append(("Targets (issue 8)", targets(results)))
    return out


def targets(results) -> list[str]:
    lines = ["| target | measured | |", "|---|---|---|"]

    def add(target: str, measured: str, ok: bool) -> None:
        lines.append(f"| {target} | {measured} | {'met' if ok else '**missed**'} |")

    levels = sorted({r["senders"] for r in results.latency})
    pairs: list[tuple[int, dict, dict]] = []
    for n in levels:
        o, p = latency_row(results, 0.0, n, "ours"), latency_row(results, 0.0, n, "plain")
        if o and p:
            pairs.append((n, o, p))
    r10 = latency_row(results, 0.0, 10, "ours")
    if r10:
        add("reply p95 < 600 ms at 10 senders (instant stand-in)", ms(r10["p95"]), r10["p95"] < 0.6)
    if pairs:
        add(
            "reply p95 no worse than plain Rasa's at each level (instant)",
            "; ".join(f"{n}: {ms(o['p95'])} vs {ms(p['p95'])}" for n, o, p in pairs),
            all(o["p95"] <= p["p95"] for _, o, p in pairs),
        )
    ours_steps, plain_steps = capacity_steps(results, 0.0, "ours"), capacity_steps(results, 0.0, "plain")
    if ours_steps:
        cap = capacity_of(ours_steps)
        add("capacity ≥ 30 msg/s (instant stand-in)", f"{cap} msg/s", cap >= 30)
        worst = max(ours_steps, key=lambda s: s["acks"]["p99"])
        add(
            "webhook ack p99 < 100 ms at every rate tried (instant stand-in)",
            f"worst {ms(worst['acks']['p99'])} (at {worst['rate']} msg/s)",
            worst["acks"]["p99"] < 0.1,
        )
        add("capacity ≥ plain Rasa's", f"{cap} vs {capacity_of(plain_steps)} msg/s", cap >= capacity_of(plain_steps))
    slow_o, slow_p = latency_row(results, 0.15, 10, "ours"), latency_row(results, 0.15, 10, "plain")
    if slow_o and slow_p:
        add(
            "150 ms stand-in: throughput at 10 senders ≥ 5× plain Rasa's",
            f"{slow_o['throughput']:.1f} vs {slow_p['throughput']:.1f} msg/s "
            f"({_ratio(slow_o['throughput'], slow_p['throughput'])})",
            slow_o["throughput"] >= 5 * slow_p["throughput"],
        )
    over = next((r for r in results.overload if r["system"] == "ours"), None)
    if over:
        dropped = over["acks"]["sent"] - over["acks"]["acked"]
        add(
            f"overload {results.plan['overload_rate']} msg/s: 0 webhooks dropped or timed out, every message answered",
            f"{dropped} dropped, {over['answered']}/{over['acks']['sent']} answered, drain {over['drain']:.1f} s",
            dropped == 0 and over["answered"] == over["acks"]["sent"],
        )
    if results.memory:
        total = results.memory["peak_totals"].get("ours", 0)
        add("resident memory of all the processes < 2 GB", f"{mb(total)} at peak", total < 2 * 2**30)
    if results.cost:
        medians = {lang: results.cost["sent_ours"][lang]["per_sms"]["median"] for lang in ("fr", "ha", "en")}
        add(
            "median SMS answer ≤ 2 segments in each language",
            ", ".join(f"{k} {v}" for k, v in medians.items()),
            all(v <= 2 for v in medians.values()),
        )
    return lines


def table(results) -> str:
    return "\n".join(f"\n{title}\n" + "\n".join(lines) for title, lines in sections(results))


def _method(results) -> str:
    comp = ", ".join(f"{k} {v:.0%}" for k, v in results.mix["composition"].items())
    plan, m = results.plan, results.machine
    others = [r.get("others", 0) for r in results.latency]
    return f"""Measured on {results.started[:10]} (run began {results.started}) on {m["cores"]} cores
({m["cpu"] or "CPU model unknown"}) and {m["memory_gb"]} GB of memory, with

```
.venv/bin/remi bench
```

It took {results.seconds / 60:.0f} minutes. `--quick` runs every measurement shorter, prints the table
and leaves this file alone. The raw figures of the last run are in `var/bench/results.json` and the
logs of every process in `var/bench/`.

**What runs.** Everything is on loopback, started by `bench/run.py`:
- this system: its own Redis, the action server, Rasa with the project's trained model, and the
  API with its worker in the same process, as `remi serve` runs them, with the default settings
  (WORKER_CONCURRENCY {m.get("worker_concurrency", "?")});
- beside it, plain Rasa: Rasa 3.6's built-in `twilio` connector (`POST /webhooks/twilio/webhook`)
  in front of the same model and the same action server. Its trackers and locks are in another
  database of the same Redis. It runs the connector as shipped, through
  `bench/plain_rasa_twilio.py`, which changes one thing only: the Twilio SDK client it builds for
  each reply sends to the stand-in (`client.api.base_url`) instead of https://api.twilio.com.
  Our actions answer channels other than this system's in plain text (the first SMS page), so
  plain Rasa sends the same content.

Both systems send their replies to one Twilio stand-in (`tools/twilio_standin.py`). It runs in a
process of its own, so that the load generator cannot delay it, and records when each reply
arrives. It answers at once, or after 150 ms like the real Messages API.

**What is sent.** Webhooks go out as Twilio sends them: form-encoded, signed, with a 15 s timeout.
They are SMS from numbers that are new in every run, so first contact (welcome, language
detection) is part of the mix as in real life, and no number is warmed up. There are
{results.mix["scripts"]} conversation scripts (`bench/mix.py`), 12 per language (fr, ha, en), with
{results.mix["messages"]} messages: {comp}. Free text comes from the held-out evaluation messages
(`tests/nlu/heldout.jsonl`), and towns are spelled as people type them. The same scripts go to
both systems. Plain Rasa has no menus, so its NLU gets the digits too.

**How replies are matched.** Each number's replies arrive in order. Before the measurements, every
script is played once per system and each turn ends on the system's own signal; this gives how
many replies each message gets. Each reply is then matched to the oldest message of its number
still waiting. A reply that never comes counts as infinitely late in the percentiles. One script
reports a danger ("no water or food here"): this system then hands the conversation to a person,
and the bot rightly stays silent on that number afterwards. Such silent messages are left out of
"answered x/y".

- *Latency*: closed loop with {", ".join(str(n) for n in plan["levels"])} concurrent senders,
  {plan["latency_seconds"]:.0f} s per level. Each sender waits for every reply to a message before it
  sends the next. Percentiles are over every reply; throughput is messages fully answered per second.
- *Capacity*: open loop, with evenly spaced messages at rates stepped up through
  {", ".join(str(r) for r in plan["ladder"])} msg/s, {plan["step_seconds"]:.0f} s each. If even 5 fails
  it steps down to 2, then 1. After the first failure it tries once between the last rate that held
  and the first that did not. A number writes again no sooner than 3 s after its last message. A
  rate holds while reply p95 stays under 2 s. Ack is the webhook's response time.
- *Overload*: {plan["overload_rate"]} msg/s for {plan["overload_seconds"]:.0f} s, then up to
  {plan["drain_seconds"]:.0f} s to drain.
- *Memory*: psutil RSS of each process with its children, at rest after calibration and at the
  peak during the load phases. Totals are the peak of the sum at one instant.
- *CPU*: each process's CPU time during a measurement, divided by the messages sent.
- *Cost*: segments (`remi/sms.py`) of the SMS each system sent during one play of every script.
  Also, every topic answer in `content/` (for topics that list services, also with every town),
  rendered as sent and as written (`topic_reply(..., fold=False)`, no GSM-7 folding).
- *Cold start*: `.venv/bin/remi serve` as a subprocess, with REDIS_URL unset (so an embedded
  Redis, on a free port via REMI_EMBEDDED_REDIS_PORT), TWILIO_API_BASE_URL pointing at the stand-in
  and a trained model present. A first "Bonjour" is sent when it prints "remi: ready".

**The machine is shared.** Other work ran on it during this run. The *other load* columns give
the CPU (in cores, out of {m["cores"]}) that processes outside the benchmark used during each
measurement: {min(others, default=0):.1f} to {max(others, default=0):.1f} cores during the latency runs.
Figures taken under other load understate both systems, and the comparison between them is what
holds."""


def _where(results) -> str:
    parts = []
    rows = {(r["senders"], r["system"]): r for r in results.latency if r["delay"] == 0.0 and r.get("cpu_ms")}
    ours, plain = rows.get((10, "ours")), rows.get((10, "plain"))
    v = results.rasa_validation
    if ours and plain:
        parts.append(
            f"At 10 senders with the instant stand-in, plain Rasa's process used "
            f"{plain['cpu_ms']['plain-rasa']:.0f} ms of CPU per message. This system's Rasa used "
            f"{ours['cpu_ms']['rasa']:.0f} ms, and its API with the worker {ours['cpu_ms']['api']:.0f} ms "
            "(table above). Part of the gap is that this system answers menus, keywords and language "
            "choices without Rasa. Most of it comes from Rasa itself:\n"
        )
    if v:
        parts.append(
            f"- Rasa 3.6 checks every custom action's answer with `jsonschema.validate`. That call first "
            f"checks Rasa's own constant response schema against the JSON Schema 2020-12 meta-schema, which "
            f"costs {v['as_shipped_ms']:.0f} ms of CPU per action call on this machine. With the validator "
            f"built once it costs {v['built_once_ms']:.1f} ms (`bench/rasa_validation.py`). Every answer in "
            "these scripts comes from a custom action, so plain Rasa pays this on every message"
            + (f", out of the {plain['cpu_ms']['plain-rasa']:.0f} ms above" if plain else "")
            + ". This system's Rasa builds the validator once "
            "(`bot/channels/action_validation.py`, loaded with its channel). Answers are still validated, "
            "with the same errors. Plain Rasa runs as shipped."
        )
    parts.append(
        "- Rasa's Redis client is synchronous. Each tracker or lock operation stops the whole Rasa "
        "process until Redis answers, and with `appendfsync always` a write also waits for the disk. "
        "This system's Rasa keeps no lock in Redis (`tools/stack.py`), because the worker already holds "
        "`remi:lock:<sender>` for the whole turn; its tracker store stays in Redis. Plain Rasa keeps "
        "both in Redis, as configured for production."
    )
    steps = capacity_steps(results, 0.0, "ours")
    slow_acks = [s for s in steps if s["acks"]["p99"] >= 0.1]
    if slow_acks:
        worst = max(slow_acks, key=lambda s: s["acks"]["p99"])
        parts.append(
            f"- Webhook acknowledgements: p99 reached {ms(worst['acks']['p99'])} at {worst['rate']} msg/s. The "
            "webhook handler (signature check, one Lua script in Redis) runs on the same event loop as the "
            "worker's tasks in the API process, which spend about "
            f"{(ours or {}).get('cpu_ms', {}).get('api', float('nan')):.0f} ms of CPU per message there "
            "(Redis round trips, the Twilio SDK, the conversation), so near capacity a webhook waits behind "
            "them. Running the worker in its own process (`API_WORKER=false` and `remi worker`, see "
            "docs/deployment.md) keeps the webhook's loop free."
        )
    p = results.profile
    if p and p.get("markdown"):
        parts += ["", p["markdown"]]
    else:
        parts.append("\nThis system was not slower than plain Rasa at any level measured, so this run took no profile.")
    return "\n".join(parts)


def section(results) -> str:
    body = ["## System benchmark (issue 8)\n", _method(results), ""]
    for title, lines in sections(results):
        body += [f"### {title}\n", *lines, ""]
    body += ["### Where the time goes\n", _where(results), ""]
    return "\n".join(body)


def write_docs(results) -> None:
    write_section(f"{START}\n{section(results)}\n{END}", START, END)
