"""Vectors, matrices and attributes of loaded models, checked against fastText (and floret) themselves.

Two sources of models: the fastText files that ship with gensim's tests, and small models trained for
this session by the ``fasttext`` / ``floret`` packages (``fixtures_models.py``).
"""
from __future__ import annotations

import gensim.models.fasttext
import numpy as np
import pytest
from fixtures_models import (
    OOV_WORDS,
    SPEC_BY_NAME,
    as_key,
    assert_vectors_equal,
    is_utf8,
    reference_words,
    spec_names,
)
from gensim.test.utils import datapath

import gensim_ftx

# Version 11/12 files that fastText itself loads, and whether "</s>" is in their vocabulary.
SHIPPED_FASTTEXT = {"crime-and-punishment.bin": True, "lee_fasttext_new.bin": True, "toy-model.bin": False,
                    "toy-model-pretrained.bin": False}
LOADERS = {
    "load_facebook_model": lambda path, **kw: gensim_ftx.load_facebook_model(path, **kw).wv,
    "load_facebook_vectors": gensim_ftx.load_facebook_vectors,
}


@pytest.fixture(scope="module")
def fasttext():
    return pytest.importorskip("fasttext")


def check_vectors(wv, reference, raw_words: list[bytes], oov_words=OOV_WORDS) -> None:
    """Every vocabulary word and every OOV probe: per word, in bulk and via ``wv.vectors``."""
    keys = [as_key(raw) for raw in raw_words]
    assert wv.index_to_key == keys
    # fastText is queried with each entry's original bytes (pybind11 accepts bytes for std::string).
    expected = np.array([reference.get_word_vector(raw) for raw in raw_words]
                        + [reference.get_word_vector(word) for word in oov_words]).reshape(-1, wv.vector_size)
    queries = keys + list(oov_words)
    # One word at a time first, while the composite vectors are still lazy ...
    per_word = np.array([wv[word] for word in queries])
    assert_vectors_equal(queries, per_word, expected)
    # ... then the bulk paths, which must agree with the single-word one ...
    assert_vectors_equal(queries, wv[queries], per_word)
    assert_vectors_equal(queries, wv.get_vectors(queries), per_word)
    # ... and the materialised matrix of all vocabulary vectors.
    assert_vectors_equal(keys, wv.vectors, expected[:len(keys)])


# ---------------------------------------------------------------------------------------------
# gensim's shipped models


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("name", SHIPPED_FASTTEXT)
def test_shipped_vectors_match_fasttext(fasttext, name, loader):
    path = datapath(name)
    reference = fasttext.load_model(path)
    wv = LOADERS[loader](path)
    # EOS is a vocabulary word without n-grams; where it exists, the loop below covers it.
    assert ("</s>" in wv.key_to_index) == SHIPPED_FASTTEXT[name]
    check_vectors(wv, reference, reference_words(reference))


@pytest.mark.parametrize("name, has_eos", [("lee_fasttext.bin", True), ("non_ascii_fasttext.bin", False)])
def test_pre_v11_vectors_match_gensim(name, has_eos):
    # fastText cannot open these signature-less files any more; gensim's loader is the reference,
    # except for "</s>", to which gensim wrongly gives character n-grams.
    path = datapath(name)
    ours = gensim_ftx.load_facebook_vectors(path)
    theirs = gensim.models.fasttext.load_facebook_vectors(path)
    assert ours.index_to_key == theirs.index_to_key
    assert ("</s>" in ours.key_to_index) == has_eos
    words = [w for w in ours.index_to_key if w != "</s>"] + OOV_WORDS
    assert_vectors_equal(words, ours[words], np.array([theirs[w] for w in words]))
    if has_eos:
        # fastText: EOS has no subwords but itself, so its vector is its own row (a mean of one row).
        np.testing.assert_array_equal(ours["</s>"], ours.vectors_vocab[ours.key_to_index["</s>"]])


