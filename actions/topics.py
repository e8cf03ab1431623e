"""Answer a guidance intent (rights_*, risk_*, service_*, emergency, human_operator) with its
topic from content/<lang>/, listing the services of the person's town when the topic has any."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reply import channel, language, library, metadata, render_options, send
from remi.cities import nearest_city
from remi.content.render import city_question, topic_reply


class ActionAnswerTopic(Action):
    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        topic_id = (tracker.latest_message.get("intent") or {}).get("name")
        content = library()
        if topic_id not in content.topics:
            return []
        lang, chan, opts = language(tracker), channel(tracker), render_options(tracker)
        city = tracker.get_slot("city")
        events: list[EventType] = [SlotSet("fallback_count", 0)]
        # A location pin shared on WhatsApp: the nearest services, and the town remembered.
        location = metadata(tracker).get("location")
        near = tuple(location) if isinstance(location, list) and len(location) == 2 else None
        if near:
            city = nearest_city(near)
            events.append(SlotSet("city", city))
        topic = content.topics[topic_id]
        # A service asked for without a town would list every town's services: ask the town
        # first. Rights and risks answer at once (their services follow once the town is known),
        # and an emergency never waits for a question.
        if topic.area == "services" and not city and tracker.get_latest_input_channel() == "remi":
            send(dispatcher, tracker, city_question(topic_id, lang, chan, **opts))
            return events
        # A long message's second need (bot/components/linear_intents.py) is offered first.
        needs = [n for n in tracker.latest_message.get("needs") or [] if n != topic_id and n in content.topics]
        also = needs[0] if needs else None
        send(dispatcher, tracker, topic_reply(topic_id, lang, chan, content, city=city, near=near, also=also, **opts))
        return events
