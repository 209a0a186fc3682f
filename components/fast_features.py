"""TF-IDF features for one message at a time, without scikit-learn's per-call overhead.

``TfidfVectorizer.transform`` is built for batches: for every call it rebuilds the ``idf_`` vector from a
sparse diagonal matrix (twice, the second time inside ``check_is_fitted``) and multiplies by that
``n_features × n_features`` matrix. With our ~300,000 character n-grams that was two thirds of the time
the two classifiers took per message (cProfile over 300 messages), and the NLU runs for every message a
replica handles. Here: the same counts (scikit-learn's own ``CountVectorizer.transform``), the same
sublinear tf, idf and l2 norm, with the idf vector computed once. ``tests/unit/test_fast_features.py``
checks the result equals scikit-learn's to 1e-12 on the development set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline


class FastTfidf:
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer``."""

    def __init__(self, vectorizer: TfidfVectorizer):
        self.vectorizer = vectorizer
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        v = self.vectorizer
        x = CountVectorizer.transform(v, texts).astype(np.float64)
        if v.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        if self.idf is not None:
            x.data *= self.idf[x.indices]
        if v.norm == "l2":  # row by row, on the CSR arrays themselves (scipy's matrix ops cost more here)
            per_row = np.diff(x.indptr)
            rows = np.repeat(np.arange(x.shape[0]), per_row)
            lengths = np.sqrt(np.bincount(rows, weights=x.data * x.data, minlength=x.shape[0]))
            lengths[lengths == 0.0] = 1.0
            x.data /= np.repeat(lengths, per_row)
        elif v.norm is not None:
            raise ValueError(f"norm={v.norm!r} is not supported by FastTfidf")
        return x


class FastPipeline:
    """A fitted ``Pipeline([features, classifier])`` whose features are TF-IDF vectorizers (alone or in a
    ``FeatureUnion`` without weights): fast features, then the classifier's own methods."""

    def __init__(self, pipeline: Pipeline):
        features, self.classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        if isinstance(features, FeatureUnion):
            if features.transformer_weights:
                raise ValueError("FeatureUnion with weights is not supported by FastPipeline")
            self.parts = [FastTfidf(t) for _, t in features.transformer_list]
        else:
            self.parts = [FastTfidf(features)]
        self.classes_ = self.classifier.classes_
        # The classifiers multiply the features by ``coef_.T``; stored row by row, that transposed view is not
        # contiguous and scipy copies all of it (n-grams × classes, megabytes) for every message. Stored
        # column by column, the view is contiguous and nothing is copied; the numbers are the same.
        self.classifier.coef_ = np.asfortranarray(self.classifier.coef_)

    def features(self, texts: list[str]) -> sp.csr_matrix:
        blocks = [part.transform(texts) for part in self.parts]
        return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")

    def decision_function(self, texts: list[str]) -> Any:
        return self.classifier.decision_function(self.features(texts))

    def predict_proba(self, texts: list[str]) -> Any:
        return self.classifier.predict_proba(self.features(texts))
