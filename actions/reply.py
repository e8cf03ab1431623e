"""What every action needs: the live content, the person's language and channel, and a way
to hand a rendered Reply to the worker (first page as text, the whole Reply as custom JSON)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from remi.content.library import Library, LiveLibrary
from remi.content.render import Reply
from remi.language.detect import detect


@lru_cache(maxsize=1)
def _live() -> LiveLibrary:
    return LiveLibrary()


def library() -> Library:
    """The content as it is on disk now: an editor's change is used at the next message."""
    return _live().get()


def metadata(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def language(tracker: Tracker) -> str:
    lang = metadata(tracker).get("language")
    if lang in ("fr", "ha", "en"):
        return lang
    return detect((tracker.latest_message or {}).get("text") or "").language


def channel(tracker: Tracker) -> str:
    return "whatsapp" if metadata(tracker).get("channel") == "whatsapp" else "sms"


def render_options(tracker: Tracker) -> dict[str, Any]:
    return {
        "max_segments": int(os.environ.get("SMS_MAX_SEGMENTS_PER_PAGE", "2")),
        "fold": os.environ.get("SMS_GSM_FOLDING", "true").lower() not in ("0", "false", "no"),
    }


def send(dispatcher: CollectingDispatcher, tracker: Tracker, reply: Reply) -> None:
    # The worker reads the custom part (pages, menu, handover); a plain channel, such as
    # Rasa's own Twilio connector in the benchmark, gets the first page as text.
    if tracker.get_latest_input_channel() == "remi":
        dispatcher.utter_message(text=reply.pages[0], json_message={"remi": reply.to_json()})
    else:
        dispatcher.utter_message(text=reply.pages[0])
