"""The per-message TF-IDF path gives what scikit-learn gives: same features, same decisions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from components.fast_features import FastPipeline

ROOT = Path(__file__).resolve().parents[2]


def texts_and_labels() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        texts.append(line.strip()[2:])
                        labels.append(block["intent"])
    return texts, labels


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str], list[str]]:
    texts, labels = texts_and_labels()
    texts, labels = texts[::3], labels[::3]  # a third of the training data: enough n-grams, quick to fit
    held_out = texts_and_labels()[0][1::7] + ["", "   ", "12345", "😀", "Wo ist das Bürgerbüro??", "x" * 3000]
    return texts, labels, held_out


def test_union_of_char_and_word_tfidf_with_a_linear_svm(data: tuple[list[str], list[str], list[str]]) -> None:
    texts, labels, probe = data
    pipeline = Pipeline([
        ("features", FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ])),
        ("classifier", LinearSVC(C=0.5)),
    ]).fit(texts, labels)  # fmt: skip
    fast = FastPipeline(pipeline)
    expected = pipeline.named_steps["features"].transform(probe)
    assert abs(fast.features(probe) - expected).max() < 1e-12
    np.testing.assert_allclose(fast.decision_function(probe), pipeline.decision_function(probe), atol=1e-12)


def test_char_tfidf_with_logistic_regression(data: tuple[list[str], list[str], list[str]]) -> None:
    texts, labels, probe = data
    pipeline = Pipeline([
        ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)),
        ("clf", LogisticRegression(max_iter=300)),
    ]).fit(texts, labels)  # fmt: skip
    np.testing.assert_allclose(FastPipeline(pipeline).predict_proba(probe), pipeline.predict_proba(probe), atol=1e-12)


def test_unsupported_settings_are_refused() -> None:
    pipeline = Pipeline([("tfidf", TfidfVectorizer(norm="l1")), ("clf", LinearSVC())])
    pipeline.fit(["Anmeldung Bürgerbüro", "Jobcenter Termin"], ["x", "y"])
    with pytest.raises(ValueError, match="norm"):
        FastPipeline(pipeline).features(["a"])
