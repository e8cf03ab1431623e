"""`remi keys rotate`: re-seal what is stored under CONTACT_ENCRYPTION_KEY with its first key.

Rotating the key: put the new key first and keep the old one after it
(CONTACT_ENCRYPTION_KEY=new,old), restart, run `remi keys rotate`, then drop the old key. What is
sealed: the contact records (the only place a phone number is kept) and the partners' webhook
secrets. Spooled webhooks are replayed within seconds of Redis returning and open with any key.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from redis.asyncio import Redis

from engine import keys
from engine.identity import sealing_keys

# Replace a sealed value only if nobody changed it meanwhile (a contact is sealed again by each
# message; a webhook may be registered again): the newer value is sealed with the new key anyway.
_SWAP = """
local current = ARGV[1] == '' and redis.call('GET', KEYS[1]) or redis.call('HGET', KEYS[1], ARGV[1])
if current ~= ARGV[2] then return 0 end
if ARGV[1] == '' then redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL') else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
"""


async def reseal(redis: Redis, key: str) -> dict[str, int]:
    """Re-seal every stored secret with the first key; counts of what was re-sealed."""
    fernet, swap = sealing_keys(key), redis.register_script(_SWAP)
    counts = {"contacts": 0, "partner_secrets": 0, "unreadable": 0}
    for family, field, counted in ((keys.CONTACT, "", "contacts"), (keys.PARTNER, "secret", "partner_secrets")):
        async for name in redis.scan_iter(match=family.glob(), count=500):
            sealed = await (redis.hget(name, field) if field else redis.get(name))
            if not sealed:
                continue
            try:
                resealed = fernet.rotate(sealed)
            except InvalidToken:  # sealed with a key no longer listed: left as it is, counted
                counts["unreadable"] += 1
                continue
            counts[counted] += int(await swap(keys=[name], args=[field, sealed, resealed]))
    return counts
