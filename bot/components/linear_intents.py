"""Intent classifier: TF-IDF over character n-grams (1-5, within words) and words (1-2) of the
normalised text, and a linear SVM whose margins become confidences by temperature scaling
(a softmax with one temperature, fitted on cross-validated margins).

Chosen by measurement (docs/benchmarks.md, "NLU"): on the held-out messages it beats DIET, with
or without its transformer, in every language, and trains in seconds instead of minutes.
Character n-grams are what make "agadas", "kud'i" and "jveu" look like their neighbours; the
words and word pairs carry "garde a vue" or "komawa gida".

A message of several clauses (a story) is also read clause by clause: every clause the model
reads surely enough is a need (the last clause, where a story puts its request, more readily
when it names a service), and the message's intent is the most urgent of them (danger first,
then services, then rights and risks, then the rest of the conversation: remi/language/needs.py),
with the others after it in `needs` (in the parse result) for the reply to offer as a numbered choice.
Words of immediate danger anywhere in the message (remi/language/danger.py, read by the
normaliser) make the need an emergency whatever the model read, as the engine does before Rasa:
one rule, so that the intent Rasa reports is the one the person is answered on. The model's own
reading stays in the parse result as `model_intent`. A message that asks about a danger in the
conditional, or tells of one long ago or feared, with no words of danger ("idan mota ta lalace a
daji me ya kamata a yi?", "bara an kulle mu a ghetto, yanzu ina son aiki" is not: "yanzu" is now),
is information: the model's reading of an emergency is set aside for it (`model_intent` included).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_union
from sklearn.svm import LinearSVC

from remi.language.needs import (
    CLAUSE_EMERGENCY_FLOOR,
    CLAUSE_FLOOR,
    LAST_CLAUSE_SERVICE_FLOOR,
    needs_of,
)

logger = logging.getLogger(__name__)
FILE = "linear_intents.joblib"
CLAUSES = "clauses"  # set by bot.components.normaliser.TextNormaliser
NEEDS = "needs"
DANGER = "danger_words"  # set by bot.components.normaliser.TextNormaliser
NOT_MET = "danger_not_met"  # set by bot.components.normaliser.TextNormaliser
EMERGENCY = "emergency"
MODEL_INTENT = "model_intent"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "char_ngrams": [1, 5],
            "word_ngrams": [1, 2],
            "C": 1.0,
            "calibration_folds": 5,
            "ranking_length": 10,
            # How surely a clause must be read to be a need (remi/language/needs.py says why).
            "clause_confidence": CLAUSE_FLOOR,
            "clause_emergency_confidence": CLAUSE_EMERGENCY_FLOOR,
            "last_clause_service_confidence": LAST_CLAUSE_SERVICE_FLOOR,
            "random_state": 42,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Pipeline | None = None,
        temperature: float = 1.0,
    ) -> None:
        self.config, self._storage, self._resource = config, model_storage, resource
        self.pipeline, self.temperature = pipeline, temperature

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def _new_pipeline(self) -> Pipeline:
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.config["char_ngrams"]), sublinear_tf=True),
            TfidfVectorizer(
                analyzer="word", ngram_range=tuple(self.config["word_ngrams"]), sublinear_tf=True, token_pattern=r"\S+"
            ),
        )
        svm = LinearSVC(C=self.config["C"], random_state=self.config["random_state"])
        return Pipeline([("features", features), ("classifier", svm)])

    @staticmethod
    def _softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
        z = margins / temperature
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def _fit_temperature(self, texts: list[str], labels: np.ndarray) -> float:
        """The temperature that makes confidences honest on messages the SVM did not see, so
        that the FallbackClassifier's threshold means what it says."""
        folds = StratifiedKFold(
            self.config["calibration_folds"], shuffle=True, random_state=self.config["random_state"]
        )
        margins = cross_val_predict(self._new_pipeline(), texts, labels, cv=folds, method="decision_function")
        classes = np.unique(labels)
        truth = np.searchsorted(classes, labels)
        best, best_loss = 1.0, float("inf")
        for temperature in np.geomspace(0.02, 2.0, 60):
            probs = self._softmax(margins, temperature)
            loss = -np.mean(np.log(probs[np.arange(len(truth)), truth] + 1e-12))
            if loss < best_loss:
                best, best_loss = float(temperature), loss
        return best

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        counts = Counter(m.get(INTENT) for m in examples)
        # Calibration needs a few examples of each intent; an intent with fewer is left out
        # (with a warning) rather than failing the whole training.
        too_few = {i for i, n in counts.items() if n < self.config["calibration_folds"]}
        if too_few:
            logger.warning("intents with too few examples to learn, left out: %s", sorted(too_few))
            examples = [m for m in examples if m.get(INTENT) not in too_few]
        if not examples:
            logger.warning("no intent examples: the intent classifier is not trained")
            return self._resource
        texts, labels = [m.get(TEXT) for m in examples], np.asarray([m.get(INTENT) for m in examples])
        self.temperature = self._fit_temperature(texts, labels)
        self.pipeline = self._new_pipeline().fit(texts, labels)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump({"pipeline": self.pipeline, "temperature": self.temperature}, directory / FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(directory / FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("no trained intent classifier in the model")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, saved["pipeline"], saved["temperature"])

    def process(self, messages: list[Message]) -> list[Message]:
        if self.pipeline is None:
            return messages
        labels = self.pipeline.classes_
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            parts = [c for c in message.get(CLAUSES) or [] if c != text] if not text.startswith("/") else []
            parts = parts if len(parts) >= 2 else []
            probabilities = self._softmax(self.pipeline.decision_function([text, *parts]), self.temperature)
            if message.get(NOT_MET):
                probabilities = self._without(probabilities, labels == EMERGENCY)
            order = np.argsort(probabilities[0])[::-1][: self.config["ranking_length"]]
            ranking = [{"name": str(labels[i]), "confidence": float(probabilities[0][i])} for i in order]
            needs = self._needs(ranking[0], [self._top(p, labels) for p in probabilities[1:]])
            message.set(MODEL_INTENT, needs[0]["name"], add_to_output=True)
            if message.get(DANGER) and needs[0]["name"] != "emergency":
                needs = [{"name": "emergency", "confidence": 1.0}] + [n for n in needs if n["name"] != "emergency"]
            chosen = needs[0]
            ranking = [chosen] + [r for r in ranking if r["name"] != chosen["name"]]
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(NEEDS, [n["name"] for n in needs], add_to_output=True)
        return messages

    @staticmethod
    def _without(probabilities: np.ndarray, dropped: np.ndarray) -> np.ndarray:
        """The readings with some intents set aside (their confidence given to the others)."""
        kept = np.where(dropped, 0.0, probabilities)
        return kept / kept.sum(axis=1, keepdims=True)

    @staticmethod
    def _top(probs: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
        i = int(np.argmax(probs))
        return {"name": str(labels[i]), "confidence": float(probs[i])}

    def _needs(self, whole: dict[str, Any], clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return needs_of(
            whole,
            clauses,
            floor=self.config["clause_confidence"],
            emergency_floor=self.config["clause_emergency_confidence"],
            last_service_floor=self.config["last_clause_service_confidence"],
        )
