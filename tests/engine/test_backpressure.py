"""Backpressure, against a Redis of the test's own: a waiting person is queued once however many
sweepers run, a lost one is found again, emergencies go first, and past the cap on waiting
messages a message is still kept while its sender is told, once, that we are busy. A message
whose record Redis refuses for good is set aside rather than retried forever."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from engine import keys
from engine.identity import Contact, ContactCipher
from engine.inbox import BUSY, STORED, InboundMessage, Inbox
from engine.profile import Profiles
from engine.worker import Worker
from tools import stack


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    run = tmp_path_factory.mktemp("redis")
    system = stack.Stack(env={}, run_dir=run)
    port = stack.free_port()
    system.start_redis(port, run / "data")
    yield port
    system.stop()


@pytest.fixture
def run(redis_port):
    """Runs a coroutine factory against a flushed Redis: run(lambda redis: ...)."""

    def go(scenario):
        async def main():
            redis = Redis(port=redis_port)
            await redis.flushall()
            try:
                return await scenario(redis)
            finally:
                await redis.aclose()

        return asyncio.run(main())

    return go


def inbox(redis: Redis, max_waiting: int = 0) -> Inbox:
    return Inbox(redis, ContactCipher(Fernet.generate_key().decode()), 3600, per_minute=0, max_waiting=max_waiting)


def worker(redis: Redis, box: Inbox) -> Worker:
    return Worker(redis, box, Profiles(redis, 3600), conversation=None, outbox=None)


async def store(box: Inbox, sender: str, body: str = "Bonjour") -> str:
    sid = "SM" + secrets.token_hex(16)
    message = InboundMessage(sid=sid, sender=sender, channel="sms", body=body, received_at=0.0)
    return await box.store(message, Contact("+22790000000", "sms"))


def test_sweepers_of_many_processes_queue_each_waiting_sender_once(run):
    async def scenario(redis):
        box = inbox(redis)
        for n in range(30):
            for _ in range(3):
                await store(box, f"sender{n:02d}")
        before = await redis.zrange(keys.READY.key(), 0, -1, withscores=True)
        requeued = [await worker(redis, box).sweep_once() for _process in range(4) for _round in range(3)]
        after = await redis.zrange(keys.READY.key(), 0, -1, withscores=True)
        return before, after, requeued, await redis.get(keys.WAITING.key())

    before, after, requeued, waiting = run(scenario)
    assert len(before) == 30  # three messages each, queued once each
    assert after == before  # nothing added, nobody moved back in the line
    assert requeued == [0] * 12
    assert int(waiting) == 90


def test_lost_sender_is_requeued_and_one_being_worked_on_is_not(run):
    async def scenario(redis):
        box = inbox(redis)
        await store(box, "lost")
        await store(box, "busy")
        # A worker took "lost" and died before locking it; another holds "busy" and works on it.
        await redis.zrem(keys.READY.key(), "lost", "busy")
        await redis.set(keys.LOCK.key("busy"), "token", px=30_000)
        requeued = await worker(redis, box).sweep_once()
        return requeued, await redis.zrange(keys.READY.key(), 0, -1)

    requeued, ready = run(scenario)
    assert requeued == 1 and ready == [b"lost"]


def test_an_emergency_goes_before_everyone_waiting(run):
    async def scenario(redis):
        box = inbox(redis)
        for n in range(10):
            await store(box, f"waiting{n}")
        await store(box, "danger", "au secours ils me frappent")
        await store(box, "waiting3", "aidez moi je suis en danger, ils me frappent")  # already waiting
        return await redis.zrange(keys.READY.key(), 0, 2)

    assert run(scenario) == [b"danger", b"waiting3", b"waiting0"]


def test_over_the_cap_messages_are_kept_and_the_sender_told_once(run):
    async def scenario(redis):
        box = inbox(redis, max_waiting=5)
        outcomes = [await store(box, f"early{n}") for n in range(5)]
        outcomes += [await store(box, "late"), await store(box, "late"), await store(box, "other")]
        outcomes.append(await store(box, "scared", "au secours ils me frappent"))
        return outcomes, await redis.llen(keys.INBOX.key("late")), await redis.zcard(keys.READY.key())

    outcomes, late_kept, ready = run(scenario)
    assert outcomes == [STORED] * 5 + [BUSY, STORED, BUSY, STORED]  # told once; an emergency never
    assert late_kept == 2 and ready == 8  # nothing dropped: every sender queued


def test_a_record_redis_refuses_for_good_is_set_aside_not_retried_forever(run):
    async def scenario(redis):
        box = inbox(redis)
        await store(box, "person")
        sid = (await redis.lindex(keys.INBOX.key("person"), 0)).decode()
        await redis.delete(keys.MESSAGE_RECORD.key(sid))
        await redis.set(keys.MESSAGE_RECORD.key(sid), "not a hash")  # every HGET: WRONGTYPE
        await asyncio.wait_for(worker(redis, box).drain("person"), 10)
        return await redis.llen(keys.INBOX.key("person"))

    assert run(scenario) == 0


class RecordingDesk:
    """What the worker asks of the handover desk when it sets a message aside."""

    def __init__(self) -> None:
        self.opened: list[dict] = []

    async def open(self, message, profile, request):
        self.opened.append(request)
        return type("Handover", (), {"id": "h-1"})()


def test_a_poison_message_with_words_of_danger_still_reaches_a_person(run):
    async def scenario(redis):
        box, desks = inbox(redis), []
        for sender, body in (("scared", "au secours ils me frappent"), ("calm", "Bonjour")):
            await store(box, sender, body)
            desk = RecordingDesk()
            failing = Worker(redis, box, Profiles(redis, 3600), conversation=None, outbox=None, handovers=desk)
            for _try in range(3):  # conversation=None: every turn raises, as a bug would
                with contextlib.suppress(Exception):
                    await failing.drain(sender)
            desks.append(desk)
        profile = await Profiles(redis, 3600).load("scared")
        return [d.opened for d in desks], profile.handover, await redis.llen(keys.INBOX.key("scared"))

    opened, handover, left = run(scenario)
    assert [len(o) for o in opened] == [1, 0]  # the calm message is set aside without a handover
    assert opened[0][0]["priority"] and opened[0][0]["category"] == "protection"
    assert handover == "h-1" and left == 0
