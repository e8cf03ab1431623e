"""Rasa pipeline step that rewrites each message's text with remi's shared normalisation
(case, accents and Hausa hooks folded, letter runs cut, SMS spellings expanded), in training
and at inference alike, so the model sees "jveu" and "je veux" as the same words. It also keeps
the message's clauses (remi/language/clauses.py), cut before punctuation is lost, for the intent
classifier's reading of long messages, whether the message has words of immediate danger, and
whether it speaks of a danger not met now: asked about in the conditional ("what should we do if
the car breaks down?"), told long ago or feared ("last year the driver left us in the desert")."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from remi.language.clauses import clauses
from remi.language.danger import danger_not_met, in_danger
from remi.language.normalise import normalise

CLAUSES = "clauses"  # the message's clauses, normalised, for the intent classifier (not output)
DANGER = "danger_words"  # the message has words of immediate danger (remi/language/danger.py)
NOT_MET = "danger_not_met"  # a danger asked about, told long ago or feared (the same module)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormaliser(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormaliser:
        return cls()

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        # Messages that are "/intent" payloads from numbered menus are left alone.
        if text and not text.startswith("/"):
            parts = [normalise(c) for c in clauses(text)]
            message.set(CLAUSES, [c for c in parts if c])
            # Read before normalisation loses the punctuation that cuts clauses.
            message.set(DANGER, in_danger(text), add_to_output=True)
            message.set(NOT_MET, danger_not_met(text), add_to_output=True)
            message.set(TEXT, normalise(text) or text)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalise(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalise(message)
        return messages