# Produced by Facebook's fastText CLI (built from source) with `print-word-vectors` on this file converted
# to version 12 and fed cp852 bytes. gensim gets them wrong: it hashes the UTF-8 bytes of the n-grams
# instead of the file's cp852 bytes. The model has dim 2: these are whole vectors.
CP852_EXPECTED = {
    "který": [-0.90811, 1.6411],
    "už": [-0.69159, 1.7167],
    "být": [-0.455, 1.3266],
    "více": [-0.75901, 1.688],
    "již": [-0.73027, 1.267],
    "nejvíce": [-0.59019, 1.6162],  # OOV
    "xx": [0.054302, 0.55402],  # OOV
}


@pytest.mark.parametrize("loader", LOADERS)
def test_cp852_vectors_match_fasttext_cli(loader):
    wv = LOADERS[loader](datapath("cp852_fasttext.bin"), encoding="cp852")
    assert wv.vector_size == 2
    words = list(CP852_EXPECTED)
    assert [w in wv.key_to_index for w in words] == [True] * 5 + [False] * 2
    expected = np.array(list(CP852_EXPECTED.values()))
    assert_vectors_equal(words, np.array([wv[w] for w in words]), expected, atol=5e-5)
    assert_vectors_equal(words, wv[words], expected, atol=5e-5)


def test_cp852_decodes_vocabulary():
    wv = gensim_ftx.load_facebook_vectors(datapath("cp852_fasttext.bin"), encoding="cp852")
    assert wv.index_to_key[:3] == ["ji", "který", "jen"]
    assert not wv.raw_keys  # every entry is valid cp852


def test_pang_lee_supervised_model(fasttext):
    # A fastText classifier (softmax, no buckets) whose dictionary holds 5 entries that are not UTF-8.
    path = datapath("pang_lee_polarity_fasttext.bin")
    reference = fasttext.load_model(path)
    model = gensim_ftx.load_facebook_model(path)
    assert model.supervised and model.loss == "softmax"
    assert model.labels == reference.get_labels() == ["__label__pos", "__label__neg"]
    np.testing.assert_array_equal(model.label_counts, reference.get_labels(include_freq=True)[1])
    assert model.syn1out.shape == (len(model.labels), model.wv.vector_size)
    np.testing.assert_array_equal(model.syn1out, reference.get_output_matrix())
    np.testing.assert_array_equal(model.wv.vectors_vocab, reference.get_input_matrix())
    raw = reference_words(reference)
    undecodable = [r for r in raw if not is_utf8(r)]
    assert len(undecodable) == 5
    assert "clich\\xe9s" in model.wv.key_to_index  # backslashreplace of b"clich\xe9s"
    assert {as_key(r): r for r in undecodable} == model.wv.raw_keys
    check_vectors(model.wv, reference, raw, oov_words=[])
    # No buckets: like gensim (and unlike fastText, which returns zeros) OOV lookups raise KeyError.
    oov = [word for word in OOV_WORDS if word not in model.wv.key_to_index]
    assert len(oov) == len(OOV_WORDS) - 1  # "a" is a word of this vocabulary
    for word in oov:
        with pytest.raises(KeyError):
            model.wv[word]
    with pytest.raises(KeyError):
        model.wv[["the", "qwertzuiop"]]


# ---------------------------------------------------------------------------------------------
# models trained for this session


@pytest.mark.parametrize("name", spec_names())
def test_trained_vectors_match_trainer(trained_model, name):
    trained = trained_model(name)
    wv = gensim_ftx.load_facebook_model(trained.path).wv
    check_vectors(wv, trained.reference, reference_words(trained.reference))


