"""Every stored record has a retention period (RETENTION_DAYS, 90 by default): after a
conversation, no key is left without an expiry except the few documented in docs/security.md,
and none is kept longer than the retention period."""

from __future__ import annotations

import fnmatch

from tests.support import traces
from tests.support.system import new_number

RETENTION = 90 * 86400
# Keys that hold no personal data or are trimmed otherwise (docs/security.md, "Retention").
WITHOUT_EXPIRY = [
    "remi:audit",  # the audit stream: trimmed by age (entries older than RETENTION_DAYS) on each write
    "remi:pending",  # queues: sender hashes with messages waiting; emptied as they are answered
    "remi:ready",
    "remi:operator:*",  # operators' accounts (staff, not migrants): removed by an administrator
    "remi:partner:*",  # an organisation's webhook settings (engine/handover/partners.py)
    "remi:webhooks:due",  # partner deliveries waiting (ids; the deliveries themselves expire)
    "remi:webhooks:dead",  # partner deliveries given up (ids, capped; the deliveries themselves expire)
    "remi:alerts:due",  # approved alert ids waiting to be sent: emptied as each is sent or cancelled
]


def test_every_key_expires_within_the_retention_period(system):
    number = new_number()
    assert system.converse("Bonjour, je suis à Niamey", number)
    assert system.converse("Hello, I need a doctor", number, whatsapp=True)
    assert system.converse("je veux parler à quelqu'un", number)  # a handover, last: the bot then stays silent

    records = traces.dump(system)
    assert any(rec.key.startswith(b"rasa:tracker:") for rec in records)  # the control: trackers are read
    forever = sorted(
        rec.key.decode()
        for rec in records
        if rec.ttl == -1 and not any(fnmatch.fnmatchcase(rec.key.decode(), p) for p in WITHOUT_EXPIRY)
    )
    assert forever == []
    too_long = sorted(rec.key.decode() for rec in records if rec.ttl > RETENTION)
    assert too_long == []
