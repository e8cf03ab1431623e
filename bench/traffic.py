"""Sending Twilio's webhooks and matching the replies that reach the stand-in to them.

A conversation is one new number playing one script (bench/mix.py). Replies come back to the
stand-in addressed to the number, in order (both systems answer one person's messages in the
order received), so each reply is matched to the oldest message of that number still waiting:
a message is answered once the number of replies it gives (measured once per system, by
`calibrate`, the turn's end being known there) has arrived, or a "we are having trouble" reply.

Two ways to send:
  closed loop  N senders, each waiting for all the replies to a message before the next one
  open loop    a steady rate, whatever the replies; each number writes again `GAP` seconds
               after its last message at the earliest (people read before they answer)
A missing reply counts as an infinitely late one in the percentiles: one that has not come
`STALL` seconds after the message's previous reply (closed loop), or when nothing has reached
the stand-in for `QUIET` seconds after the load (open loop).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from bench.mix import Script
from bench.standin import Arrival
from remi.i18n import gettext_for
from remi.sms import fold_to_gsm7
from tools.twilio_standin import inbound_form, signed_webhook

ACK_TIMEOUT = 15.0  # Twilio gives a webhook 15 seconds
GAP = 3.0
STALL = 5.0  # a message's next reply, after the one before, comes within this or not at all
QUIET = 8.0  # after the load, nothing at the stand-in for this long: the systems are idle
TROUBLE = "We are having trouble. Please try again in a few minutes, or write {help}."


def trouble_prefixes() -> tuple[str, ...]:
    out = set()
    for lang in ("fr", "ha", "en"):
        head = gettext_for(lang)(TROUBLE).split("{")[0][:30]
        out |= {head, fold_to_gsm7(head)}
    return tuple(out)


@dataclass
class Target:
    """One system as Twilio sees it: where to post, and what the signature is computed over."""

    name: str
    url: str
    signed_url: str
    auth_token: str
    account_sid: str
    sms_from: str


@dataclass
class Turn:
    text: str
    kind: str
    expected: int
    sid: str = ""
    sent_at: float = 0.0
    ack_at: float | None = None
    ack_status: int | None = None
    ack_error: str | None = None
    replies: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    last_reply: float = 0.0  # time.monotonic() of the latest reply
    trouble: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acked(self) -> bool:
        return self.ack_status is not None and 200 <= self.ack_status < 300

    def latencies(self) -> list[float]:
        """Seconds from the webhook to each reply; a missing reply is infinitely late."""
        got = [t - self.sent_at for t in self.replies]
        if self.trouble:
            return got
        return got + [math.inf] * max(0, self.expected - len(got))


@dataclass
class Conversation:
    address: str
    script: Script
    lang: str
    turns: list[Turn] = field(default_factory=list)
    cursor: int = 0  # the oldest turn still waiting for replies
    calibrating: bool = False
    loose: list[Arrival] = field(default_factory=list)  # calibration: every reply, unmatched

    def advance(self) -> None:
        while self.cursor < len(self.turns) and self.turns[self.cursor].done.is_set():
            self.cursor += 1


class Registry:
    """Numbers in use, and the replies the stand-in reports, delivered on the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.conversations: dict[str, Conversation] = {}
        self.stray = 0
        self.last_arrival = time.monotonic()
        self.trouble = trouble_prefixes()
        self._numbers = itertools.count(random.randrange(1_000_000, 8_000_000))

    def new_number(self) -> str:
        return f"+2279{next(self._numbers):07d}"

    def on_arrival(self, arrival: Arrival) -> None:  # from the stand-in's reader thread
        self.loop.call_soon_threadsafe(self._arrive, arrival)

    def _arrive(self, arrival: Arrival) -> None:
        self.last_arrival = time.monotonic()
        conv = self.conversations.get(arrival.to)
        if conv is None:
            self.stray += 1
            return
        if conv.calibrating:
            conv.loose.append(arrival)
            return
        if conv.cursor >= len(conv.turns):
            self.stray += 1
            return
        turn = conv.turns[conv.cursor]
        turn.replies.append(arrival.at)
        turn.texts.append(arrival.body)
        turn.last_reply = self.last_arrival
        if arrival.body.startswith(self.trouble):
            turn.trouble = True
        if turn.trouble or len(turn.replies) >= turn.expected:
            turn.done.set()
            conv.advance()


