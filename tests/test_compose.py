"""Composite vectors in bulk (gensim_ftx.text._compose) against a word-by-word float32 reference."""
from __future__ import annotations

import numpy as np
import pytest

from gensim_ftx.text._compose import WordBatch, mean_rows
from gensim_ftx.text._subwords import SubwordHasher
from gensim_ftx.text.vocab import KeyStore

VOCAB = ["the", "cat", "</s>", "naïve", "東京", "a", "sat", "on", "mat", "zebra"]


def _reference(rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """fastText's getWordVector: float32 sum in subword order, times (float)(1.0 / n)."""
    acc = np.zeros(rows.shape[1], dtype=np.float32)
    for i in ids:
        acc += rows[i]
    if len(ids):
        acc *= np.float32(1.0 / len(ids))
    return acc


def _words(count: int, rng: np.random.Generator) -> list[str]:
    alphabet = list("abcdefghijklmnopqrstuvwxyzé東")
    extra = ["", "</s>", "x", "naïve", "zebra", "東京"]
    words = []
    for _ in range(count):
        if rng.random() < 0.3:
            words.append(str(rng.choice(VOCAB + extra)))
        else:
            words.append("".join(rng.choice(alphabet, size=int(rng.integers(1, 14)))))
    return words


@pytest.mark.parametrize("count, dim", [(1, 7), (31, 7), (32, 7), (33, 7), (1000, 7), (21000, 101)])
def test_batch_equals_word_by_word_reference(count, dim):
    # 21000 x 101 floats (8.5 MB) is past the size at which results are written with streaming stores;
    # counts around 32 straddle the blocks in which ids are prepared.
    rng = np.random.default_rng(count)
    limit = len(VOCAB) - 2  # the last two stored words count as out of vocabulary
    bucket = 5000
    hasher = SubwordHasher(3, 6, bucket, limit)
    rows = rng.standard_normal((limit + bucket, dim)).astype(np.float32)
    words = _words(count, rng)
    out = np.full((count, dim), np.nan, dtype=np.float32)
    WordBatch(words, None, store=KeyStore.from_keys(VOCAB), limit=limit).compose(
        hasher, rows[:limit], rows[limit:], out)
    for k, word in enumerate(words):
        position = VOCAB.index(word) if word in VOCAB[:limit] else -1
        expected = _reference(rows, hasher.subwords(word.encode(), position))
        assert np.array_equal(out[k], expected), (k, word)


def test_batch_split_across_calls_equals_one_call():
    rng = np.random.default_rng(7)
    hasher = SubwordHasher(3, 6, 2000, len(VOCAB))
    rows = rng.standard_normal((len(VOCAB) + 2000, 12)).astype(np.float32)
    words = _words(500, rng)
    whole, parts = np.empty((500, 12), np.float32), np.empty((500, 12), np.float32)
    WordBatch(words, None, store=KeyStore.from_keys(VOCAB)).compose(hasher, rows[:10], rows[10:], whole)
    batch = WordBatch(words, None, store=KeyStore.from_keys(VOCAB))
    for start, stop in ((0, 33), (33, 34), (34, 250), (250, 500)):
        batch.compose(hasher, rows[:10], rows[10:], parts, start, stop)
    assert np.array_equal(whole, parts)


@pytest.mark.parametrize("count, dim", [(40, 5), (23000, 100)])
def test_mean_rows_with_selection_equals_reference(count, dim):
    rng = np.random.default_rng(dim)
    nwords, nrows = 3000, 4000
    lengths = rng.integers(0, 12, size=nwords)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = rng.integers(0, nrows, size=int(indptr[-1])).astype(np.int32)
    rows = rng.standard_normal((nrows, dim)).astype(np.float32)
    select = rng.integers(0, nwords, size=count).astype(np.int64)
    out = mean_rows(indptr, ids, rows[:1000], rows[1000:], np.empty((count, dim), np.float32), select)
    for k, word in enumerate(select):
        assert np.array_equal(out[k], _reference(rows, ids[indptr[word]:indptr[word + 1]])), k


def test_an_id_outside_the_matrices_is_an_error():
    indptr = np.array([0, 2, 3], dtype=np.int64)
    ids = np.array([0, 1, 99], dtype=np.int32)
    rows = np.ones((10, 4), np.float32)
    with pytest.raises(ValueError, match="outside the vocabulary and n-gram matrices"):
        mean_rows(indptr, ids, rows[:5], rows[5:], np.empty((2, 4), np.float32))
