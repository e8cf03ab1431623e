"""Short answers for the conversation intents: goodbye, thanks, affirm, deny, choose_language,
out_of_scope. Each ends with a way forward, so nobody is left stuck."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import channel, language, library, render_options, send
from remi import keywords
from remi.content.render import language_menu, main_menu, plain
from remi.i18n import gettext_for


class ActionConversation(Action):
    def name(self) -> str:
        return "action_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        lang, chan, opts = language(tracker), channel(tracker), render_options(tracker)
        _ = gettext_for(lang)
        menu_word = keywords.word("menu", lang)
        if intent == "choose_language":
            send(dispatcher, tracker, language_menu(_("Choose your language:"), chan))
        elif intent == "out_of_scope":
            send(
                dispatcher,
                tracker,
                main_menu(
                    lang,
                    chan,
                    library(),
                    intro=_("Sorry, I can only help with rights, risks of the journey and services."),
                    **opts,
                ),
            )
        elif intent == "goodbye":
            send(
                dispatcher,
                tracker,
                plain(_("Goodbye. Take care. Write {menu} at any time.").format(menu=menu_word), lang, chan, **opts),
            )
        elif intent == "thanks":
            send(
                dispatcher,
                tracker,
                plain(_("You are welcome. Write {menu} for more help.").format(menu=menu_word), lang, chan, **opts),
            )
        else:  # affirm / deny outside a question: show where to go next
            send(dispatcher, tracker, main_menu(lang, chan, library(), **opts))
        return [SlotSet("fallback_count", 0)]