class Sender:
    """Posts webhooks to one target as Twilio does: form-encoded, signed, 15 s timeout."""

    def __init__(
        self, target: Target, http: aiohttp.ClientSession, registry: Registry, expected: dict[tuple[str, int], int]
    ):
        self.target, self.http, self.registry, self.expected = target, http, registry, expected
        self.turns: list[Turn] = []  # every turn sent while recording
        self.recording = True
        self._posts: set[asyncio.Task] = set()

    def conversation(self, script: Script, calibrating: bool = False) -> Conversation:
        conv = Conversation(self.registry.new_number(), script, script.lang, calibrating=calibrating)
        self.registry.conversations[conv.address] = conv
        return conv

    def send(self, conv: Conversation, index: int) -> Turn:
        """Post the script's message `index` now (the post goes on in the background)."""
        step = conv.script.steps[index]
        turn = Turn(step.text, step.kind, self.expected.get((conv.script.id, index), 1))
        conv.turns.append(turn)
        if turn.expected == 0:
            turn.done.set()
        conv.advance()
        if self.recording:
            self.turns.append(turn)
        form = inbound_form(step.text, conv.address, self.target.sms_from, self.target.account_sid)
        turn.sid = form["MessageSid"]
        body, headers = signed_webhook(self.target.signed_url, self.target.auth_token, form)
        task = asyncio.create_task(self._post(turn, body, headers))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)
        return turn

    async def _post(self, turn: Turn, body: str, headers: dict[str, str]) -> None:
        turn.sent_at = time.time()
        try:
            async with self.http.post(
                self.target.url, data=body.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=ACK_TIMEOUT)
            ) as response:
                await response.read()
                turn.ack_status = response.status
        except asyncio.TimeoutError:
            turn.ack_error = "timeout"
        except aiohttp.ClientError as exc:
            turn.ack_error = type(exc).__name__
        turn.ack_at = time.time()

    async def posts_finished(self, timeout: float) -> None:
        if self._posts:
            await asyncio.wait(list(self._posts), timeout=timeout)


async def wait_answered(turns: list[Turn], deadline: float) -> bool:
    pending = [t.done.wait() for t in turns if not t.done.is_set()]
    if not pending:
        return True
    timeout = max(0.0, deadline - time.monotonic())
    done, not_done = await asyncio.wait([asyncio.ensure_future(p) for p in pending], timeout=timeout)
    for task in not_done:
        task.cancel()
    return not not_done


async def wait_turn(turn: Turn, first: float = 30.0, stall: float = STALL) -> bool:
    """Wait for every reply to one message: at most `first` seconds for the first one, then
    at most `stall` seconds between replies (a reply that is not coming is counted missing)."""
    started = time.monotonic()
    while not turn.done.is_set():
        now = time.monotonic()
        if (not turn.replies and now - started > first) or (turn.replies and now - turn.last_reply > stall):
            return False
        try:
            await asyncio.wait_for(turn.done.wait(), 0.25)
        except asyncio.TimeoutError:
            pass
    return True


async def drain(registry: Registry, turns: list[Turn], last_send: float, deadline: float) -> None:
    """Wait until every message is answered; or until nothing has reached the stand-in for
    `QUIET` seconds (the systems are idle: what is missing is not coming); or the deadline."""
    while time.monotonic() < deadline:
        if all(t.done.is_set() for t in turns):
            return
        if time.monotonic() - max(registry.last_arrival, last_send) > QUIET:
            return
        await asyncio.sleep(0.25)


