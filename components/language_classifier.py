"""Which of our languages a message is written in, as a ranking added to the parse data.

Two detectors are combined:
- an in-domain classifier (character n-grams, logistic regression) trained during ``rasa train`` on the
  NLU examples, whose language comes from the ``metadata: {language: xx}`` of each intent block; it
  knows the short, typo-ridden, code-mixed way people write to a city assistant;
- py3langid (a general-purpose model shipped inside the PyPI package), restricted to our languages and
  run on the message without the shared German administrative words ("Anmeldung", "Kindergeld"),
  which appear in every language's examples and say nothing about the language.

The ranking is the normalised product of both (log-linear mixture). The conversation-level decision
(keep the language on "ok" or "Kita", honour a chosen language) is taken by the actions, which know the
conversation; see ``actions/language_detection.py``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from typing import Any

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from components import storage
from components.fast_features import FastPipeline, column_major
from components.normalize import normalize

logger = logging.getLogger(__name__)

LANGUAGE_RANKING = "language_ranking"
UNSUPPORTED_LANGUAGE = "unsupported_language"
# how many words of the message are not shared vocabulary: 0 means the message says nothing about its language
LANGUAGE_EVIDENCE = "language_evidence"
MODEL_FILE_NAME = "language_classifier.skops"
WORD = re.compile(r"\w+", re.UNICODE)
OUR_SCRIPTS = {"LATIN", "CYRILLIC", "ARABIC"}

_identifiers: dict[tuple[str, ...], LanguageIdentifier] = {}


def _langid(languages: list[str] | None = None) -> LanguageIdentifier:
    """py3langid's bundled model (restricted to ``languages``), loaded once per process."""
    key = tuple(languages or ())
    if key not in _identifiers:
        identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        if languages:
            identifier.set_languages(languages)
        _identifiers[key] = identifier
    return _identifiers[key]


