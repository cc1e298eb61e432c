"""Models saved by earlier versions load and answer as they did.

``tests/data/pickles`` was written with gensim's ``save`` on main before the package's layout
changed (issue 22): a model trained from an iterable, a model and keyed vectors loaded from a
``.bin`` (their vocabulary is a compact ``KeyStore`` with ``KeyToIndex``/``IndexToKey`` views),
and a quantised classifier (product-quantiser objects). Their pickles name the module paths of
that time (``gensim_ftx._vocab``, ``gensim_ftx.vocab``, ``gensim_ftx.io.fbbin``,
``gensim_ftx.io.quant``, ``gensim_ftx.keyedvectors``, ``gensim_ftx.model``), which must keep
resolving. ``expected.json`` holds what the models answered then.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gensim_ftx
from gensim_ftx.fasttext.model import _FastText

DATA = Path(__file__).resolve().parent / "data" / "pickles"
EXPECTED = json.loads((DATA / "expected.json").read_text())


@pytest.mark.parametrize("name", ["iterable.model", "loaded_bin.model"])
def test_saved_models_load_with_their_vectors(name):
    model = gensim_ftx.FastText.load(str(DATA / name))
    assert isinstance(model, gensim_ftx.FastText)
    assert np.array_equal(model.wv[EXPECTED["probe"]], np.array(EXPECTED[name], dtype=np.float32))


def test_saved_keyed_vectors_load_with_their_vectors():
    wv = gensim_ftx.FastTextKeyedVectors.load(str(DATA / "loaded_bin.kv"))
    assert np.array_equal(wv[EXPECTED["probe"]], np.array(EXPECTED["loaded_bin.kv"], dtype=np.float32))
    assert wv.most_similar("the", topn=1)  # the vocabulary views still work as gensim's dict and list


def test_saved_quantized_classifier_predicts_as_before():
    model = _FastText(model=gensim_ftx.FastText.load(str(DATA / "quantized_classifier.model")))
    assert model.is_quantized()
    assert model.predict(["the government said", "police"], k=2)[0] == EXPECTED["quantized_classifier.model"]
    vectors = np.stack([model.get_word_vector(w) for w in EXPECTED["probe"]])
    assert np.array_equal(vectors, np.array(EXPECTED["quantized_classifier.model.vectors"], dtype=np.float32))


def test_saved_models_train_further():
    model = gensim_ftx.FastText.load(str(DATA / "loaded_bin.model"))
    before = model.wv["government"].copy()
    model.train([["the", "government", "said"]] * 20, total_examples=20, epochs=1)
    assert not np.array_equal(model.wv["government"], before)