# -- calibration -------------------------------------------------------------------------------
async def calibrate(
    sender: Sender, scripts: list[Script], turn_over: Callable[[Turn], Awaitable[bool]], concurrency: int = 12
) -> dict[tuple[str, int], list[str]]:
    """Play every script once and record the replies each message gives. `turn_over` waits for
    the system's own end-of-turn signal (this system: the message's state is "done" in Redis;
    plain Rasa: the webhook's response, sent after its replies)."""
    replies: dict[tuple[str, int], list[str]] = {}
    gate = asyncio.Semaphore(concurrency)
    sender.recording = False

    async def play(script: Script) -> None:
        async with gate:
            conv = sender.conversation(script, calibrating=True)
            for i in range(len(script.steps)):
                turn = sender.send(conv, i)
                await turn_over(turn)
                await asyncio.sleep(0.3)  # the stand-in's report travels through a pipe
                replies[(script.id, i)] = [a.body for a in conv.loose]
                conv.loose.clear()
                turn.done.set()
                conv.advance()

    await asyncio.gather(*(play(s) for s in scripts))
    sender.recording = True
    return replies


# -- closed loop -------------------------------------------------------------------------------
@dataclass
class Run:
    turns: list[Turn]
    started: float
    last_send: float
    finished: float  # last reply, or the end of waiting

    @property
    def elapsed(self) -> float:
        return max(1e-9, self.finished - self.started)


async def closed_loop(
    sender: Sender, scripts: list[Script], senders: int, duration: float, turn_timeout: float = 30.0
) -> Run:
    sender.turns = []
    order = itertools.cycle(random.Random(senders).sample(scripts, len(scripts)))
    started = time.monotonic()
    stop_at = started + duration
    last_send = started

    async def one_sender() -> None:
        nonlocal last_send
        while time.monotonic() < stop_at:
            conv = sender.conversation(next(order))
            for i in range(len(conv.script.steps)):
                if time.monotonic() >= stop_at:
                    return
                turn = sender.send(conv, i)
                last_send = time.monotonic()
                if not await wait_turn(turn, first=turn_timeout):
                    break  # no (full) answer: this person gives up, a new one writes

    await asyncio.gather(*(one_sender() for _ in range(senders)))
    await sender.posts_finished(ACK_TIMEOUT + 1)
    return Run(list(sender.turns), started, last_send, _last_reply(sender.turns, started))


# -- open loop ---------------------------------------------------------------------------------
async def open_loop(
    sender: Sender, scripts: list[Script], rate: float, duration: float, drain_timeout: float, seed: int = 0
) -> Run:
    """`rate` messages per second, evenly spaced, for `duration` seconds; then wait (at most
    `drain_timeout`) for every reply."""
    sender.turns = []
    rng = random.Random(seed)
    count = int(round(rate * duration))
    waiting: list[tuple[float, int, Conversation, int]] = []  # (may write again at, n, conv, next step)
    serial = itertools.count()
    started = time.monotonic()
    for n in range(count):
        at = started + n / rate
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        if waiting and waiting[0][0] <= now:
            _, _, conv, index = heapq.heappop(waiting)
        else:
            conv, index = sender.conversation(rng.choice(scripts)), 0
        sender.send(conv, index)
        if index + 1 < len(conv.script.steps):
            heapq.heappush(waiting, (now + GAP, next(serial), conv, index + 1))
    last_send = time.monotonic()
    await asyncio.sleep(0)  # let the last posts start
    await drain(sender.registry, sender.turns, last_send, last_send + drain_timeout)
    await sender.posts_finished(ACK_TIMEOUT + 1)
    return Run(list(sender.turns), started, last_send, _last_reply(sender.turns, started))


def _last_reply(turns: list[Turn], started: float) -> float:
    """The monotonic time of the last reply (replies carry wall-clock times)."""
    offset = time.monotonic() - time.time()
    last = max((r for t in turns for r in t.replies), default=None)
    return last + offset if last is not None else time.monotonic()
