"""Every Redis key has one owner (engine/keys.py): no key is named anywhere else, and erasure,
derived from the families, leaves nothing of a person behind."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from redis.asyncio import Redis

from engine import keys
from engine.audit import Audit
from engine.erasure import NOT_HERE, Erasure

ROOT = Path(__file__).resolve().parents[2]


def key_literals(package: str) -> list[str]:
    """String constants that look like one of our Redis keys, outside engine/keys.py."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == ROOT / "engine" / "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith(("remi:", "rasa:")) and " " not in node.value:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    return sorted(found)


def test_no_key_is_named_outside_engine_keys():
    assert [hit for package in ("engine", "api", "tools") for hit in key_literals(package)] == []


def test_the_scan_sees_a_key_named_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "x.py").write_text('KEY = f"remi:new:{1}"\nOTHER = "remi:queue"\n')
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert key_literals("engine") == ["engine/x.py:1: 'remi:new:'", "engine/x.py:2: 'remi:queue'"]
    (tmp_path / "engine" / "x.py").write_text('KEY = "remi:seen:" + sid\n')
    assert key_literals("engine") == ["engine/x.py:1: 'remi:seen:'"]


def test_every_key_belongs_to_one_family():
    assert keys.family_of("remi:handovers:of:abc") is keys.HANDOVERS_OF
    assert keys.family_of("remi:handovers:waiting") is keys.HANDOVERS_WAITING
    assert keys.family_of("remi:handover:from:SM1") is keys.HANDOVER_FROM
    assert keys.family_of("remi:nothing:1") is None


def test_erasure_deletes_every_family_that_holds_a_person(redis_url):
    """One key of every family that holds a person is written for two people; after one is
    erased none of theirs is left, and the other's are all there."""
    people = [
        {keys.SENDER: "person-1", keys.MESSAGE: "SMp1", keys.REPLY: "SMp1:0", keys.TWILIO_REPLY: "SMt1"},
        {keys.SENDER: "person-2", keys.MESSAGE: "SMp2", keys.REPLY: "SMp2:0", keys.TWILIO_REPLY: "SMt2"},
    ]
    families = [f for f in keys.FAMILIES.values() if f.keyed_by != keys.NONE and f not in NOT_HERE]

    def names(who: dict) -> list[str]:
        return [f.key(who[f.keyed_by]) for f in families]

    async def scenario() -> tuple[list[int], list[int]]:
        redis = Redis.from_url(redis_url)
        for who in people:
            for name in names(who):
                await redis.set(name, "x")
            # The indexes erasure follows from the person to their messages and replies.
            await redis.delete(keys.SIDS.key(who[keys.SENDER]), keys.OUTREFS.key(who[keys.SENDER]))
            await redis.delete(keys.OUT.key(who[keys.REPLY]))
            await redis.sadd(keys.SIDS.key(who[keys.SENDER]), who[keys.MESSAGE])
            await redis.sadd(keys.OUTREFS.key(who[keys.SENDER]), who[keys.REPLY])
            await redis.hset(keys.OUT.key(who[keys.REPLY]), "twilio_sid", who[keys.TWILIO_REPLY])
        await Erasure(redis, Audit(redis, 90), 86400).erase("person-1", actor="test")
        left = [await redis.exists(name) for name in names(people[0])]
        kept = [await redis.exists(name) for name in names(people[1])]
        await redis.aclose()
        return left, kept

    left, kept = asyncio.run(scenario())
    assert dict(zip(names(people[0]), left, strict=True)) == dict.fromkeys(names(people[0]), 0)
    assert all(kept)  # the control: the other person's keys were all there, and stay
