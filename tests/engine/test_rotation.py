"""Rotating CONTACT_ENCRYPTION_KEY (engine/rotation.py, `remi keys rotate`): after the new key is
put first and the stored secrets re-sealed, the old key can be dropped and everything still opens."""

from __future__ import annotations

import asyncio
import uuid

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from engine import keys
from engine.identity import Contact, ContactCipher, sealing_keys
from engine.rotation import reseal


def test_reseal_lets_the_old_key_go(redis_url):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    async def scenario():
        redis = Redis.from_url(redis_url)
        sender, org = uuid.uuid4().hex, f"org-{uuid.uuid4().hex[:6]}"
        contact = Contact("+22790000001", "sms")
        await redis.set(keys.CONTACT.key(sender), ContactCipher(old).seal(contact), ex=3600)
        await redis.hset(
            keys.PARTNER.key(org), mapping={"url": "https://x", "secret": sealing_keys(old).encrypt(b"s3")}
        )

        assert ContactCipher(new).open(await redis.get(keys.CONTACT.key(sender))) is None  # not yet
        counts = await reseal(redis, f"{new},{old}")
        assert counts["contacts"] >= 1 and counts["partner_secrets"] >= 1

        assert ContactCipher(new).open(await redis.get(keys.CONTACT.key(sender))) == contact
        assert sealing_keys(new).decrypt(await redis.hget(keys.PARTNER.key(org), "secret")) == b"s3"
        assert await redis.ttl(keys.CONTACT.key(sender)) > 0  # the record keeps its expiry
        await redis.delete(keys.CONTACT.key(sender), keys.PARTNER.key(org))
        await redis.aclose()

    asyncio.run(scenario())


def test_while_rotating_both_keys_open_what_the_old_one_sealed_and_the_new_one_seals():
    """CONTACT_ENCRYPTION_KEY=new,old before `remi keys rotate`: contacts and partner secrets
    sealed under the old key still open (a single Fernet of the first key would refuse them and
    send every partner delivery to the dead letters), and what is sealed now opens with new."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    contact = Contact("+22790000002", "whatsapp")
    sealed_before = ContactCipher(old).seal(contact)
    rotating = ContactCipher(f"{new}, {old}")
    assert rotating.open(sealed_before) == contact
    assert sealing_keys(f"{new},{old}").decrypt(sealing_keys(old).encrypt(b"partner secret")) == b"partner secret"
    assert ContactCipher(new).open(rotating.seal(contact)) == contact  # the first key seals
    assert ContactCipher(old).open(rotating.seal(contact)) is None
