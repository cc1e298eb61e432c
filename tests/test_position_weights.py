"""Position-weighted CBOW (Mikolov et al. 2018, §2.2): the kernel against the step written out in
numpy, a finite-difference check of the weights' gradient, and the model around it (defaults,
determinism, save/load, continued training, the constrained form, files fastText reads).

The step, for centre word ``i``: the word at offset ``p`` contributes ``d_p * row`` (elementwise)
for each of its rows; the hidden vector is their sum over the ``R`` context rows, divided by ``R``
(fastText's mean). Each row of that word then receives ``d_p * grad`` and ``d_p`` moves by
``(sum of the word's rows) * grad / R``, in its first ``position_dims`` columns.
"""
import numpy as np
import pytest
from gensim.test.utils import datapath
from test_cbow_kernel import reference_cbow, toy_model

import gensim_ftx
from gensim_ftx.train._engine import KernelModel, Worker


def weights(window, dim, seed):
    return np.random.default_rng(seed).uniform(0.5, 1.5, (2 * window, dim)).astype(np.float32)


def train_kernel(model_parts, lines, lr, **kwargs):
    vocab, ngrams, output, indptr, ids = model_parts
    model = KernelModel(vocab, ngrams, output, indptr, ids, loss="softmax", sg=False, shrink_windows=False, **kwargs)
    flat = np.concatenate([np.asarray(line, np.int32) for line in lines])
    bounds = np.cumsum([0] + [len(line) for line in lines]).astype(np.int64)
    Worker(model, 0).train_batch(model, flat, bounds, lr, 0.0, 0.0, np.zeros(1, np.int64))


@pytest.mark.parametrize("window", [1, 2, 4])
@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("constrained", [False, True])
def test_kernel_equals_the_step_written_out(window, mean, constrained):
    parts = toy_model(window * 10 + mean)
    vocab, ngrams, output, indptr, ids = parts
    dim = vocab.shape[1]
    dims = 3 if constrained else dim
    positions = weights(window, dim, window)
    if constrained:
        positions[:, dims:] = 1.0
    rng = np.random.default_rng(1)
    lines = [[0, 1, 0, 2, 3, 0, 4, 5, 6, 1, 1, 2], [3], [4, 4], [5, 6, 0], list(rng.integers(0, 7, 40))]
    expected_rows, expected_out, expected_d = reference_cbow(
        vocab, ngrams, output, indptr, ids, lines, window, 0.1, mean, positions, dims)
    before = positions.copy()
    train_kernel(parts, lines, 0.1, window=window, cbow_mean=mean, position_weights=positions,
                 position_dims=dims if constrained else None)
    np.testing.assert_allclose(np.concatenate([vocab, ngrams]), expected_rows, rtol=0, atol=2e-5)
    np.testing.assert_allclose(output, expected_out, rtol=0, atol=2e-5)
    np.testing.assert_allclose(positions, expected_d, rtol=0, atol=2e-5)
    assert not np.allclose(positions[:, :dims], before[:, :dims], atol=1e-4)
    np.testing.assert_array_equal(positions[:, dims:], before[:, dims:])


def test_weights_of_one_are_plain_cbow_until_they_move():
    """With every d_p = 1 the first step is plain CBOW's: the same rows and output."""
    plain, weighted = toy_model(3), toy_model(3)
    lines = [[0, 1, 2, 3, 4]]
    train_kernel(plain, [lines[0][:2]], 0.1, window=1)
    train_kernel(weighted, [lines[0][:2]], 0.1, window=1, position_weights=np.ones((2, 12), np.float32))
    # the first centre's step is identical; the second sees d_{+1} moved
    for a, b in zip(plain[:3], weighted[:3]):
        assert np.abs(a - b).max() < 5e-3


