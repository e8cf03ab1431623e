"""The events the message path records, as flat rows: pseudonymous (a person is a digest of
the already keyed sender hash, never a number), no message text except a missed question's,
with its digit runs masked. Recording only appends to a buffer (engine/insight/store.py)."""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any, Protocol

from engine.insight.privacy import mask_digits

if TYPE_CHECKING:
    from engine.conversation import Outcome
    from engine.handover.records import Handover
    from engine.inbox import InboundMessage
    from engine.profile import Profile

FEEDBACK = "feedback:"  # Profile.awaiting after a handover closed: "feedback:<handover id>"
SCORES = ("1", "2", "3", "4", "5")
LOW_CONFIDENCE = 0.5  # below this the bot's answer counts as a missed question for the editors
FALLBACK_INTENTS = ("nlu_fallback",)
# Understood, but the service has nothing for it: a missed question too (content to write).
NO_ANSWER_INTENTS = ("out_of_scope",)

Row = dict[str, Any]


def person_of(sender: str) -> str:
    """A pseudonym that counts distinct people and nothing else."""
    return hashlib.sha256(b"remi-insight:" + sender.encode()).hexdigest()[:16]


def day_of(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def turn_row(
    sender: str,
    channel: str,
    language: str,
    text: str,
    intent: str | None,
    confidence: float | None,
    topic: str | None,
    town: str | None,
    handover: dict | None,
    fallback: bool = False,
    at: float | None = None,
) -> Row:
    at = at or time.time()
    fallback = fallback or intent in FALLBACK_INTENTS or topic == "fallback"
    unsure = confidence is not None and confidence < LOW_CONFIDENCE
    missed = bool(text) and intent is not None and (fallback or unsure or intent in NO_ANSWER_INTENTS)
    return {
        "at": at,
        "day": day_of(at),
        "person": person_of(sender),
        "channel": channel,
        "language": language,
        "intent": intent,
        "confidence": confidence,
        "topic": topic,
        "town": town,
        "fallback": int(fallback),
        "handover": int(bool(handover)),
        "text": mask_digits(text)[:500] if missed else None,
    }


def turn_event(message: InboundMessage, profile: Profile, outcome: Outcome) -> Row:
    """The turn the worker just ran, as the insight row."""
    return turn_row(
        message.sender,
        message.channel,
        profile.reply_language,
        message.body.strip(),
        outcome.intent,
        outcome.confidence,
        outcome.topic,
        profile.city,
        outcome.handover,
        outcome.fallback,
        message.received_at,
    )


def handover_row(
    handover_id: str,
    sender: str,
    category: str,
    team: str,
    organisation: str,
    priority: bool,
    reason: str,
    opened_at: float,
) -> Row:
    return {
        "id": handover_id,
        "day": day_of(opened_at),
        "person": person_of(sender),
        "category": category,
        "team": team,
        "organisation": organisation,
        "priority": int(priority),
        "reason": reason,
        "opened_at": opened_at,
    }


def send_row(channel: str, segments: int, status: str, at: float | None = None) -> Row:
    at = at or time.time()
    return {"at": at, "day": day_of(at), "channel": channel, "segments": segments, "status": status}


class Recorder(Protocol):
    def record(self, kind: str, row: Row) -> None: ...


def record_turn(insight: Recorder, message: InboundMessage, profile: Profile, outcome: Outcome) -> None:
    """The worker's one call after a turn: the turn, and a feedback score if it was one."""
    insight.record("turn", turn_event(message, profile, outcome))
    if outcome.feedback:
        handover_id, score = outcome.feedback
        insight.record("feedback", {"id": handover_id, "score": score})


def record_handover(insight: Recorder, event: str, handover: Handover) -> None:
    """The handover desk's one call for each step of a handover's life."""
    if event == "opened":
        insight.record(
            "handover",
            handover_row(
                handover.id,
                handover.sender,
                handover.category,
                handover.team,
                handover.organisation,
                handover.priority,
                handover.reason,
                handover.created_at,
            ),
        )
    elif event == "claimed":
        insight.record("claimed", {"id": handover.id, "at": handover.claimed_at or time.time()})
    elif event == "transferred":
        insight.record("transferred", {"id": handover.id, "team": handover.team, "organisation": handover.organisation})
    elif event == "closed":
        outcome = handover.close_reason or "closed"
        insight.record("closed", {"id": handover.id, "at": handover.closed_at or time.time(), "outcome": outcome})
