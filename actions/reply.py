"""What every action needs: the live content, the person's language and channel, and a way
to hand a rendered Reply to the worker (first page as text, the whole Reply as custom JSON)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from remi.content.library import Library, LiveLibrary
from remi.content.render import Reply


@lru_cache(maxsize=1)
def _live() -> LiveLibrary:
    return LiveLibrary()


def library() -> Library:
    """The content as it is on disk now: an editor's change is used at the next message."""
    return _live().get()


def metadata(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def language(tracker: Tracker) -> str:
    """The person's language, as the engine chose it (engine/conversation.py owns that choice).
    A channel that says none (Rasa's own connectors, used only by the benchmark) gets French."""
    lang = metadata(tracker).get("language")
    return lang if lang in ("fr", "ha", "en") else "fr"


def channel(tracker: Tracker) -> str:
    return "whatsapp" if metadata(tracker).get("channel") == "whatsapp" else "sms"


def render_options(tracker: Tracker) -> dict[str, Any]:
    """How to cut SMS pages, from the engine's settings (SMS_MAX_SEGMENTS_PER_PAGE,
    SMS_GSM_FOLDING), sent with each message: the action server reads no setting of its own."""
    given = metadata(tracker).get("render") or {}
    return {"max_segments": int(given.get("max_segments", 2)), "fold": bool(given.get("fold", True))}


def send(dispatcher: CollectingDispatcher, tracker: Tracker, reply: Reply) -> None:
    # The worker reads the custom part (pages, menu, handover); a plain channel, such as
    # Rasa's own Twilio connector in the benchmark, gets the first page as text.
    if tracker.get_latest_input_channel() == "remi":
        dispatcher.utter_message(
            text=reply.pages[0], json_message={"remi": reply.to_json(), "nlu": understood(tracker)}
        )
    else:
        dispatcher.utter_message(text=reply.pages[0])


def understood(tracker: Tracker) -> dict[str, Any]:
    """What the NLU made of the message, for the engine's insight events (never shown): on a
    fallback, the most likely real intent, so that an editor sees what the bot guessed."""
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    if intent.get("name") != "nlu_fallback":
        return {"intent": intent.get("name"), "confidence": intent.get("confidence"), "fallback": False}
    ranking = [r for r in latest.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    guess = ranking[0] if ranking else {}
    return {"intent": guess.get("name"), "confidence": guess.get("confidence"), "fallback": True}
