"""What a person is told when the service is behind: their message is kept and will be answered.

The inbox stores every message, whatever the backlog; over MAX_WAITING_MESSAGES messages
waiting (all people together) it answers BUSY for a person not told in the last hour
(engine/inbox.py), and the webhook has this notice sent at once, past the queue, in the
person's language (the one they chose or last wrote in, else the one of this message).
Emergencies are never held back: they are queued ahead of everyone and not told to wait.
"""

from __future__ import annotations

import logging

from engine.identity import Contact
from engine.inbox import InboundMessage
from engine.outbox import Outbox
from engine.profile import Profiles
from remi.i18n import N_, gettext_for
from remi.language.detect import detect

log = logging.getLogger("remi.backpressure")

BUSY_TEXT = N_("We are very busy right now. Your message is kept and we will answer it as soon as we can.")


class BusyNotice:
    def __init__(self, profiles: Profiles, outbox: Outbox):
        self.profiles, self.outbox = profiles, outbox

    async def send(self, message: InboundMessage, contact: Contact) -> None:
        try:
            profile = await self.profiles.load(message.sender)
            if profile.opted_out:
                return
            lang = profile.language or detect(message.body).language or profile.reply_language
            text = gettext_for(lang)(BUSY_TEXT)
            await self.outbox.send(message.sender, contact, text, ref=f"{message.sid}:busy")
        except Exception as exc:  # a notice that cannot go is no reason to lose the message
            log.warning("busy notice for %s not sent (%s)", message.sid, type(exc).__name__)
