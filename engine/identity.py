"""Who a message is from, without keeping who they are.

Every key in Redis and the Rasa sender id use a keyed hash of the phone number, never the
number. The number itself (needed to answer) lives only in an encrypted contact record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def sender_id(address: str, key: str) -> str:
    """A stable pseudonym for a phone number: SMS and WhatsApp from one number are one person."""
    number = address.removeprefix("whatsapp:").strip()
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()[:32]


E164 = re.compile(r"^\+[1-9][0-9]{5,14}$")


def international_number(written: str) -> str | None:
    """A number as a person or an administrator writes it ("00227 90 00 00 00",
    "whatsapp:+227...", "(227) 90-00-00-00") in E.164 form as Twilio sends it, or None."""
    number = re.sub(r"[\s().-]", "", written.strip().removeprefix("whatsapp:"))
    number = number if number.startswith("+") else "+" + number.removeprefix("00")
    return number if E164.match(number) else None


def channel_of(address: str) -> str:
    return "whatsapp" if address.startswith("whatsapp:") else "sms"


@dataclass
class Contact:
    address: str  # "+227..." or "whatsapp:+227..."
    channel: str


def sealing_keys(key: str) -> MultiFernet:
    """CONTACT_ENCRYPTION_KEY: one Fernet key, or several separated by commas while rotating.
    Everything is sealed with the first and opened with any; `remi keys rotate` re-seals what is
    stored with the first, after which the others can be dropped."""
    return MultiFernet([Fernet(k.strip().encode()) for k in key.split(",") if k.strip()])


class ContactCipher:
    def __init__(self, key: str):
        self._fernet = sealing_keys(key)

    def seal(self, contact: Contact) -> bytes:
        return self._fernet.encrypt(json.dumps({"address": contact.address, "channel": contact.channel}).encode())

    def open(self, token: bytes | str) -> Contact | None:
        try:
            data = json.loads(self._fernet.decrypt(token))
        except (InvalidToken, ValueError):
            return None
        return Contact(data["address"], data["channel"])
