"""A classifier thread holding back its updates of the frequent words' rows trains as if it did not.

With several threads, each holds its updates of the first input rows (the most frequent words)
for a few lines (``Worker.hold_input_updates``); the thread itself must read those rows with its
held updates added, so one thread's results may differ from direct updates only by rounding, and
everything held must reach the matrix when the thread stops.
"""
import numpy as np
import pytest

from gensim_ftx.train._engine import KernelModel, Worker


def classifier(seed=0, nwords=6, nbuckets=5, dim=10, labels=3):
    rng = np.random.default_rng(seed)
    vocab = rng.normal(0, 0.3, (nwords, dim)).astype(np.float32)
    ngrams = rng.normal(0, 0.3, (nbuckets, dim)).astype(np.float32)
    output = rng.normal(0, 0.3, (labels, dim)).astype(np.float32)
    model = KernelModel(vocab, ngrams, output, np.arange(nwords + 1, dtype=np.int64),
                        np.arange(nwords, dtype=np.int32), loss="softmax", targets=labels)
    return model, vocab, ngrams, output


def lines(seed=1, count=25, nrows=11, labels=3):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 9, count)
    rows = rng.integers(0, nrows, lengths.sum()).astype(np.int32)  # words repeat within a line
    return dict(row_indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), rows=rows,
                label_indptr=np.arange(count + 1, dtype=np.int64),
                labels=rng.integers(0, labels, count).astype(np.int32), tokens=lengths.astype(np.int32), start=0,
                counter=np.zeros(1, dtype=np.int64), budget=int(lengths.sum()) * 3, alpha=0.2, min_alpha=0.0,
                stop=np.zeros(1, dtype=np.int64))


@pytest.mark.parametrize("rows, batch", [(3, 4), (6, 1), (6, 1000), (10**9, 0)])
def test_held_rows_train_as_direct_updates(rows, batch):
    direct, *direct_matrices = classifier()
    Worker(direct, 7).train_lines(direct, *lines().values())
    held, *held_matrices = classifier()
    worker = Worker(held, 7)
    worker.hold_input_updates(held, rows, batch)
    worker.train_lines(held, *lines().values())
    for ours, theirs in zip(held_matrices, direct_matrices):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    assert not np.allclose(direct_matrices[0], classifier()[1], atol=1e-3)  # the rows did train


def test_a_stopped_thread_leaves_nothing_held():
    held, vocab, _, _ = classifier()
    worker = Worker(held, 7)
    worker.hold_input_updates(held, 6, 10**6)  # never flushed by the batch: only by stopping
    before = vocab.copy()
    worker.train_lines(held, *lines().values())
    assert not np.allclose(vocab, before, atol=1e-3)