def test_gradient_of_the_weights_matches_finite_differences():
    """A two-word line, window 1: d_{+1} moves only at the first centre, by -lr dL/dd_{+1}."""
    vocab, ngrams, output, indptr, ids = toy_model(11)
    line = [2, 5]
    positions = weights(1, vocab.shape[1], 4)
    rows = np.concatenate([vocab, ngrams]).astype(np.float64)
    members = list(ids[indptr[line[1]]:indptr[line[1] + 1]])
    assert members
    context_sum = rows[members].sum(axis=0)

    def loss(d_next):
        hidden = d_next * context_sum / len(members)
        scores = output.astype(np.float64) @ hidden
        return -(scores[line[0]] - scores.max() - np.log(np.exp(scores - scores.max()).sum()))

    d0 = positions[1].astype(np.float64)
    eps = 1e-6
    numeric = np.array([(loss(d0 + eps * e) - loss(d0 - eps * e)) / (2 * eps) for e in np.eye(len(d0))])
    lr = 0.01
    train_kernel((vocab, ngrams, output, indptr, ids), [line], lr, window=1, position_weights=positions)
    np.testing.assert_allclose(positions[1] - d0, -lr * numeric, rtol=1e-3, atol=1e-7)


def test_kernel_refuses_weights_it_cannot_use():
    vocab, ngrams, output, indptr, ids = toy_model(2)
    common = dict(loss="softmax", window=2)
    with pytest.raises(ValueError, match="shape"):
        KernelModel(vocab, ngrams, output, indptr, ids, sg=False, position_weights=np.ones((3, 12), np.float32),
                    **common)
    with pytest.raises(ValueError, match="skip-gram"):
        KernelModel(vocab, ngrams, output, indptr, ids, sg=True, position_weights=np.ones((4, 12), np.float32),
                    **common)
    with pytest.raises(ValueError, match="float32"):
        KernelModel(vocab, ngrams, output, indptr, ids, sg=False, position_weights=np.ones((4, 12)), **common)
    with pytest.raises(ValueError, match="NaN"):
        KernelModel(vocab, ngrams, output, indptr, ids, sg=False,
                    position_weights=np.full((4, 12), np.nan, np.float32), **common)
    with pytest.raises(ValueError, match="position_dims"):
        KernelModel(vocab, ngrams, output, indptr, ids, sg=False, position_weights=np.ones((4, 12), np.float32),
                    position_dims=13, **common)


# -- the model --------------------------------------------------------------------------------------

CORPUS = datapath("lee_background.cor")
SMALL = dict(vector_size=16, min_count=2, window=3, bucket=5000, epochs=2, workers=1, seed=7)


def small_model(**kwargs):
    return gensim_ftx.FastText(corpus_file=CORPUS, **{**SMALL, "position_weights": True, **kwargs})


def test_weights_start_at_one_and_are_learned():
    model = gensim_ftx.FastText(**{**SMALL, "position_weights": True})
    np.testing.assert_array_equal(model.position_weights, np.ones((6, 16), np.float32))
    model.build_vocab(corpus_file=CORPUS)
    model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=2)
    assert model.position_weights.shape == (6, 16)
    assert np.abs(model.position_weights - 1).max() > 1e-3
    assert gensim_ftx.FastText(**SMALL).position_weights is None


def test_one_thread_is_deterministic():
    a, b = small_model(), small_model()
    np.testing.assert_array_equal(a.position_weights, b.position_weights)
    np.testing.assert_array_equal(a.wv.vectors_ngrams, b.wv.vectors_ngrams)
    plain = gensim_ftx.FastText(corpus_file=CORPUS, **SMALL)
    assert not np.array_equal(plain.wv.vectors_ngrams, a.wv.vectors_ngrams)


@pytest.mark.parametrize("loss", [dict(negative=5), dict(hs=1, negative=0), dict(loss="softmax", negative=0)])
def test_every_loss_trains_the_weights(loss):
    model = gensim_ftx.FastText(corpus_file=CORPUS, **{**SMALL, "min_count": 5, "epochs": 1}, position_weights=True,
                                **loss)
    assert np.abs(model.position_weights - 1).max() > 1e-3
    assert np.isfinite(model.wv.vectors).all()


def test_constrained_form_trains_only_the_first_dimensions():
    model = small_model(position_dims=4)
    assert np.abs(model.position_weights[:, :4] - 1).max() > 1e-3
    np.testing.assert_array_equal(model.position_weights[:, 4:], 1.0)


