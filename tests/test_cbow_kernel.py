"""The CBOW kernel against fastText's CBOW step written out in numpy.

fastText's step, for each centre word: the hidden vector is the mean of the subword rows of the
words around it (as they are at that moment), the loss adds up a gradient, and every one of those
rows (a row counted as often as it occurs) receives the whole gradient before the next centre
word. The kernel may organise the work differently (it keeps per-position sums and scatters each
word's gradient once), but within one thread the rows must come out as if it had not: the checks
below use softmax (no random draws) and fixed windows, on lines where words repeat and share
n-grams, so every shortcut that drops a shared row's update would show.
"""
import numpy as np
import pytest

from gensim_ftx.train._engine import KernelModel, Worker


def reference_cbow(vocab, ngrams, output, indptr, ids, lines, window, lr, mean=True, positions=None, dims=0):
    """fastText's CBOW step by step; with ``positions`` (2 x window rows: offsets -window..-1, then
    1..window) the rows of the word at offset p count as ``d_p * row``, receive ``d_p * grad``, and
    ``d_p`` moves by ``(sum of the word's rows) * grad / rows`` in its first ``dims`` columns.
    Returns the rows, the output and the weights."""
    rows = np.concatenate([vocab, ngrams]).astype(np.float64)
    out = output.astype(np.float64)
    d = np.ones((2 * window, rows.shape[1])) if positions is None else positions.astype(np.float64)
    for line in lines:
        for i in range(len(line)):
            context = [j for j in range(max(0, i - window), min(len(line), i + window + 1)) if j != i]
            members = {j: list(ids[indptr[line[j]]:indptr[line[j] + 1]]) for j in context}
            total = sum(len(m) for m in members.values())
            if not total:
                continue
            sums = {j: rows[m].sum(axis=0) for j, m in members.items()}
            hidden = sum(d[offset_row(j - i, window)] * sums[j] for j in context)
            if mean:
                hidden /= total
            scores = out @ hidden
            probs = np.exp(scores - scores.max())
            probs /= probs.sum()
            alpha = lr * ((np.arange(len(out)) == line[i]) - probs)
            grad = alpha @ out
            out += np.outer(alpha, hidden)
            scale = 1.0 if mean else 1.0 / total
            gradients = {j: scale * d[offset_row(j - i, window)] * grad for j in context}
            for j in context:
                d[offset_row(j - i, window), :dims] += sums[j][:dims] * grad[:dims] / total
            for j in context:
                for r in members[j]:
                    rows[r] += gradients[j]
    return rows, out, d


def offset_row(offset, window):
    """The row of window offset ``offset`` in a (2 x window) weight matrix."""
    return offset + window - (1 if offset > 0 else 0)


def toy_model(seed, nwords=7, nbuckets=9, dim=12):
    rng = np.random.default_rng(seed)
    vocab = rng.normal(0, 0.3, (nwords, dim)).astype(np.float32)
    ngrams = rng.normal(0, 0.3, (nbuckets, dim)).astype(np.float32)
    output = rng.normal(0, 0.3, (nwords, dim)).astype(np.float32)
    subwords, indptr = [], [0]
    for word in range(nwords):
        # a word's own row, then n-gram rows drawn from a few buckets: words share rows, and a
        # word may hold the same bucket twice (fastText's hashing collides so)
        picks = rng.integers(0, nbuckets, size=rng.integers(0, 5))
        subwords += [word, *(nwords + picks)]
        indptr.append(len(subwords))
    return vocab, ngrams, output, np.array(indptr, np.int64), np.array(subwords, np.int32)


@pytest.mark.parametrize("window", [1, 2, 4])
@pytest.mark.parametrize("mean", [True, False])
def test_cbow_rows_equal_fasttexts_step_by_step(window, mean):
    vocab, ngrams, output, indptr, ids = toy_model(window * 10 + mean)
    rng = np.random.default_rng(1)
    # repeated words within a window, a one-word line and lines shorter than the window
    lines = [[0, 1, 0, 2, 3, 0, 4, 5, 6, 1, 1, 2], [3], [4, 4], [5, 6, 0], list(rng.integers(0, 7, 40))]
    lr = 0.1
    expected_rows, expected_out, _ = reference_cbow(vocab, ngrams, output, indptr, ids, lines, window, lr, mean)
    model = KernelModel(vocab, ngrams, output, indptr, ids, loss="softmax", sg=False, window=window,
                        shrink_windows=False, cbow_mean=mean)
    flat = np.concatenate([np.asarray(line, np.int32) for line in lines])
    bounds = np.cumsum([0] + [len(line) for line in lines]).astype(np.int64)
    Worker(model, 0).train_batch(model, flat, bounds, lr, 0.0, 0.0, np.zeros(1, np.int64))
    trained = np.concatenate([vocab, ngrams])
    np.testing.assert_allclose(trained, expected_rows, rtol=0, atol=2e-5)
    np.testing.assert_allclose(output, expected_out, rtol=0, atol=2e-5)
    assert not np.allclose(trained, np.concatenate(toy_model(window * 10 + mean)[:2]), atol=1e-3)


def test_a_word_without_rows_is_no_context():
    vocab, ngrams, output, _, _ = toy_model(5)
    indptr = np.array([0, 1, 1, 2, 3, 4, 5, 6], np.int64)  # word 1 has no rows at all
    ids = np.array([0, 2, 3, 4, 5, 6], np.int32)
    lines = [[1, 0, 1, 2, 1], [1, 1]]
    expected_rows, _, _ = reference_cbow(vocab, ngrams, output, indptr, ids, lines, 2, 0.05)
    model = KernelModel(vocab, ngrams, output, indptr, ids, loss="softmax", sg=False, window=2,
                        shrink_windows=False)
    flat = np.concatenate([np.asarray(line, np.int32) for line in lines])
    Worker(model, 0).train_batch(model, flat, np.array([0, 5, 7], np.int64), 0.05, 0.0, 0.0, np.zeros(1, np.int64))
    np.testing.assert_allclose(np.concatenate([vocab, ngrams]), expected_rows, rtol=0, atol=2e-5)
