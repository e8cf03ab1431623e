"""Greet the person with the main menu (Rights / Risks / Services / Talk to someone)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import channel, language, library, render_options, send
from remi.content.render import main_menu
from remi.i18n import gettext_for


class ActionWelcome(Action):
    def name(self) -> str:
        return "action_welcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = language(tracker)
        _ = gettext_for(lang)
        intro = _("Hello! What do you need?")
        send(dispatcher, tracker, main_menu(lang, channel(tracker), library(), intro=intro, **render_options(tracker)))
        return [SlotSet("fallback_count", 0)]
