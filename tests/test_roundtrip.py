"""Saving: byte-identical round trips, memory-mapped loads, gensim-trained models for fastText, atomicity."""
from __future__ import annotations

import io
import os

import gensim.models
import numpy as np
import pytest
from fixtures_models import OOV_WORDS, UNSUPERVISED_CORPUS, assert_vectors_equal, spec_names
from gensim.test.utils import datapath

import gensim_ftx

# Every fastText file shipped with gensim's tests (pre-v11 ones included), with the encoding of its words.
SHIPPED = {
    "crime-and-punishment.bin": "utf-8",
    "lee_fasttext_new.bin": "utf-8",
    "toy-model.bin": "utf-8",
    "toy-model-pretrained.bin": "utf-8",
    "lee_fasttext.bin": "utf-8",
    "non_ascii_fasttext.bin": "utf-8",
    "cp852_fasttext.bin": "cp852",
    "pang_lee_polarity_fasttext.bin": "utf-8",  # 5 entries are not UTF-8: their bytes must survive
}


def saved_bytes(model, **kwargs) -> bytes:
    stream = io.BytesIO()
    gensim_ftx.save_facebook_model(model, stream, **kwargs)
    return stream.getvalue()


# ---------------------------------------------------------------------------------------------
# byte-identical round trips


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_roundtrip_is_byte_identical(name, tmp_path):
    path = datapath(name)
    encoding = SHIPPED[name]
    original = open(path, "rb").read()
    model = gensim_ftx.load_facebook_model(path, encoding=encoding)
    assert saved_bytes(model, encoding=encoding) == original
    target = tmp_path / "copy.bin"
    gensim_ftx.save_facebook_model(model, target, encoding=encoding)
    assert target.read_bytes() == original
    assert os.listdir(tmp_path) == ["copy.bin"]


@pytest.mark.parametrize("name", ["toy-model.bin", "pang_lee_polarity_fasttext.bin", "lee_fasttext.bin"])
def test_load_from_file_object(name):
    path = datapath(name)
    with open(path, "rb") as stream:
        from_stream = gensim_ftx.load_facebook_model(stream)
    from_path = gensim_ftx.load_facebook_model(path)
    assert from_stream.wv.index_to_key == from_path.wv.index_to_key
    words = from_path.wv.index_to_key + (OOV_WORDS if from_path.wv.bucket else [])
    np.testing.assert_array_equal(from_stream.wv[words], from_path.wv[words])
    assert saved_bytes(from_stream) == open(path, "rb").read()


@pytest.mark.parametrize("name", spec_names())
def test_trained_roundtrip_is_byte_identical(trained_model, name, tmp_path):
    # .ftz files included: their quantised matrices are written back, not re-quantised.
    trained = trained_model(name)
    original = trained.path.read_bytes()
    model = gensim_ftx.load_facebook_model(trained.path)
    assert saved_bytes(model) == original
    target = tmp_path / trained.path.name
    gensim_ftx.save_facebook_model(model, target)
    assert target.read_bytes() == original


@pytest.mark.parametrize("name", spec_names())
def test_trained_mmap_load_matches_memory(trained_model, name):
    trained = trained_model(name)
    in_memory = gensim_ftx.load_facebook_vectors(trained.path)
    mapped = gensim_ftx.load_facebook_vectors(trained.path, mmap="r")
    if not trained.spec.quantized:  # quantised matrices are decoded into memory whatever mmap says
        assert isinstance(mapped.vectors_vocab, np.memmap) and isinstance(mapped.vectors_ngrams, np.memmap)
    assert mapped.index_to_key == in_memory.index_to_key
    np.testing.assert_array_equal(mapped.vectors_vocab, in_memory.vectors_vocab)
    np.testing.assert_array_equal(mapped.vectors_ngrams, in_memory.vectors_ngrams)
    words = in_memory.index_to_key + OOV_WORDS
    np.testing.assert_array_equal(mapped[words], in_memory[words])
    np.testing.assert_array_equal(np.array([mapped[w] for w in words[::13]]), in_memory[words[::13]])


@pytest.mark.parametrize("name", ["sg_hs", "cbow_softmax", "sup_ova", "sup_quant_qout", "floret_floret"])
def test_trained_mmap_model_roundtrip(trained_model, name):
    trained = trained_model(name)
    mapped = gensim_ftx.load_facebook_model(trained.path, mmap="r")
    in_memory = gensim_ftx.load_facebook_model(trained.path)
    np.testing.assert_array_equal(mapped.output_matrix, in_memory.output_matrix)
    assert saved_bytes(mapped) == trained.path.read_bytes()


def test_save_over_memory_mapped_source(trained_model, tmp_path):
    # Load with mmap, then save to the very file that is mapped: the atomic rename keeps the old
    # pages valid while the new file is written.
    trained = trained_model("sup_ova")
    path = tmp_path / "model.bin"
    path.write_bytes(trained.path.read_bytes())
    model = gensim_ftx.load_facebook_model(path, mmap="r")
    gensim_ftx.save_facebook_model(model, path)
    assert path.read_bytes() == trained.path.read_bytes()
    assert os.listdir(tmp_path) == ["model.bin"]


