"""floret mode: training, files and faces, checked against Explosion's floret (and spaCy).

A model trained here in floret mode must be the one floret would describe: floret reads its
``.bin`` and gives the same vectors, writes it back byte for byte, and writes the same ``.vec``
and ``.floret`` files from it; spaCy imports the ``.floret`` table and composes the same vectors
for words it has never seen.
"""
from __future__ import annotations

import filecmp
import subprocess
import sys

import numpy as np
import pytest
from gensim.test.utils import datapath

import gensim_ftx
from gensim_ftx import fasttext as ft_face
from gensim_ftx import floret as floret_face

floret = pytest.importorskip("floret")

CORPUS = datapath("lee_background.cor")
SMALL = dict(dim=16, epoch=1, minCount=2, minn=3, maxn=5, bucket=5000, thread=1, verbose=0, seed=3)
PROBES = ["the", "Australia", "government", "said", "qwertzuiop", "café", "日本語", "a", "x-y_z"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A floret-mode CBOW (hashCount 2) and skip-gram (hashCount 3) trained by gensim_ftx, saved."""
    folder = tmp_path_factory.mktemp("floret")
    models = {}
    for model, count in (("cbow", 2), ("skipgram", 3)):
        face = floret_face.train_unsupervised(CORPUS, model=model, mode="floret", hashCount=count, **SMALL)
        path = folder / f"{model}.bin"
        face.save_model(str(path))
        models[model] = (face, path)
    return models


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_floret_reads_the_same_vectors(trained, model):
    face, path = trained[model]
    reference = floret.load_model(str(path))
    args = reference.f.getArgs()
    assert args.mode == floret.floret.mode_name.floret
    assert args.hashCount == (2 if model == "cbow" else 3)
    words = reference.get_words()
    probes = PROBES + words[:50] + words[-50:]
    for word in probes:
        np.testing.assert_array_equal(face.get_word_vector(word), reference.get_word_vector(word), err_msg=word)
    np.testing.assert_array_equal(face.get_input_matrix(), reference.get_input_matrix())
    np.testing.assert_array_equal(face.get_output_matrix(), reference.get_output_matrix())


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_files_are_floret_s_byte_for_byte(trained, model, tmp_path):
    face, path = trained[model]
    reference = floret.load_model(str(path))
    reference.save_model(str(tmp_path / "ref.bin"))
    reference.save_vectors(str(tmp_path / "ref.vec"))
    reference.save_floret_vectors(str(tmp_path / "ref.floret"))
    face.save_vectors(str(tmp_path / "ours.vec"))
    face.save_floret_vectors(str(tmp_path / "ours.floret"))
    gensim_ftx.save_floret_vectors(gensim_ftx.load_facebook_model(str(path)), tmp_path / "gensim.floret")
    assert filecmp.cmp(path, tmp_path / "ref.bin", shallow=False)
    assert filecmp.cmp(tmp_path / "ours.vec", tmp_path / "ref.vec", shallow=False)
    assert filecmp.cmp(tmp_path / "ours.floret", tmp_path / "ref.floret", shallow=False)
    assert filecmp.cmp(tmp_path / "gensim.floret", tmp_path / "ref.floret", shallow=False)
    header = (tmp_path / "ours.floret").read_text().split("\n", 1)[0]
    assert header == f"5000 16 3 5 {2 if model == 'cbow' else 3} 2166136261 < >"


def test_gensim_face_round_trip_is_byte_identical(trained, tmp_path):
    _, path = trained["cbow"]
    model = gensim_ftx.load_facebook_model(str(path))
    assert model.wv.floret_hash_count == 2
    gensim_ftx.save_facebook_model(model, tmp_path / "again.bin")
    assert filecmp.cmp(path, tmp_path / "again.bin", shallow=False)


def test_a_word_has_no_row_of_its_own(trained):
    """floret hashes the whole word into the buckets: its vector is the mean of its hashed rows
    (the word in index 0 apart, whose row floret keeps)."""
    face, _ = trained["cbow"]
    wv = face.gensim_model.wv
    word = wv.index_to_key[5]
    ids = wv.get_subwords(word)[1]
    assert min(ids) >= len(wv)
    expected = wv.vectors_ngrams[ids - len(wv)].mean(axis=0)
    np.testing.assert_allclose(wv[word], expected, rtol=1e-6, atol=1e-7)
    assert wv.get_subwords(wv.index_to_key[0])[1][0] == 0


def test_gensim_face_trains_floret_vectors_floret_reads(tmp_path):
    from gensim.test.utils import common_texts

    model = gensim_ftx.FastText(common_texts * 20, vector_size=8, min_count=1, bucket=300, floret_hash_count=2,
                                epochs=2, workers=1, seed=1)
    assert model.wv.vectors_ngrams.shape == (300, 8)
    gensim_ftx.save_facebook_model(model, tmp_path / "g.bin")
    reference = floret.load_model(str(tmp_path / "g.bin"))
    for word in ["human", "graph", "unseen", "trees"]:
        np.testing.assert_array_equal(model.wv[word], reference.get_word_vector(word))


def test_floret_keeps_buckets_without_char_ngrams():
    """floret mode hashes the words even with maxn = 0: the buckets stay (fastText's rule drops them)."""
    face = floret_face.train_unsupervised(CORPUS, model="cbow", mode="floret", hashCount=1,
                                          **{**SMALL, "minn": 0, "maxn": 0})
    wv = face.gensim_model.wv
    assert len(wv.vectors_ngrams) == 5000
    assert len(wv.get_subwords("government")[1]) == 1


def test_floret_face_takes_floret_s_argument_order(trained):
    # floret: (input, model, lr, dim, ws, epoch, minCount, minCountLabel, minn, maxn, neg, wordNgrams, loss,
    #          bucket, hashCount, mode, thread, ...)
    face = floret_face.train_unsupervised(CORPUS, "cbow", 0.05, 16, 5, 1, 2, 0, 3, 5, 5, 1, "ns", 5000, 2,
                                          "floret", 1, verbose=0)
    assert face.mode == floret_face.mode_name.floret and face.hashCount == 2
    assert face.f.getArgs().mode == floret_face.mode_name.floret
    assert face.gensim_model.wv.floret_hash_count == 2


def test_fasttext_mode_of_the_floret_face_writes_floret_s_layout(tmp_path):
    face = floret_face.train_unsupervised(CORPUS, model="cbow", mode="fasttext", hashCount=3, **SMALL)
    assert face.hashCount == 1  # as floret: the count means nothing to fastText's hashing
    face.save_model(str(tmp_path / "m.bin"))
    reference = floret.load_model(str(tmp_path / "m.bin"))
    assert reference.f.getArgs().mode == floret.floret.mode_name.fasttext
    for word in PROBES:
        np.testing.assert_array_equal(face.get_word_vector(word), reference.get_word_vector(word))
    with pytest.raises(ValueError, match="not a floret model"):
        face.save_floret_vectors(str(tmp_path / "m.floret"))
    assert not (tmp_path / "m.floret").exists()


def test_fasttext_face_trains_floret_by_name():
    face = ft_face.train_unsupervised(CORPUS, model="skipgram", mode="floret", hashCount=4, **SMALL)
    assert face.gensim_model.wv.floret_hash_count == 4
    assert not hasattr(face, "mode")  # fastText's model objects have no such attribute


@pytest.mark.parametrize("ngrams", [dict(wordNgrams=2), dict(minn=2, maxn=4)])
def test_supervised_floret_mode_matches_floret_s_predictions(tmp_path, ngrams):
    """Without char n-grams floret's lines use a known word's own row, with them its hashed rows."""
    corpus = datapath("pang_lee_polarity.cor")
    face = floret_face.train_supervised(corpus, mode="floret", hashCount=2, bucket=20000, dim=10, epoch=5, lr=0.5,
                                        thread=1, verbose=0, **ngrams)
    face.save_model(str(tmp_path / "sup.bin"))
    reference = floret.load_model(str(tmp_path / "sup.bin"))
    lines = [line.split(" ", 1)[1].strip() for line in open(corpus, encoding="latin-1")][:40]
    ours = face.predict(lines, k=2)
    # floret's predict() breaks on numpy 2, as fastText's does: ask its C++ object (with the newline
    # its predict() appends)
    theirs = [reference.f.predict(line + "\n", 2, 0.0, "strict") for line in lines]
    for labels, probs, pairs in zip(*ours, theirs):
        assert list(labels) == [label for _, label in pairs]
        np.testing.assert_allclose(probs, [prob for prob, _ in pairs], rtol=1e-5)


@pytest.mark.parametrize("bad", [0, 5, -1, 2.5])
def test_hash_count_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="hashCount"):
        floret_face.train_unsupervised(CORPUS, mode="floret", hashCount=bad, **SMALL)
    if bad != 0:
        with pytest.raises(ValueError, match="floret_hash_count"):
            gensim_ftx.FastText(vector_size=8, floret_hash_count=bad)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="Unrecognized mode name"):
        floret_face.train_unsupervised(CORPUS, mode="bloom", **SMALL)
    with pytest.raises(ValueError, match="mode"):
        gensim_ftx.train_unsupervised(CORPUS, mode="bloom")


