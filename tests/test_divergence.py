"""Training that diverges stops with fastText's error, in every loss and thread count.

fastText raises ``EncounteredNaNError`` ("Encountered NaN.", a ``RuntimeError`` in Python) when a
NaN reaches a dot product. Before these tests a softmax classifier at lr 5 read its log table at
a NaN index and killed the interpreter.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath

import gensim_ftx
from gensim_ftx import fasttext
from gensim_ftx.train.trainer import EncounteredNaNError

LEE = datapath("lee_background.cor")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("diverge") / "tiny.txt"
    path.write_text("__label__a hello world\n__label__b bye world\n" * 50)
    return str(path)


def _assert_nan_error(info, epochs: int) -> None:
    err = info.value
    assert isinstance(err, RuntimeError) and isinstance(err, FloatingPointError)
    assert str(err).startswith("Encountered NaN.")
    assert f"of {epochs};" in str(err) and 1 <= err.epoch <= epochs
    assert np.isfinite(err.lr) and err.lr > 0 and f"lr {err.lr:.6g}" in str(err)


@pytest.mark.parametrize("thread", [1, 2])
@pytest.mark.parametrize("loss", ["softmax", "ns", "hs", "ova"])
def test_supervised_divergence_raises_fasttexts_error(tiny, loss, thread):
    with pytest.raises(RuntimeError) as info:
        fasttext.train_supervised(tiny, lr=1e3, epoch=5, loss=loss, thread=thread, verbose=0)
    _assert_nan_error(info, 5)
    assert info.value.lr <= 1e3


def test_softmax_at_lr_5_is_an_error_not_a_crash(tiny):
    # the row: lr 5 sits inside the range autotune and grid searches try
    with pytest.raises(EncounteredNaNError) as info:
        fasttext.train_supervised(tiny, lr=5, epoch=5, thread=1, verbose=0)
    _assert_nan_error(info, 5)
    assert info.value.lr <= 5


@pytest.mark.parametrize("model,loss", [("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs"), ("cbow", "hs"),
                                        ("skipgram", "softmax"), ("cbow", "softmax")])
def test_unsupervised_divergence_raises_fasttexts_error(model, loss):
    with pytest.raises(RuntimeError) as info:
        fasttext.train_unsupervised(LEE, model=model, loss=loss, lr=1e6, epoch=2, dim=10, minCount=5, thread=2,
                                    bucket=1000, verbose=0)
    _assert_nan_error(info, 2)


@pytest.mark.parametrize("corpus", ["iterable", "file"])
@pytest.mark.parametrize("flags", [dict(sg=1, hs=0, negative=5), dict(sg=0, hs=1, negative=0),
                                   dict(sg=1, hs=1, negative=5)])
def test_gensim_face_divergence(corpus, flags):
    kwargs = dict(vector_size=10, epochs=2, min_count=5, workers=2, alpha=1e6, bucket=1000, **flags)
    with pytest.raises(RuntimeError) as info:
        if corpus == "file":
            gensim_ftx.FastText(corpus_file=LEE, **kwargs)
        else:
            gensim_ftx.FastText(LineSentence(LEE), **kwargs)
    _assert_nan_error(info, 2)


def test_models_stay_usable_after_a_divergence(tiny, tmp_path):
    good = fasttext.train_supervised(tiny, epoch=5, thread=1, verbose=0)
    before = good.predict(["hello world", "bye world"], k=2)
    model = gensim_ftx.FastText(LineSentence(LEE), vector_size=10, epochs=1, min_count=5, workers=1, bucket=1000)
    vector = model.wv["government"].copy()
    with pytest.raises(EncounteredNaNError):
        fasttext.train_supervised(tiny, lr=1e3, epoch=5, thread=2, verbose=0)
    with pytest.raises(EncounteredNaNError):
        model.train(LineSentence(LEE), total_examples=model.corpus_count, epochs=1, start_alpha=1e6)
    after = good.predict(["hello world", "bye world"], k=2)
    assert before[0] == after[0] and all(np.array_equal(a, b) for a, b in zip(before[1], after[1]))
    # the diverged model is still an object one can query and save (its rows may be NaN), and
    # training it again stops the same way
    assert model.wv["government"].shape == vector.shape
    gensim_ftx.save_facebook_model(model, str(tmp_path / "diverged.bin"))
    with pytest.raises(EncounteredNaNError):
        model.train(LineSentence(LEE), total_examples=model.corpus_count, epochs=1)


COOKING = Path(__file__).resolve().parents[2] / "shared" / "data" / "cooking" / "cooking.train"


@pytest.mark.skipif(not COOKING.exists(), reason="../shared/data/cooking is not beside the checkout")
def test_grid_search_records_diverging_fits_as_failed():
    pytest.importorskip("sklearn")
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import GridSearchCV

    from gensim_ftx.sklearn import FastTextClassifier

    lines = COOKING.read_text(encoding="utf-8").splitlines()[:3000]
    texts, labels = [], []
    for line in lines:
        tokens = line.split()
        label = next((t for t in tokens if t.startswith("__label__")), None)
        if label is not None:
            labels.append(label[len("__label__"):])
            texts.append(" ".join(t for t in tokens if not t.startswith("__label__")))
    search = GridSearchCV(FastTextClassifier(epoch=5, thread=1), {"lr": [0.1, 1, 5, 50]}, cv=2,
                          error_score=np.nan)
    with pytest.warns(FitFailedWarning, match="fits failed"):
        search.fit(texts, labels)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[:2]).all()       # lr 0.1 and 1 train
    assert np.isnan(scores[3])                 # lr 50 diverges: a failed fit, recorded
    assert search.best_params_["lr"] in (0.1, 1, 5)