# ---------------------------------------------------------------------------------------------
# models trained by gensim, saved for fastText


@pytest.fixture(scope="module")
def sentences():
    with open(datapath(UNSUPERVISED_CORPUS), encoding="utf-8") as corpus:
        return [line.split() for line in corpus.readlines()[:80]]


GENSIM_CONFIGS = {"sg_ns": dict(sg=1, negative=5, hs=0), "cbow_hs": dict(sg=0, negative=0, hs=1)}


@pytest.mark.parametrize("config", GENSIM_CONFIGS)
@pytest.mark.parametrize("model_class", [gensim.models.FastText, gensim_ftx.FastText],
                         ids=["gensim", "gensim_ftx"])
def test_gensim_trained_model_loads_in_fasttext(model_class, config, sentences, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    model = model_class(sentences, vector_size=10, min_count=3, epochs=1, bucket=20000, min_n=3, max_n=5,
                        workers=1, seed=1, **GENSIM_CONFIGS[config])
    path = tmp_path / "gensim.bin"
    gensim_ftx.save_facebook_model(model, path)
    assert path.read_bytes() == saved_bytes(model)
    reference = fasttext.load_model(str(path))

    args = reference.f.getArgs()
    assert (args.dim, args.minn, args.maxn, args.bucket) == (10, 3, 5, 20000)
    assert args.model.name == ("skipgram" if model.sg else "cbow")
    assert args.loss.name == ("hs" if model.hs else "ns")
    words = model.wv.index_to_key
    assert reference.get_words() == words and "</s>" not in words  # gensim has no EOS token
    np.testing.assert_array_equal(reference.get_input_matrix(),
                                  np.concatenate([model.wv.vectors_vocab, model.wv.vectors_ngrams]))
    np.testing.assert_array_equal(reference.get_output_matrix(), model.syn1 if model.hs else model.syn1neg)
    # gensim's composite vectors (word row and n-gram rows averaged) are fastText's word vectors.
    assert_vectors_equal(words, np.array([model.wv[w] for w in words]),
                         np.array([reference.get_word_vector(w) for w in words]))
    assert_vectors_equal(OOV_WORDS, np.array([model.wv[w] for w in OOV_WORDS]),
                         np.array([reference.get_word_vector(w) for w in OOV_WORDS]))
    # And back: gensim_ftx reads the file as fastText does.
    reloaded = gensim_ftx.load_facebook_model(path)
    assert reloaded.wv.index_to_key == words
    assert (reloaded.hs, bool(reloaded.negative)) == (model.hs, not model.hs)
    assert saved_bytes(reloaded) == path.read_bytes()


def test_gensim_model_with_hs_and_negative_saves_a_consistent_output(sentences):
    # fastText keeps one output layer. Whichever the file declares, the matrix must be that layer's:
    # syn1 for hs, syn1neg for ns (gensim's own save_facebook_model has the same mix-up).
    model = gensim.models.FastText(sentences, vector_size=8, min_count=3, epochs=1, bucket=1000, workers=1,
                                   seed=1, hs=1, negative=5)
    reloaded = gensim_ftx.load_facebook_model(io.BytesIO(saved_bytes(model)))
    expected = {"hs": model.syn1, "ns": model.syn1neg}[reloaded.loss]
    np.testing.assert_array_equal(reloaded.output_matrix, expected)


# ---------------------------------------------------------------------------------------------
# atomic saving


class ExplodingMatrix:
    """Passes for an output matrix until its rows are read; then fails like a full disk."""

    ndim = 2

    def __init__(self, shape):
        self.shape = shape

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        raise OSError(28, "No space left on device (simulated)")


@pytest.fixture
def failing_model():
    model = gensim_ftx.load_facebook_model(datapath("toy-model.bin"))
    model.syn1neg = ExplodingMatrix(model.syn1neg.shape)
    # The failure comes after the header, dictionary and input matrix were written.
    stream = io.BytesIO()
    with pytest.raises(OSError, match="simulated"):
        gensim_ftx.save_facebook_model(model, stream)
    assert len(stream.getvalue()) > 4 * model.wv.vectors_ngrams.size
    return model


def test_failed_save_keeps_existing_file(failing_model, tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"the previous model")
    with pytest.raises(OSError, match="simulated"):
        gensim_ftx.save_facebook_model(failing_model, target)
    assert target.read_bytes() == b"the previous model"
    assert os.listdir(tmp_path) == ["model.bin"]  # no temporary file left behind


def test_failed_save_creates_nothing(failing_model, tmp_path):
    with pytest.raises(OSError, match="simulated"):
        gensim_ftx.save_facebook_model(failing_model, str(tmp_path / "model.bin"))
    assert os.listdir(tmp_path) == []
