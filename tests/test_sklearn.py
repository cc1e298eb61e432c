"""gensim_ftx.sklearn.FastTextClassifier in scikit-learn's machinery."""
from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from gensim_ftx.sklearn import FastTextClassifier  # noqa: E402


def corpus(n: int, seed: int, multi: bool = False):
    """Texts whose class shows in cue words among noise; labels are strings ('sport', ...)."""
    rng = np.random.default_rng(seed)
    names = np.array(["sport", "food", "music"])
    texts, y = [], []
    for _ in range(n):
        k = rng.integers(3)
        extra = rng.integers(3) if multi and rng.random() < 0.5 else k
        words = [f"n{j}" for j in rng.integers(0, 200, size=6)] + [f"{names[k]}{j}" for j in rng.integers(0, 8, 2)]
        if multi:
            words += [f"{names[extra]}{j}" for j in rng.integers(0, 8, 2)]
            row = np.zeros(3, dtype=int)
            row[[k, extra]] = 1
            y.append(row)
        else:
            y.append(names[k])
        rng.shuffle(words)
        texts.append(" ".join(words).upper() if rng.random() < 0.3 else " ".join(words))
    return texts, np.array(y)


SMALL = dict(epoch=15, dim=10, bucket=20000, wordNgrams=1, thread=1, lr=0.5)


def test_fit_predict_proba_and_score():
    texts, y = corpus(600, 1)
    model = FastTextClassifier(**SMALL).fit(texts[:400], y[:400])
    assert list(model.classes_) == ["food", "music", "sport"]
    proba = model.predict_proba(texts[400:])
    assert proba.shape == (200, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-3)
    assert set(model.predict(texts[400:])) <= set(model.classes_)
    assert model.score(texts[400:], y[400:]) > 0.8
    # the model behind it is a fastText model
    assert model.model_.predict(texts[400])[0][0].startswith("__label__")


def test_params_clone_pipeline_and_cross_validation():
    texts, y = corpus(450, 2)
    model = FastTextClassifier(**SMALL)
    assert model.get_params()["wordNgrams"] == 1
    model.set_params(wordNgrams=2)
    assert clone(model).get_params() == model.get_params()
    pipeline = make_pipeline(FunctionTransformer(lambda xs: [x.lower() for x in xs]), FastTextClassifier(**SMALL))
    scores = cross_val_score(pipeline, texts, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    search = GridSearchCV(FastTextClassifier(**SMALL), {"dim": [2, 10], "epoch": [1, 15]}, cv=3).fit(texts, y)
    assert search.best_params_["epoch"] == 15
    assert search.predict(["sport3 n1 n2"])[0] == "sport"


def test_multi_label_indicator():
    texts, y = corpus(600, 3, multi=True)
    model = FastTextClassifier(**SMALL).fit(texts[:450], y[:450])
    assert model.model_.loss == model.model_.loss.__class__.ova
    predicted = model.predict(texts[450:])
    assert predicted.shape == (150, 3) and set(np.unique(predicted)) <= {0, 1}
    assert (predicted == y[450:]).mean() > 0.8


def test_errors_and_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    with pytest.raises(NotFittedError):
        FastTextClassifier().predict(["text"])
    texts, y = corpus(60, 4)
    with pytest.raises(ValueError, match="X must be a sequence of texts"):
        FastTextClassifier(**SMALL).fit("one string", y[:1])
    with pytest.raises(ValueError, match=r"X\[1\] is int"):
        FastTextClassifier(**SMALL).fit(["a", 3], y[:2])
    with pytest.raises(ValueError, match="labels"):
        FastTextClassifier(**SMALL).fit(texts, y[:10])
    # scikit-learn's generic checks feed numbers; for a text estimator they skip themselves
    check_estimator(FastTextClassifier(epoch=1, dim=4, bucket=1000, thread=1), on_fail="raise")
