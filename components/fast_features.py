"""TF-IDF features for one message at a time, without scikit-learn's per-call overhead.

``TfidfVectorizer.transform`` is built for batches: for every call it rebuilds the ``idf_`` vector from a
sparse diagonal matrix (twice, the second time inside ``check_is_fitted``) and multiplies by that
``n_features × n_features`` matrix. With our ~300,000 character n-grams that was two thirds of the time
the two classifiers took per message (cProfile over 300 messages), and the NLU runs for every message a
replica handles. Here: the same n-grams (the vectorizer's own analyzer and vocabulary), the same
sublinear tf, idf and l2 norm, with the idf vector computed once, and no sparse matrix at all on the way
to the classifier's scores (scipy's checks and index-type bookkeeping cost more than the sums of a few
hundred weights). ``tests/unit/test_fast_features.py`` checks features, scores and probabilities equal
scikit-learn's to 1e-12 on the development set.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.extmath import softmax


class FastTfidf:
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer``."""

    def __init__(self, vectorizer: TfidfVectorizer):
        self.vectorizer = vectorizer
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None
        if vectorizer.norm not in ("l2", None):
            raise ValueError(f"norm={vectorizer.norm!r} is not supported by FastTfidf")
        if vectorizer.binary:
            raise ValueError("binary=True is not supported by FastTfidf")
        self.analyze = vectorizer.build_analyzer()
        self.vocabulary = vectorizer.vocabulary_
        self.size = len(self.vocabulary)

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One text's features as (column indices, tf-idf values), without a sparse matrix: the same counts,
        sublinear tf, idf and l2 norm as ``transform`` (scipy's per-matrix checks cost more than the sums)."""
        counts = Counter(self.analyze(text))
        vocabulary = self.vocabulary
        found = [(vocabulary[gram], n) for gram, n in counts.items() if gram in vocabulary]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        found.sort()
        indices = np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found))
        values = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        if self.vectorizer.sublinear_tf:
            values = np.log(values) + 1.0
        if self.idf is not None:
            values *= self.idf[indices]
        if self.vectorizer.norm == "l2":
            length = np.sqrt(values @ values)
            if length > 0.0:
                values /= length
        return indices, values

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        rows = [self.weights(text) for text in texts]
        indptr = np.cumsum([0] + [len(i) for i, _ in rows])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0)
        return sp.csr_matrix((data, indices, indptr), shape=(len(texts), self.size))


class FastPipeline:
    """A fitted ``Pipeline([features, classifier])`` whose features are TF-IDF vectorizers (alone or in a
    ``FeatureUnion`` without weights) and whose classifier is linear (``coef_``, ``intercept_``): each
    message's few hundred features pick their rows of the weight matrix, summed with numpy; scikit-learn's
    own ``predict_proba`` logic for the probabilities."""

    def __init__(self, pipeline: Pipeline):
        features, self.classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        if isinstance(features, FeatureUnion):
            if features.transformer_weights:
                raise ValueError("FeatureUnion with weights is not supported by FastPipeline")
            self.parts = [FastTfidf(t) for _, t in features.transformer_list]
        else:
            self.parts = [FastTfidf(features)]
        self.offsets = np.cumsum([0] + [part.size for part in self.parts])[:-1]
        self.classes_ = self.classifier.classes_
        # features × classes, row by row (one message's features select their rows): the classifier's own
        # coefficients stored column by column, so that this transposed view is contiguous (a no-op for
        # models trained with ``column_major``; older ones are converted here, once)
        self.weights = column_major(pipeline).steps[-1][1].coef_.T
        self.intercept = np.asarray(self.classifier.intercept_, dtype=np.float64)

    def features(self, texts: list[str]) -> sp.csr_matrix:
        blocks = [part.transform(texts) for part in self.parts]
        return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")

    def decision_function(self, texts: list[str]) -> Any:
        scores = np.empty((len(texts), self.weights.shape[1]))
        for row, text in enumerate(texts):
            total = self.intercept.copy()
            for part, offset in zip(self.parts, self.offsets, strict=True):
                indices, values = part.weights(text)
                total += values @ self.weights[indices + offset]
            scores[row] = total
        return scores.ravel() if scores.shape[1] == 1 else scores  # two classes: one margin, as scikit-learn

    def predict_proba(self, texts: list[str]) -> Any:
        classifier = self.classifier
        if isinstance(classifier, LogisticRegression) and _multinomial(classifier):
            decision = self.decision_function(texts)
            return softmax(np.c_[-decision, decision] if decision.ndim == 1 else decision, copy=False)
        return classifier.predict_proba(self.features(texts))


def column_major(pipeline: Pipeline) -> Pipeline:
    """The fitted classifier's coefficients stored column by column, as ``FastPipeline`` reads them: done
    when training, so that loading a model copies nothing (the intent weights are 130 MB)."""
    classifier = pipeline.steps[-1][1]
    classifier.coef_ = np.asfortranarray(classifier.coef_)
    return pipeline


def _multinomial(classifier: LogisticRegression) -> bool:
    """Whether scikit-learn's ``predict_proba`` takes the softmax of the decision function (1.1's rule)."""
    ovr = classifier.multi_class in ("ovr", "warn") or (
        classifier.multi_class == "auto" and (classifier.classes_.size <= 2 or classifier.solver == "liblinear")
    )
    return not ovr
