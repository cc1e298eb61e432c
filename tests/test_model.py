"""The model class as a drop-in for gensim's FastText: construction, training, persistence."""
from __future__ import annotations

import io

import numpy as np
import pytest
from gensim.models import fasttext as gensim_fasttext
from gensim.models.word2vec import LineSentence
from gensim.test.utils import common_texts, datapath

import gensim_ftx


@pytest.fixture(scope="module")
def trained():
    return gensim_ftx.FastText(LineSentence(datapath("lee_background.cor")), vector_size=16, min_count=5,
                               epochs=2, workers=2, bucket=20000, seed=3)


def test_model_and_vectors_are_gensim_subclasses(trained):
    assert isinstance(trained, gensim_fasttext.FastText)
    assert isinstance(trained.wv, gensim_ftx.FastTextKeyedVectors)
    assert isinstance(trained.wv, gensim_fasttext.FastTextKeyedVectors)


def test_trained_vectors_are_finite_and_ngram_aware(trained):
    words = trained.wv.index_to_key[:100] + ["governmentalism"]
    vectors = trained.wv[words]
    assert np.isfinite(vectors).all()
    assert np.abs(vectors[-1]).sum() > 0


def test_gensim_pickle_round_trip(trained, tmp_path):
    path = str(tmp_path / "model")
    trained.save(path)
    loaded = gensim_ftx.FastText.load(path)
    assert type(loaded) is gensim_ftx.FastText
    words = trained.wv.index_to_key[:30] + ["governmentalism"]
    assert np.array_equal(loaded.wv[words], trained.wv[words])


def test_models_pickled_by_gensim_are_adopted(tmp_path):
    theirs = gensim_fasttext.FastText(common_texts, vector_size=8, min_count=1, epochs=1, bucket=1000)
    path = str(tmp_path / "gensim.model")
    theirs.save(path)
    mine = gensim_ftx.FastText.load(path)
    assert type(mine) is gensim_ftx.FastText and type(mine.wv) is gensim_ftx.FastTextKeyedVectors
    for word in ("human", "interface", "humanoid"):
        assert np.allclose(mine.wv[word], theirs.wv[word], atol=1e-6)


def test_fasttext_reads_our_save_of_a_trained_model(trained, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    path = tmp_path / "lee.bin"
    gensim_ftx.save_facebook_model(trained, path)
    reference = fasttext.load_model(str(path))
    for word in trained.wv.index_to_key[:200] + ["governmentalism", "naïve"]:
        assert np.allclose(reference.get_word_vector(word), trained.wv[word], atol=1e-6), word


def test_continue_training_a_loaded_model_with_new_words():
    model = gensim_ftx.load_facebook_model(datapath("lee_fasttext_new.bin"))
    before = model.wv["government"].copy()
    model.sample = 0  # with sample=1e-4 gensim would drop nearly every token of this tiny update corpus
    sentences = [["brand", "new", "tokens", "government"]] * 20
    model.build_vocab(sentences, update=True)
    model.train(sentences, total_examples=len(sentences), epochs=2)
    assert "tokens" in model.wv.key_to_index
    assert np.isfinite(model.wv["tokens"]).all()
    assert not np.array_equal(before, model.wv["government"])


def test_loaded_model_keeps_fasttext_settings():
    model = gensim_ftx.load_facebook_model(datapath("lee_fasttext_new.bin"))
    assert (model.vector_size, model.window, model.epochs, model.negative, model.sg) == (10, 5, 5, 5, 1)
    assert (model.wv.min_n, model.wv.max_n, model.wv.bucket) == (3, 6, 1000)
    assert model.loss == "ns" and model.hs == 0
    assert model.corpus_total_words > 0


def test_loading_records_what_was_loaded():
    # the constructor's lifecycle event shows an empty vocabulary; the last one must not
    path = datapath("lee_fasttext_new.bin")
    model = gensim_ftx.load_facebook_model(path)
    event = model.lifecycle_events[-1]
    assert event["fname"] == path
    assert f"vocab={len(model.wv)}," in event["msg"] and len(model.wv) > 1000
    with open(path, "rb") as stream:
        from_stream = gensim_ftx.load_facebook_model(io.BytesIO(stream.read()))
    assert from_stream.lifecycle_events[-1]["fname"] == "<stream>"  # named as the parser's errors name it


def test_save_rejects_a_model_without_output(tmp_path):
    model = gensim_ftx.load_facebook_model(datapath("toy-model.bin"))
    model.syn1neg = None
    target = tmp_path / "out.bin"
    with pytest.raises(ValueError, match="output matrix"):
        gensim_ftx.save_facebook_model(model, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