def test_cli_writes_the_floret_table(tmp_path):
    out = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "gensim_ftx", "cbow", "-input", CORPUS, "-output", str(out), "-mode",
                    "floret", "-hashCount", "2", "-bucket", "5000", "-dim", "16", "-epoch", "1", "-thread", "1",
                    "-verbose", "0"], check=True)
    reference = floret.load_model(str(out) + ".bin")
    reference.save_floret_vectors(str(tmp_path / "ref.floret"))
    assert filecmp.cmp(str(out) + ".floret", tmp_path / "ref.floret", shallow=False)


def test_spacy_imports_the_table_and_composes_the_same_oov_vectors(trained, tmp_path):
    spacy = pytest.importorskip("spacy")
    from spacy.training.initialize import convert_vectors

    face, _ = trained["cbow"]
    face.save_floret_vectors(str(tmp_path / "v.floret"))
    nlp = spacy.blank("en")
    convert_vectors(nlp, tmp_path / "v.floret", truncate=0, prune=-1, mode="floret")
    assert nlp.vocab.vectors.mode == "floret"
    # (not the vocabulary's first word: floret keeps that one's own row, which the table lacks)
    for word in ["qwertzuiop", "Gensimification", "café", "governmental", "Australia", "said"]:
        # the table holds each value to 5 significant digits
        np.testing.assert_allclose(nlp.vocab[word].vector, face.get_word_vector(word), rtol=2e-4, atol=2e-5,
                                   err_msg=word)
