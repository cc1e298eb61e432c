"""Files saved with ``portable=True`` load where only gensim is installed (issue 15)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from gensim.test.utils import datapath

import gensim_ftx

WORDS = ["government", "australia", "fire", "governmentalism", "firefighting"]

PLAIN_GENSIM = r"""
import json, sys
sys.modules["gensim_ftx"] = None  # gensim_ftx cannot be imported here
import numpy as np
from gensim.models import FastText, KeyedVectors
from gensim.models.word2vec import LineSentence
model = FastText.load(sys.argv[1])
kv = KeyedVectors.load(sys.argv[2])
words = json.loads(sys.argv[3])
out = {"model": type(model).__module__ + "." + type(model).__name__, "kv": type(kv).__name__,
       "vectors": [model.wv[w].tolist() for w in words], "kv_vectors": [kv[w].tolist() for w in words],
       "similar": [w for w, _ in model.wv.most_similar(words[0], topn=3)],
       "dropped": getattr(model, "gensim_ftx_dropped", None), "labels": getattr(model, "labels", None)}
if sys.argv[4] == "train":
    model.train(LineSentence(sys.argv[5]), total_examples=model.corpus_count, epochs=1)
    out["trained"] = bool(np.isfinite(model.wv[words[0]]).all())
print(json.dumps(out))
"""


def plain_gensim(model_path, kv_path, words, train_corpus=None) -> dict:
    args = [sys.executable, "-c", PLAIN_GENSIM, str(model_path), str(kv_path), json.dumps(words),
            "train" if train_corpus else "no", train_corpus or ""]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained():
    corpus = datapath("lee_background.cor")
    return gensim_ftx.train_unsupervised(corpus, dim=16, epoch=2, minCount=3, thread=1, verbose=0), corpus


def test_portable_files_load_in_plain_gensim(trained, tmp_path):
    model, corpus = trained
    model.save(str(tmp_path / "m.model"), portable=True)
    model.wv.save(str(tmp_path / "wv.kv"), portable=True)
    got = plain_gensim(tmp_path / "m.model", tmp_path / "wv.kv", WORDS, corpus)
    assert got["model"] == "gensim.models.fasttext.FastText" and got["kv"] == "FastTextKeyedVectors"
    expected = model.wv[WORDS]
    # in-vocabulary vectors are recomposed by gensim (another summation order); OOV ones are sums of rows
    np.testing.assert_allclose(got["vectors"], expected, atol=1e-6)
    np.testing.assert_allclose(got["kv_vectors"], expected, atol=1e-6)
    assert got["similar"] == [w for w, _ in model.wv.most_similar(WORDS[0], topn=3)]
    assert got["trained"] and got["dropped"] == []


def test_portable_files_come_back_as_gensim_ftx(trained, tmp_path):
    model, _ = trained
    model.save(str(tmp_path / "m.model"), portable=True)
    back = gensim_ftx.FastText.load(str(tmp_path / "m.model"))
    assert type(back) is gensim_ftx.FastText and type(back.wv) is gensim_ftx.FastTextKeyedVectors
    assert back.semantics == "fasttext" and back.fb_args == model.fb_args
    assert np.array_equal(back.wv[WORDS], model.wv[WORDS])
    assert np.array_equal(back.wv["</s>"], model.wv["</s>"])  # fastText's rule (no n-grams) again
    assert not hasattr(back, "gensim_ftx_dropped")
    kv_path = tmp_path / "wv.kv"
    model.wv.save(str(kv_path), portable=True)
    assert np.array_equal(gensim_ftx.FastTextKeyedVectors.load(str(kv_path))[WORDS], model.wv[WORDS])


def test_portable_classifier_keeps_labels_and_lists_what_it_dropped(tmp_path):
    pytest.importorskip("fasttext")
    from fixtures_models import SPEC_BY_NAME, ModelBuilder

    (tmp_path / "fixtures").mkdir()
    builder = ModelBuilder(tmp_path / "fixtures", jobs=1)
    builder._build(SPEC_BY_NAME["sup_ngrams"])
    builder._build(SPEC_BY_NAME["sup_quant_qnorm"])
    for name in ("sup_ngrams", "sup_quant_qnorm"):
        model = gensim_ftx.load_facebook_model(str(builder.path(name)))
        model.save(str(tmp_path / f"{name}.model"), portable=True)
        model.wv.save(str(tmp_path / f"{name}.kv"), portable=True)
        got = plain_gensim(tmp_path / f"{name}.model", tmp_path / f"{name}.kv", ["the", "movie", "zzqxy"])
        assert got["labels"] == list(model.labels)
        assert bool(got["dropped"]) == (name == "sup_quant_qnorm")
        back = gensim_ftx.FastText.load(str(tmp_path / f"{name}.model"))
        assert back.supervised and back.loss == model.loss and list(back.labels) == list(model.labels)
        words = ["the", "movie", "zzqxy"]  # in and out of the vocabulary, through the pruning table
        assert np.array_equal(back.wv[words], model.wv[words])
