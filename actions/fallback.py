"""When the NLU is unsure: first offer the two most likely topics as a numbered choice, then
(second time in a row) offer a person. Never a third "I did not understand"."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import channel, language, library, render_options, send
from remi.content.render import Choice, area_title, compose, topic_reply
from remi.i18n import gettext_for


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang, chan, opts = language(tracker), channel(tracker), render_options(tracker)
        _ = gettext_for(lang)
        content = library()
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        person = Choice(area_title("human_operator", lang), "/human_operator")
        if count >= 3:
            # Never a third "I did not understand": a person takes it from here.
            reply = topic_reply("human_operator", lang, chan, content, **opts)
            reply.handover, reply.topic = "general", "fallback"
            send(dispatcher, tracker, reply)
            return [SlotSet("fallback_count", 0)]
        if count == 1:
            ranking = tracker.latest_message.get("intent_ranking") or []
            likely = [r["name"] for r in ranking if r.get("name") in content.topics][:2]
            choices = [Choice(content.topics[t].text("title", lang), f"/{t}") for t in likely] + [person]
            body = _("I am not sure I understood. Do you mean:")
        else:
            choices = [person]
            body = _("I still do not understand. A person can help you:")
        send(dispatcher, tracker, compose(body, choices, _("Menu"), lang, chan, back="menu:main", **opts))
        # No UserUtteranceReverted: Rasa would predict again in the same turn and run the next
        # fallback step at once. The rules depend on the last intent only, so nothing is lost.
        return [SlotSet("fallback_count", count)]
