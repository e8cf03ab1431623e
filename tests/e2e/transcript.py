"""Helpers that let conversation tests read like transcripts."""

from __future__ import annotations

import re

from tests.support.system import System, new_number


class Phone:
    """One migrant's phone: `say` sends a message and returns what the phone shows."""

    def __init__(self, system: System, whatsapp: bool = False):
        self.system, self.number, self.whatsapp = system, new_number(), whatsapp
        self.screen: list[str] = []

    def say(self, text: str, **extra: str) -> str:
        replies = self.system.converse(text, self.number, whatsapp=self.whatsapp, **extra)
        self.screen += replies
        return "\n".join(replies)

    def silent_after(self, text: str, wait: float = 3.0, **extra: str) -> bool:
        """Sends `text`; True when nothing at all comes back."""
        address = ("whatsapp:" if self.whatsapp else "") + self.number
        before = len(self.system.twilio.sent_to(address))
        self.system.send(text, self.number, whatsapp=self.whatsapp, **extra)
        import time

        time.sleep(wait)
        return len(self.system.twilio.sent_to(address)) == before


def digit_for(menu: str, label: str) -> str:
    """The number a menu shows before `label` ("1 Droits 2 Risques" → digit_for(.., "Risques") == "2")."""
    for number, text in re.findall(r"(\d+)\.? ([^\d\n]+)", menu):
        if label.lower() in text.lower():
            return number
    raise AssertionError(f"{label!r} is not in the menu: {menu!r}")
