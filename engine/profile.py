"""What the service remembers about one person between messages, under their keyed hash:
language, opt-out, the last menu shown (so a digit answers it), the pages not yet read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from redis.asyncio import Redis

from engine import keys
from remi.content.render import Reply


@dataclass
class Profile:
    sender: str
    language: str | None = None
    language_chosen: bool = False  # chosen by the person: never switched by detection
    opted_out: bool = False
    menu: dict | None = None  # the last Reply with choices, as JSON
    pages: list[str] = field(default_factory=list)  # pages left for PLUS / KARA / MORE
    awaiting: str | None = None  # "delete_confirm" while a confirmation is pending
    handover: str | None = None  # id of the open handover, if a person has the conversation
    city: str | None = None  # the town the person last named or shared (routes a handover)
    location: list[float] | None = None  # last location pin shared (WhatsApp), for nearby services
    alert_towns: list[str] = field(default_factory=list)  # safety alerts asked for (engine/alerts/)
    last_seen: float = 0.0
    first_seen: float = 0.0

    @property
    def reply_language(self) -> str:
        """The language replies go out in: the person's, French until one is known (the
        language most read in Niger's towns, and the service's default everywhere)."""
        return self.language or "fr"

    @property
    def is_new(self) -> bool:
        return not self.first_seen

    def remember(self, reply: Reply) -> None:
        """A reply's choices become the menu digits answer; its other pages wait for PLUS."""
        if reply.choices or reply.back:
            self.menu = reply.to_json() | {"pages": []}
        self.pages = list(reply.pages[1:])

    def last_menu(self) -> Reply | None:
        return Reply.from_json(self.menu) if self.menu else None


class Profiles:
    def __init__(self, redis: Redis, retention_seconds: int):
        self.redis, self.ttl = redis, retention_seconds

    @staticmethod
    def key(sender: str) -> str:
        return keys.PROFILE.key(sender)

    async def load(self, sender: str) -> Profile:
        raw = await self.redis.get(self.key(sender))
        if not raw:
            return Profile(sender=sender)
        data = json.loads(raw)
        return Profile(**{k: v for k, v in data.items() if k in Profile.__dataclass_fields__})

    async def save(self, profile: Profile) -> None:
        await self.redis.set(self.key(profile.sender), json.dumps(asdict(profile)), ex=self.ttl)