def example_language(message: Message) -> str | None:
    """The language an NLU example was written in (intent-block or example metadata)."""
    metadata = message.get("metadata") or {}
    for level in ("example", "intent"):
        language = (metadata.get(level) or {}).get("language")
        if language:
            return str(language)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LanguageClassifier(GraphComponent):
    """Adds ``language_ranking`` ([{"name": "uk", "confidence": 0.93}, ...]) to every parsed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "min_ngram": 1,
            "max_ngram": 4,
            "C": 10.0,
            # weight of py3langid in the log-linear mixture (the in-domain classifier has weight 1)
            "langid_weight": 0.2,
            # a word seen in examples of at least this many languages counts as shared vocabulary
            "shared_word_languages": 4,
            "ranking_length": 3,
            # a message in a language we do not speak is reported when py3langid (all its 97
            # languages) is this sure and the message has at least this many words
            "unsupported_confidence": 0.95,
            "unsupported_min_words": 4,
            # ... unless our own ranking is at least this sure of one of our languages
            "supported_confidence": 0.99,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "py3langid", "skops"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Pipeline | None = None,
        shared_words: set[str] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline
        self.shared_words = shared_words or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageClassifier:
        return cls(config, model_storage, resource)

    # ----------------------------------------------------------------- training

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for message in training_data.intent_examples:
            language = example_language(message)
            if language and message.get(TEXT):
                texts.append(message.get(TEXT))
                labels.append(language)
        if len(set(labels)) < 2:
            logger.warning(
                "LanguageClassifier: NLU examples need 'metadata: {language: xx}' in at least two "
                "languages; language detection will rely on py3langid alone."
            )
            self.pipeline = None
        else:
            self.pipeline = self.build_pipeline()
            column_major(self.pipeline.fit(texts, labels))
        self.shared_words = self.find_shared_words(texts, labels)
        self.persist()
        return self._resource

    def build_pipeline(self) -> Pipeline:
        return Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(self.config["min_ngram"], self.config["max_ngram"]),
                        sublinear_tf=True,
                        lowercase=True,
                    ),
                ),
                ("clf", LogisticRegression(C=self.config["C"], max_iter=2000)),
            ]
        )

    def find_shared_words(self, texts: list[str], labels: list[str]) -> set[str]:
        seen: dict[str, set[str]] = defaultdict(set)
        for text, label in zip(texts, labels, strict=True):
            for word in WORD.findall(normalize(text)):
                seen[word].add(label)
        return {w for w, langs in seen.items() if len(langs) >= self.config["shared_word_languages"]}

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            storage.dump(
                {"pipeline": self.pipeline, "shared_words": sorted(self.shared_words)},
                directory / MODEL_FILE_NAME,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageClassifier:
        with model_storage.read_from(resource) as directory:
            state = storage.load(directory / MODEL_FILE_NAME)
        return cls(config, model_storage, resource, state["pipeline"], set(state["shared_words"]))

    # ----------------------------------------------------------------- inference

    @property
    def languages(self) -> list[str]:
        if self.pipeline is not None:
            return [str(c) for c in self.pipeline.classes_]
        from actions.languages import CODES

        return list(CODES)

    def content_words(self, text: str) -> list[str]:
        """The words of ``text`` without the vocabulary all languages share ("Anmeldung", "Jobcenter")."""
        return [w for w in WORD.findall(text) if normalize(w) not in self.shared_words and not w.isdigit()]

    def unsupported(self, text: str, our_best: float = 0.0) -> str | None:
        """The code of a language we do not speak, when the message is clearly written in one.

        ``our_best`` is the top confidence of our own ranking: a short French question that py3langid
        takes for Breton ("où est la mairie ?") stays French when our ranking is sure of it.
        """
        letters = [ch for ch in text if ch.isalpha()]
        foreign = sum(1 for ch in letters if unicodedata.name(ch, "?").split(" ")[0] not in OUR_SCRIPTS)
        if letters and foreign > len(letters) / 2:
            # Chinese, Tigrinya, Hindi, ...: a script none of our languages is written in
            return str(_langid().classify(text)[0])
        words = self.content_words(text)
        if len(words) < self.config["unsupported_min_words"]:
            return None
        if our_best >= self.config["supported_confidence"]:
            return None
        threshold = self.config["unsupported_confidence"]
        code, confidence = _langid().classify(" ".join(words))
        whole_code, whole_confidence = _langid().classify(text)
        if code in self.languages or confidence < threshold or whole_code != code or whole_confidence < threshold:
            return None
        return str(code)

    @property
    def fast(self) -> FastPipeline:
        """The fitted pipeline with per-message features (components/fast_features.py), built on first use."""
        if getattr(self, "_fast", None) is None or self._fast_for is not self.pipeline:
            self._fast, self._fast_for = FastPipeline(self.pipeline), self.pipeline
        return self._fast

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All our languages with probabilities, best first."""
        languages = self.languages
        log_p = np.zeros(len(languages))
        if self.pipeline is not None:
            log_p += np.log(self.fast.predict_proba([text])[0] + 1e-9)
        content = " ".join(self.content_words(text))
        if sum(ch.isalpha() for ch in content) >= 2:
            scores = dict(_langid(languages).rank(content))
            langid = np.array([scores.get(code, 0.0) for code in languages])
            log_p += self.config["langid_weight"] * np.log(langid + 1e-9)
        p = np.exp(log_p - log_p.max())
        p /= p.sum()
        order = np.argsort(-p)
        return [(languages[i], float(p[i])) for i in order]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip():
                continue
            ranking = self.rank(text)[: self.config["ranking_length"]]
            message.set(
                LANGUAGE_RANKING,
                [{"name": code, "confidence": round(p, 4)} for code, p in ranking],
                add_to_output=True,
            )
            message.set(LANGUAGE_EVIDENCE, len(self.content_words(text)), add_to_output=True)
            other = self.unsupported(text, ranking[0][1] if ranking else 0.0)
            if other is not None:
                message.set(UNSUPPORTED_LANGUAGE, other, add_to_output=True)
        return messages
