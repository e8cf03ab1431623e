"""What the system keeps about a person, read straight from Redis and the logs: for tests that
look for phone numbers, texts and keys without a retention period."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis

from engine.identity import sender_id
from remi import sms
from remi.language.normalise import normalise


@dataclass
class Record:
    db: int
    key: bytes
    ttl: int  # seconds; -1 when the key never expires
    value: bytes  # every field and member, joined


def sender_of(system, number: str) -> str:
    return sender_id(number, system.env["SENDER_HASH_KEY"])


def number_forms(number: str) -> list[str]:
    """A phone number as it could appear anywhere: E.164, digits alone, WhatsApp address, URL-encoded."""
    digits = number.lstrip("+")
    return [number, digits, "whatsapp:" + number, "%2B" + digits, "whatsapp%3A%2B" + digits]


def client(system, db: int = 0) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=system.redis_port, db=db, socket_timeout=5)


def databases(system) -> list[int]:
    info = client(system).info("keyspace")
    return sorted(int(name.removeprefix("db")) for name in info)


def _value(r: redis.Redis, key: bytes) -> bytes:
    kind = r.type(key).decode()
    if kind == "string":
        return r.get(key) or b""
    if kind == "hash":
        return b"\n".join(k + b"=" + v for k, v in r.hgetall(key).items())
    if kind == "list":
        return b"\n".join(r.lrange(key, 0, -1))
    if kind == "set":
        return b"\n".join(r.smembers(key))
    if kind == "zset":
        return b"\n".join(m for m, _ in r.zrange(key, 0, -1, withscores=True))
    if kind == "stream":
        return b"\n".join(b" ".join(k + b"=" + v for k, v in fields.items()) for _, fields in r.xrange(key))
    return b""


def dump(system) -> list[Record]:
    """Every key of every database, with its TTL and its whole value."""
    records = []
    for db in databases(system):
        r = client(system, db)
        for key in r.scan_iter(count=1000):
            value = _value(r, key)
            ttl = r.ttl(key)
            if ttl != -2:  # expired or deleted while we read
                records.append(Record(db, key, ttl, value))
    return records


def tracker(system, sender: str) -> dict | None:
    """Rasa's tracker as RedisTrackerStore keeps it: key "<prefix>:tracker:<sender id>"."""
    raw = client(system).get(f"rasa:tracker:{sender}")
    return json.loads(raw) if raw else None


def user_events(system, sender: str) -> list[dict]:
    found = tracker(system, sender)
    return [e for e in (found or {}).get("events", []) if e.get("event") == "user"]


def leaks(system, numbers: list[str], texts: list[str] = ()) -> list[str]:
    """Where a number (in any form) or a message text appears in the logs of every process:
    empty when none does."""
    logs = system.log_text()
    found = [f"number {form!r} in logs" for n in numbers for form in number_forms(n) if form in logs]
    return found + [f"text {form!r} in logs" for t in texts for form in text_forms(t) if form in logs]


def text_forms(text: str) -> set[str]:
    """A message text as a log could hold it: as written, JSON- or repr-escaped, normalised."""
    return {text, json.dumps(text)[1:-1], text.encode("unicode_escape").decode(), normalise(text)} - {""}


def wait_done(system, sids: list[str], timeout: float = 60, db: int = 0) -> dict[str, dict]:
    """The stored messages once every one is "done" (answered and sent), or as they are at the timeout."""
    r = client(system, db)
    deadline = time.monotonic() + timeout
    while True:
        records = {sid: {k.decode(): v.decode() for k, v in r.hgetall(f"remi:msg:{sid}").items()} for sid in sids}
        if all(rec.get("state") == "done" for rec in records.values()) or time.monotonic() > deadline:
            return records
        time.sleep(0.1)


def replies_sent(record: dict, channel: str = "sms") -> list[str]:
    """A message's stored replies as the phone gets them: the outbox folds SMS to GSM-7."""
    replies = json.loads(record["replies"])
    return [sms.for_sms(text) for text in replies] if channel == "sms" else replies