@pytest.mark.parametrize("name", ["sg_minn2_maxn4", "sup_quant_qnorm"])
def test_large_bulk_lookups(trained_model, name):
    # From 20000 words on, bulk lookups are split across threads: OOV words and vocabulary words
    # (here the vocabulary over and over) take different paths.
    trained = trained_model(name)
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    stems = ("x", "über", "Ωμέγα", "w-", "q", "zz", "я", "ö", "", "A")
    candidates = [f"{stem}{i}" for i in range(2500) for stem in stems]
    oov = [word for word in candidates if word not in wv.key_to_index]
    assert len(oov) > 24000
    expected = np.array([trained.reference.get_word_vector(w) for w in oov])
    assert_vectors_equal(oov, wv[oov], expected)
    known = wv.index_to_key * (20000 // len(wv) + 1)
    per_word = np.array([wv[w] for w in wv.index_to_key])
    assert_vectors_equal(known, wv[known], np.tile(per_word, (20000 // len(wv) + 1, 1)))


@pytest.mark.parametrize("name", spec_names(lambda s: not s.supervised))
def test_trained_unsupervised_attributes(trained_model, name):
    trained = trained_model(name)
    spec, params = trained.spec, trained.spec.params
    model = gensim_ftx.load_facebook_model(trained.path)
    assert model.loss == spec.loss
    assert model.sg == (params["model"] == "skipgram")
    assert not model.supervised and not model.labels
    assert (model.wv.vector_size, model.wv.min_n, model.wv.max_n, model.wv.bucket) == (
        params["dim"], params.get("minn", 3), params.get("maxn", 6), params["bucket"])
    assert model.window == params["ws"] and model.epochs == params["epoch"]
    expected_output = trained.reference.get_output_matrix()
    if spec.loss == "hs":
        # Hierarchical softmax only: no negative sampling sharing the matrix (gensim loads negative=5).
        assert (model.hs, model.negative) == (1, 0)
        assert model.syn1 is not None
        np.testing.assert_array_equal(model.syn1, expected_output)
    elif spec.loss == "ns":
        assert (model.hs, model.negative) == (0, params.get("neg", 5))
        np.testing.assert_array_equal(model.syn1neg, expected_output)
    else:
        assert spec.loss == "softmax" and (model.hs, model.negative) == (0, 0)
        np.testing.assert_array_equal(model.syn1out, expected_output)
    np.testing.assert_array_equal(model.output_matrix, expected_output)
    assert model.output_matrix.shape == (len(model.wv), params["dim"])


@pytest.mark.parametrize("name", spec_names(lambda s: s.supervised))
def test_trained_supervised_attributes(trained_model, name):
    trained = trained_model(name)
    model = gensim_ftx.load_facebook_model(trained.path)
    reference = trained.reference
    assert model.supervised and model.loss == trained.spec.loss
    labels, counts = reference.get_labels(include_freq=True)
    assert model.labels == labels
    assert all(label.startswith("__label__") for label in model.labels)
    assert not any(word.startswith("__label__") for word in model.wv.index_to_key)
    np.testing.assert_array_equal(model.label_counts, counts)
    # the output matrix sits where gensim keeps it for the loss (hs: syn1; softmax and ova: syn1out)
    output = model.syn1 if trained.spec.loss == "hs" else model.syn1out
    assert output.shape == (len(labels), reference.get_dimension())
    if not trained.spec.quantized:
        np.testing.assert_array_equal(output, reference.get_output_matrix())
        np.testing.assert_array_equal(model.output_matrix, reference.get_output_matrix())


@pytest.mark.parametrize("name", spec_names())
def test_trained_input_matrix(trained_model, name):
    trained = trained_model(name)
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    rows = np.concatenate([wv.vectors_vocab, wv.vectors_ngrams])
    if trained.spec.quantized:
        # fastText will not export a quantised matrix, but reconstructs single rows of it.
        expected = np.array([trained.reference.get_input_vector(i) for i in range(len(rows))])
        np.testing.assert_array_equal(rows, expected)
    else:
        np.testing.assert_array_equal(rows, trained.reference.get_input_matrix())


@pytest.mark.parametrize("name, cutoff", [("sup_quant_qnorm", 5000), ("sup_quant_qout", 3000)])
def test_quantized_pruned_rows(trained_model, name, cutoff):
    # With a cutoff, fastText keeps that many input rows: surviving words plus the pruned n-gram buckets.
    trained = trained_model(name)
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    assert wv.pruneidx is not None
    assert len(wv.vectors_vocab) == len(wv) == len(reference_words(trained.reference))
    assert len(wv.vectors_vocab) + len(wv.vectors_ngrams) == cutoff
    assert len(wv.vectors_ngrams) == len(wv.pruneidx)


@pytest.mark.parametrize("name", spec_names(lambda s: s.supervised and s.loss == "softmax"))
def test_softmax_predictions(trained_model, name):
    # Predictions are the only view fastText gives of a quantised output matrix. Its hidden vector is
    # get_sentence_vector (words, character and word n-grams); it reports exp(log(p + 1e-5)).
    trained = trained_model(name)
    reference = trained.reference
    model = gensim_ftx.load_facebook_model(trained.path)
    with open(trained.corpus, "rb") as corpus:
        lines = [line.decode() for line in corpus.readlines()[:40] if is_utf8(line)][:8]
    for line in lines:
        text = " ".join(token for token in line.split() if not token.startswith("__label__"))
        hidden = reference.get_sentence_vector(text).astype(np.float64)
        logits = model.syn1out.astype(np.float64) @ hidden
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        # The wrapper's predict() fails on numpy 2; the binding's own predict does not.
        predicted = {label: p for p, label in reference.f.predict(text + "\n", -1, 0.0, "strict")}
        assert len(predicted) == len(model.labels)
        got = [predicted[label] for label in model.labels]
        np.testing.assert_allclose(got, probabilities + 1e-5, rtol=1e-4, atol=1e-7, err_msg=text)


@pytest.mark.parametrize("name", spec_names(lambda s: not s.floret_mode))
def test_trained_subwords(trained_model, name):
    trained = trained_model(name)
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    raw_words = reference_words(trained.reference)
    # A sample of the vocabulary, every entry that is not UTF-8 (queried by its bytes), the OOV probes.
    sample = raw_words[:200:7] + raw_words[-3:] + [raw for raw in raw_words if not is_utf8(raw)]
    probes = [(as_key(raw), raw) for raw in sample] + [(word, word) for word in OOV_WORDS]
    for key, query in probes:
        names, ids = trained.reference.get_subwords(query, on_unicode_error="backslashreplace")
        got_names, got_ids = wv.get_subwords(key)
        assert list(got_ids) == list(ids), key
        assert got_names == names, key


def test_floret_mode_subwords(trained_model):
    # floret's get_subwords leaves out the word's own row, and so does gensim_ftx, except for word 0:
    # floret's vectors do use row 0 for word 0 (it assumes that word is "</s>"), so gensim_ftx lists it.
    trained = trained_model("floret_floret")
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    assert wv.floret_hash_count == 2
    raw_words = reference_words(trained.reference)
    probes = [as_key(raw) for raw in raw_words[1:300:7]] + ["</s>"] + OOV_WORDS
    for word in probes:
        names, ids = trained.reference.get_subwords(word)
        got_names, got_ids = wv.get_subwords(word)
        assert list(got_ids) == list(ids), word
        assert got_names == names, word
    first = as_key(raw_words[0])
    assert list(wv.get_subwords(first)[1]) == [0] + list(trained.reference.get_subwords(first)[1])


def test_floret_fasttext_mode_is_plain_fasttext(trained_model):
    trained = trained_model("floret_fasttext")
    wv = gensim_ftx.load_facebook_vectors(trained.path)
    assert wv.floret_hash_count == 0
    assert len(wv.vectors_ngrams) == SPEC_BY_NAME["floret_fasttext"].params["bucket"]