def test_save_load_and_continued_training_keep_the_weights(tmp_path):
    model = small_model()
    model.save(str(tmp_path / "m.model"))
    loaded = gensim_ftx.FastText.load(str(tmp_path / "m.model"))
    np.testing.assert_array_equal(loaded.position_weights, model.position_weights)
    model.save(str(tmp_path / "p.model"), portable=True)
    np.testing.assert_array_equal(gensim_ftx.FastText.load(str(tmp_path / "p.model")).position_weights,
                                  model.position_weights)
    before = loaded.position_weights.copy()
    loaded.train(corpus_file=CORPUS, total_words=loaded.corpus_total_words, epochs=1)
    assert loaded.position_weights.shape == before.shape
    assert not np.array_equal(loaded.position_weights, before)


def test_a_wider_window_keeps_the_offsets_both_have():
    model = small_model()
    trained = model.position_weights.copy()  # offsets -3..-1, 1..3
    model.window = 4
    model.alpha = model.min_alpha = 1e-12  # a step too small to move anything
    model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=1)
    grown = model.position_weights
    assert grown.shape == (8, 16)
    np.testing.assert_allclose(grown[1:4], trained[:3], atol=1e-6)
    np.testing.assert_allclose(grown[4:7], trained[3:], atol=1e-6)
    np.testing.assert_allclose(grown[[0, 7]], 1.0, atol=1e-6)


def test_the_word_vectors_are_an_ordinary_fasttext_model(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    model = small_model()
    gensim_ftx.save_facebook_model(model, tmp_path / "m.bin")
    reference = fasttext.load_model(str(tmp_path / "m.bin"))
    for word in ["government", "Australia", "qwertzuiop"]:
        np.testing.assert_allclose(reference.get_word_vector(word), model.wv[word], rtol=1e-5, atol=1e-6)


def test_faces_take_the_flag_and_refuse_skip_gram(tmp_path):
    from gensim_ftx import fasttext as face

    trained = face.train_unsupervised(CORPUS, model="cbow", dim=8, epoch=1, minCount=2, bucket=1000, thread=1,
                                      verbose=0, positionWeights=True, positionDims=3)
    weights = trained.gensim_model.position_weights
    assert weights.shape == (10, 8) and trained.gensim_model.position_dims == 3
    with pytest.raises(ValueError, match="cbow"):
        face.train_unsupervised(CORPUS, model="skipgram", positionWeights=True)
    with pytest.raises(ValueError, match="sg=0"):
        gensim_ftx.FastText(sg=1, position_weights=True)
    with pytest.raises(ValueError, match="position_dims"):
        gensim_ftx.FastText(vector_size=8, position_weights=True, position_dims=9)
    import subprocess
    import sys

    out = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "gensim_ftx", "cbow", "-input", CORPUS, "-output", str(out),
                           "-positionWeights", "-dim", "8", "-epoch", "1", "-thread", "1", "-verbose", "0",
                           "-bucket", "1000"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    refused = subprocess.run([sys.executable, "-m", "gensim_ftx", "skipgram", "-input", CORPUS, "-output", str(out),
                              "-positionWeights"], capture_output=True, text=True)
    assert refused.returncode != 0 and "cbow" in refused.stderr


def test_weights_a_user_assigns_are_checked_before_training():
    model = small_model(epochs=1)
    model.position_weights = model.position_weights.astype(np.float64).tolist()  # converted, kept
    model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=1)
    assert model.position_weights.dtype == np.float32 and model.position_weights.shape == (6, 16)
    model.position_weights = np.full((6, 16), np.nan, np.float32)
    with pytest.raises(ValueError, match="NaN"):
        model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=1)
    model.position_weights = np.ones((5, 16), np.float32)
    with pytest.raises(ValueError, match="position_weights"):
        model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=1)
    model.position_weights, model.position_dims = np.ones((6, 16), np.float32), 99
    with pytest.raises(ValueError, match="position_dims"):
        model.train(corpus_file=CORPUS, total_words=model.corpus_total_words, epochs=1)


def test_weighted_vectors_put_the_weights_scale_back():
    model = small_model()
    raw = model.wv["government"].copy()
    weighted = model.weighted_vectors()
    scale = model.position_weights.mean(axis=0)
    np.testing.assert_allclose(weighted["government"], raw * scale, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(weighted["qwertzuiop"], model.wv["qwertzuiop"] * scale, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(model.wv["government"], raw)  # the training state is left alone
    with pytest.raises(ValueError, match="no position weights"):
        gensim_ftx.FastText(**SMALL).weighted_vectors()
