"""Every Redis key the service writes, named in one place.

Each key family is declared once with what it is keyed by. Erasure (engine/erasure.py) deletes
every family keyed by a person (their keyed hash, their messages, the replies sent to them), and
the retention test (tests/security/test_retention.py) allows no key without an expiry but the
families declared `expires=False` here: a new family added here is erased and checked without
anyone having to remember it, and a key written elsewhere under "remi:" fails the test that
every key belongs to a family (tests/engine/test_keys.py).

Keys hold a sender's keyed hash or a Twilio id, never a phone number. Rasa's own keys (its
tracker store, prefix "rasa", written by tools/stack.py into endpoints.yml) are declared too,
so that erasure finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "remi:"

# What a family is keyed by.
SENDER = "sender"  # a person's keyed hash (engine/identity.py)
MESSAGE = "message"  # an inbound MessageSid: the person's message
REPLY = "reply"  # an outbound reference "<MessageSid>:<n>": a reply sent to the person
TWILIO_REPLY = "twilio_reply"  # Twilio's id of a reply sent to the person
NONE = "none"  # the service's own: queues, indexes, staff, partners


@dataclass(frozen=True)
class Family:
    template: str  # with one {placeholder} for the key's id, or none
    keyed_by: str
    holds: str
    expires: bool = True  # False: no TTL, emptied or trimmed otherwise (docs/security.md)

    def key(self, ident: str = "") -> str:
        return self.template.format(ident) if "{}" in self.template else self.template

    def glob(self) -> str:
        return self.template.replace("{}", "*")

    def matches(self, key: str) -> bool:
        return re.fullmatch(re.escape(self.template).replace(r"\{\}", ".+"), key) is not None


FAMILIES: dict[str, Family] = {}


def _family(name: str, template: str, keyed_by: str, holds: str, expires: bool = True) -> Family:
    family = Family(template, keyed_by, holds, expires)
    FAMILIES[name] = family
    return family


# -- a person's messages (engine/inbox.py) --------------------------------------------------
SEEN = _family(
    "seen",
    PREFIX + "seen:{}",
    NONE,
    "dedupe marker '1' per MessageSid, kept through erasure so a re-delivery stays dropped",
)
MESSAGE_RECORD = _family("message", PREFIX + "msg:{}", MESSAGE, "the message: sender, channel, body, media, state")
CONTACT = _family(
    "contact", PREFIX + "contact:{}", SENDER, "the encrypted contact record (the only place of the number)"
)
INBOX = _family("inbox", PREFIX + "inbox:{}", SENDER, "the sender's message ids, oldest first")
SIDS = _family("sids", PREFIX + "sids:{}", SENDER, "the sender's MessageSids (what erasure deletes)")
RATE = _family("rate", PREFIX + "rate:{}", SENDER, "the sender's messages of the last minute")
PENDING = _family("pending", PREFIX + "pending", NONE, "senders with messages waiting", expires=False)
READY = _family(
    "ready",
    PREFIX + "ready",
    NONE,
    "senders to pick up, each once, emergencies first (sorted set; workers BZPOPMIN it)",
    expires=False,
)
WAITING = _family(
    "waiting",
    PREFIX + "waiting",
    NONE,
    "how many messages wait, all senders together (recounted by the sweeper)",
    expires=False,
)
BUSY = _family("busy", PREFIX + "busy:{}", SENDER, "the sender was told 'we are busy' (once an hour at most)")
LOCK = _family("lock", PREFIX + "lock:{}", SENDER, "the per-sender lock a worker holds during a turn")
LAST_INBOUND = _family(
    "last_inbound",
    PREFIX + "last-inbound:{}",
    SENDER,
    "when the sender last wrote (WhatsApp's 24-hour window, engine/window.py)",
)

# -- the conversation (engine/profile.py, engine/recent.py) ---------------------------------
PROFILE = _family("profile", PREFIX + "profile:{}", SENDER, "language, menus, town, handover state")
RECENT = _family("recent", PREFIX + "recent:{}", SENDER, "the last turns, for a handover's context")

# -- replies (engine/outbox.py) -------------------------------------------------------------
OUT = _family("out", PREFIX + "out:{}", REPLY, "one reply: state, Twilio id, status")
OUTREFS = _family("outrefs", PREFIX + "outrefs:{}", SENDER, "the sender's reply references")
SEGMENTS = _family("segments", PREFIX + "segments:{}", SENDER, "SMS segments sent to the sender today")
TWILIO = _family("twilio", PREFIX + "twilio:{}", TWILIO_REPLY, "Twilio's id → our reply reference")
FAILED_OUTBOUND = _family("failed_outbound", PREFIX + "outbound:failed", NONE, "replies Twilio refused (capped)")

# -- handovers (engine/handover/) -----------------------------------------------------------
HANDOVER = _family("handover", PREFIX + "handover:{}", NONE, "one handover (erased through its sender's index)")
HANDOVER_FROM = _family("handover_from", PREFIX + "handover:from:{}", MESSAGE, "the handover a message opened")
HANDOVERS_OF = _family("handovers_of", PREFIX + "handovers:of:{}", SENDER, "the sender's handovers")
HANDOVERS_BY_STATUS = _family("handovers_by_status", PREFIX + "handovers:{}", NONE, "handover ids by status")
HANDOVERS_WAITING = _family("handovers_waiting", PREFIX + "handovers:waiting", NONE, "unclaimed, by time")
PARTNER = _family("partner", PREFIX + "partner:{}", NONE, "an organisation's webhook settings", expires=False)
WEBHOOK = _family("webhook", PREFIX + "webhook:{}", NONE, "one partner delivery (routing facts only)")
WEBHOOKS_DUE = _family("webhooks_due", PREFIX + "webhooks:due", NONE, "partner deliveries waiting", expires=False)
WEBHOOKS_DEAD = _family("webhooks_dead", PREFIX + "webhooks:dead", NONE, "partner deliveries given up", expires=False)

# -- safety alerts (engine/alerts/) ---------------------------------------------------------
ALERT_SUBSCRIPTION = _family(
    "alert_subscription",
    PREFIX + "alert-sub:{}",
    SENDER,
    "the towns a person asked alerts for, their language, channel and last message time",
)
ALERT_TOWN = _family(
    "alert_town",
    PREFIX + "alerts:town:{}",
    NONE,
    "subscribers of one town: sender hashes scored by when the subscription lapses (erasure removes one)",
)
ALERT = _family("alert", PREFIX + "alert:{}", NONE, "one alert: towns, texts, who wrote, approved, cancelled")
ALERTS = _family("alerts", PREFIX + "alerts", NONE, "alert ids by creation time")
ALERTS_DUE = _family(
    "alerts_due", PREFIX + "alerts:due", NONE, "approved alert ids waiting to be sent, in order", expires=False
)
ALERT_RECIPIENTS = _family(
    "alert_recipients",
    PREFIX + "alert-recipients:{}",
    NONE,
    "an alert's recipients (sender hashes, '-' once erased), fixed when it is approved",
)
ALERT_SKIPPED = _family(
    "alert_skipped", PREFIX + "alert-skipped:{}", NONE, "an alert's recipients not sent to, by position: why"
)
ALERTS_SENT_TODAY = _family(
    "alerts_sent_today", PREFIX + "alerts:sent:{}", NONE, "alert messages sent per number and day (the daily cap)"
)
ALERTS_LEASE = _family("alerts_lease", PREFIX + "alerts:lease", NONE, "the one process sending alerts now")

# -- staff (engine/operators.py, engine/audit.py) -------------------------------------------
OPERATOR = _family("operator", PREFIX + "operator:{}", NONE, "an operator's account", expires=False)
SESSION = _family("session", PREFIX + "session:{}", NONE, "a token's or console session's record, by digest")
OPERATOR_SESSIONS = _family("operator_sessions", PREFIX + "operator-sessions:{}", NONE, "an operator's session digests")
SIGNIN_FAILURES = _family(
    "signin_failures", PREFIX + "signin-failures:{}", NONE, "sign-in attempts per username and address digest"
)
SIGNIN_ADDRESS = _family("signin_address", PREFIX + "signin-address:{}", NONE, "sign-in attempts per address digest")
SIGNIN_ATTEMPTS = _family("signin_attempts", PREFIX + "signin-attempts:{}", NONE, "sign-in attempts in one second")
OPERATOR_RATE = _family("operator_rate", PREFIX + "operator-rate:{}", NONE, "an operator's calls this minute")
AUDIT = _family("audit", PREFIX + "audit", NONE, "the audit stream, trimmed by age on each write", expires=False)

# -- Rasa's, under its key prefix "rasa" (tools/stack.py) ------------------------------------
RASA_TRACKER = _family("rasa_tracker", "rasa:tracker:{}", SENDER, "Rasa's tracker of the conversation")
RASA_LOCK = _family("rasa_lock", "rasa:lock:{}", SENDER, "Rasa's lock, when its lock store is in Redis")


def of_person(keyed_by: str) -> list[Family]:
    """The families that hold a person's data keyed by one kind of id: what erasure deletes."""
    return [f for f in FAMILIES.values() if f.keyed_by == keyed_by]


def without_expiry() -> list[Family]:
    return [f for f in FAMILIES.values() if not f.expires]


def family_of(key: str) -> Family | None:
    """The family a key belongs to (the most specific template that matches)."""
    found = [f for f in FAMILIES.values() if f.matches(key)]
    return max(found, key=lambda f: len(f.template), default=None)
