"""WhatsApp's 24-hour rule, owned here.

WhatsApp lets a business send free text only within 24 hours of the person's last message;
after that Twilio refuses it (error 63016) unless it is an approved template. The time of each
person's last inbound message is kept under remi:last-inbound:<sender> (written by the inbox
when a message is stored, expiring a little after the window closes: a missing key means the
window is closed). SMS has no window.

Every part that sends without being asked (the console's replies, the outbox's initiated
messages) asks `Window` rather than counting hours itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from engine import keys
from engine.storage import as_text
from remi.i18n import N_

WINDOW_SECONDS = 24 * 3600
# Kept an hour past the window, so that "closed 20 minutes ago" can still be said.
KEEP_SECONDS = WINDOW_SECONDS + 3600
# Twilio's error codes that mean "outside the window / template refused" (status callbacks).
# Marked for the catalogs: the console shows them in the operator's language.
WINDOW_ERRORS = {
    "63016": N_("outside WhatsApp's 24-hour window: only an approved template may be sent"),
    "63015": N_("the WhatsApp sandbox only reaches people who joined it"),
    "63017": N_("the WhatsApp template was refused"),
    "63020": N_("the WhatsApp template was rejected by WhatsApp"),
    "63024": N_("the WhatsApp template's variables do not match the approved template"),
}


@dataclass(frozen=True)
class WindowState:
    channel: str
    last_inbound_at: float | None  # None: not known (longer ago than KEEP_SECONDS, or never)
    now: float

    @property
    def applies(self) -> bool:
        """Only WhatsApp has the rule; an SMS may be sent at any time."""
        return self.channel == "whatsapp"

    @property
    def open(self) -> bool:
        if not self.applies:
            return True
        return self.last_inbound_at is not None and self.now - self.last_inbound_at < WINDOW_SECONDS

    @property
    def seconds_left(self) -> int:
        """How long free text may still be sent (0 once closed; SMS: 0, the rule does not apply)."""
        if not self.applies or self.last_inbound_at is None:
            return 0
        return max(0, int(self.last_inbound_at + WINDOW_SECONDS - self.now))


def is_open(channel: str, last_inbound_at: float | None, now: float | None = None) -> bool:
    return WindowState(channel, last_inbound_at, now if now is not None else time.time()).open


def failure_reason(error_code: str | None) -> str | None:
    """Why Twilio refused a message, when the refusal is about the window or a template."""
    return WINDOW_ERRORS.get(error_code or "")


class Window:
    def __init__(self, redis: Redis):
        self.redis = redis

    async def seen(self, sender: str, at: float | None = None) -> None:
        """The person wrote: the window (re)opens for 24 hours."""
        at = at if at is not None else time.time()
        await self.redis.set(keys.LAST_INBOUND.key(sender), f"{at:.3f}", ex=KEEP_SECONDS)

    async def last_inbound(self, sender: str) -> float | None:
        raw = await self.redis.get(keys.LAST_INBOUND.key(sender))
        return float(as_text(raw)) if raw else None

    async def state(self, sender: str, channel: str, now: float | None = None) -> WindowState:
        last = await self.last_inbound(sender) if channel == "whatsapp" else None
        return WindowState(channel, last, now if now is not None else time.time())
