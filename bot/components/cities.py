"""Rasa entity extractor for `city`: a gazetteer of Niger's towns and their spellings
("agades", "Yamai", "Damagaram"), with one-typo tolerance, giving the canonical name.

A gazetteer beats a learned extractor here: the towns are a closed list, people spell them
in dozens of ways, and a town missed or invented sends someone to the wrong services."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from remi.cities import find_cities


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CityExtractor(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CityExtractor:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            found = [
                {
                    "entity": "city",
                    "value": city,
                    "start": start,
                    "end": end,
                    "confidence_entity": 1.0,
                    "extractor": "CityExtractor",
                }
                for city, start, end in find_cities(text)
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
