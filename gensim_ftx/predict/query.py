"""What fastText's query commands compute, in fastText's float32 arithmetic: word and sentence
vectors, nearest neighbours and analogies, and the dictionary lookups behind them.

The ``gensim-ftx`` command line and :mod:`gensim_ftx.fasttext` both answer from here, so that a
printed score and a returned one are the same number.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..text.vectors import SubwordLookups

EOS = b"</s>"
LABEL_PREFIX = b"__label__"  # fastText's default; the prefix is not stored in .bin files
REAL = np.float32


class Vocabulary:
    """A model's words and labels, looked up by the bytes fastText reads from its input.

    Keys of entries that were not valid in the model's encoding are backslash-escaped strings
    (their bytes are kept); a word that is not in the model is hashed from its own bytes.
    """

    def __init__(self, wv: SubwordLookups, labels: Sequence[str] = (), raw_labels: dict | None = None):
        self.wv = wv
        self.nwords = len(wv.index_to_key)
        self.labels = {label: i for i, label in enumerate(labels)}
        self.raw = dict(wv.raw_keys or {})
        for index, raw in (raw_labels or {}).items():
            self.raw[labels[index]] = raw

    @classmethod
    def from_model(cls, model) -> Vocabulary:
        """The vocabulary of a gensim_ftx (or gensim) ``FastText`` model."""
        return cls(model.wv, model.labels or (), getattr(model, "raw_labels", None))

    def key(self, token: bytes) -> str | bytes:
        """The dictionary key spelt ``token``, or ``token`` itself for a word not in the dictionary."""
        try:
            key = token.decode(self.wv.encoding)
        except UnicodeDecodeError:
            key = token.decode(self.wv.encoding, errors="backslashreplace")
            return key if self.raw.get(key) == token else token
        return token if key in self.raw else key

    def spelling(self, key: str) -> bytes:
        """The bytes fastText prints for dictionary entry ``key``."""
        raw = self.raw.get(key)
        return raw if raw is not None else key.encode(self.wv.encoding)

    def word_index(self, key: str | bytes) -> int:
        return self.wv.key_to_index.get(key, -1) if isinstance(key, str) else -1

    def label_index(self, key: str | bytes) -> int:
        if not isinstance(key, str) or key in self.wv.key_to_index:
            return -1
        return self.labels.get(key, -1)

    def vectors(self, tokens: Sequence[bytes]) -> np.ndarray:
        """fastText's ``getWordVector`` of each token as a float32 matrix (zeros for a word without rows)."""
        wv = self.wv
        keys = [self.key(token) for token in tokens]
        out = np.zeros((len(keys), wv.vector_size), dtype=REAL)
        labelled = {i for i, key in enumerate(keys) if self.label_index(key) >= 0} if self.labels else set()
        words = [i for i in range(len(keys)) if i not in labelled]
        if not wv.bucket:  # gensim's API raises KeyError for unknown words then; fastText gives zeros
            words = [i for i in words if self.word_index(keys[i]) >= 0]
        if len(words) == len(keys):
            out[:] = wv.get_vectors(keys)
        elif words:
            out[words] = wv.get_vectors([keys[i] for i in words])
        for i in labelled:
            rows = input_rows(wv, self.label_subwords(tokens[i], self.label_index(keys[i])))
            if len(rows):
                out[i] = sequential_sum(rows) * reciprocal(len(rows))
        return out

    def label_subwords(self, token: bytes, index: int) -> list[int]:
        """A label's rows as fastText computes them: its dictionary id (``nwords + index``, which reads an
        n-gram bucket's row) and its character n-grams. A fastText quirk, reproduced for equal output."""
        row = self.nwords + index
        own = [row] if row < self.nwords + len(self.wv.vectors_ngrams) else []
        return own + self.wv.hasher.subwords(token, -1).tolist()

    def subwords(self, token: bytes) -> tuple[list[bytes], list[int]]:
        """fastText's ``getSubwords(word, ngrams, substrings)``: subword spellings and input-matrix rows."""
        key = self.key(token)
        names, ids = self.wv.get_subwords(key)
        spelt = [name.encode(self.wv.encoding) for name in names]
        if self.word_index(key) >= 0:
            spelt[0] = self.spelling(key)
        label = self.label_index(key)
        if label >= 0:
            return [self.spelling(key)] + spelt, self.label_subwords(token, label)
        return spelt, ids.tolist()


def input_rows(wv: SubwordLookups, ids: Iterable[int]) -> np.ndarray:
    """Rows of fastText's input matrix (words, then n-gram buckets)."""
    ids = np.asarray(list(ids), dtype=np.int64)
    nwords = len(wv.index_to_key)
    out = np.empty((len(ids), wv.vector_size), dtype=REAL)
    is_word = ids < nwords
    out[is_word] = wv.vectors_vocab[ids[is_word]]
    out[~is_word] = wv.vectors_ngrams[ids[~is_word] - nwords]
    return out



def sequential_norms(rows: np.ndarray) -> np.ndarray:
    """Row norms with the squares summed in float32 left to right, as fastText's ``Vector::norm``."""
    acc = np.zeros(len(rows), dtype=REAL)
    for j in range(rows.shape[1]):
        column = rows[:, j]
        acc += column * column
    return np.sqrt(acc)


def sequential_dots(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Row dot products summed in float32 left to right, as fastText's ``DenseMatrix::dotRow``."""
    acc = np.zeros(len(rows), dtype=REAL)
    for j in range(rows.shape[1]):
        acc += rows[:, j] * vector[j]
    return acc


class Neighbours:
    """fastText's ``getNN``: cosine between a query and every word vector, the query's words excluded.

    A BLAS pass over all words finds the candidates; those within reach of the k-th score are then
    scored again with fastText's own float32 arithmetic, so that near-ties come out in fastText's order.
    """

    MARGIN = 1e-4  # well above float32 summation-order differences for cosines
    EXACT_LIMIT = 100_000  # beyond this many near-tied candidates keep the BLAS scores

    def __init__(self, wv: SubwordLookups):
        self.wv = wv
        self._unit: np.ndarray | None = None

    @property
    def unit(self) -> np.ndarray:
        """Every word vector scaled to unit length (zero vectors stay zero), computed on first use."""
        if self._unit is None:
            vectors = self.wv.vectors
            if vectors.dtype == REAL and vectors.flags.owndata and vectors.flags.writeable:
                self.wv.vectors = None  # take the composed matrix over instead of holding two copies
            else:
                vectors = np.array(vectors, dtype=REAL)
            norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
            nonzero = norms > 0
            np.divide(vectors, norms[:, None], out=vectors, where=nonzero[:, None])
            vectors[~nonzero] = 0
            self._unit = vectors
        return self._unit

    def query(self, vector: np.ndarray, k: int, banned: Iterable[int] = ()) -> list[tuple[str, float]]:
        """The ``k`` words closest to ``vector``, best first."""
        vector = np.asarray(vector, dtype=REAL)
        unit = self.unit
        banned = sorted(set(banned))
        k = min(k, len(unit) - len(banned))
        if k <= 0:
            return []
        query_norm = float(sequential_norms(vector[None, :])[0])
        query_norm = query_norm if abs(query_norm) >= 1e-8 else 1.0
        approx = unit @ vector / np.float32(query_norm)
        approx[np.isnan(approx)] = -np.inf
        approx[banned] = -np.inf
        kth = np.partition(approx, len(approx) - k)[len(approx) - k]
        candidates = np.flatnonzero(approx >= kth - self.MARGIN)
        if len(candidates) <= self.EXACT_LIMIT:
            scores = self.exact_scores(candidates, vector, query_norm)
            scores[np.isnan(scores)] = -np.inf
        else:
            scores = approx[candidates]
        best = np.lexsort((candidates, -scores))[:k]
        words = self.wv.index_to_key
        return [(words[candidates[i]], float(scores[i])) for i in best]

    def exact_scores(self, rows: np.ndarray, vector: np.ndarray, query_norm: float) -> np.ndarray:
        """fastText's similarities of words ``rows``: each vector times ``float(1/norm)``, dotted in order."""
        vectors = self.wv.get_vectors([self.wv.index_to_key[i] for i in rows])
        norms = sequential_norms(vectors)
        scale = np.zeros(len(rows), dtype=REAL)
        nonzero = norms > 0
        scale[nonzero] = reciprocal(norms[nonzero])
        return sequential_dots(vectors * scale[:, None], vector) / np.float32(query_norm)



def analogy_query(vectors: np.ndarray) -> np.ndarray:
    """fastText's ``getAnalogies`` query: A/|A| - B/|B| + C/|C| (1e-8 added to each norm), in its arithmetic."""
    query = np.zeros(vectors.shape[1], dtype=REAL)
    for vector, norm, sign in zip(vectors, sequential_norms(vectors), (1.0, -1.0, 1.0)):
        query += np.float32(sign / (float(norm) + 1e-8)) * vector
    return query



def sequential_sum(rows: np.ndarray) -> np.ndarray:
    """Sum of ``rows`` added one after another in float32 (``cumsum`` is sequential; ``sum`` is pairwise)."""
    if not len(rows):
        return np.zeros(rows.shape[1], dtype=REAL)
    return np.cumsum(rows, axis=0, dtype=REAL)[-1]


def reciprocal(values: np.ndarray | float) -> np.ndarray:
    """fastText's ``1.0 / x`` scale factors: computed in double, stored as float (``real``)."""
    return (1.0 / np.asarray(values, dtype=np.float64)).astype(REAL)


def sentence_vectors(vectors_of: Callable[[list[bytes]], np.ndarray], lines: Sequence[bytes],
                     dim: int) -> np.ndarray:
    """fastText's unsupervised ``getSentenceVector``: the mean of the unit word vectors of each line.

    ``vectors_of(tokens)`` gives the tokens' word vectors. Words whose vector is zero are left out;
    an empty line gives zeros. No ``</s>`` is added. The arithmetic is fastText's, so the printed
    values are the ones it prints.
    """
    tokens = [line.split() for line in lines]
    vectors = vectors_of([token for words in tokens for token in words])
    norms = sequential_norms(vectors)
    used = norms > 0
    vectors[used] *= reciprocal(norms[used])[:, None]
    out = np.zeros((len(lines), dim), dtype=REAL)
    start = 0
    for i, words in enumerate(tokens):
        stop = start + len(words)
        rows = vectors[start:stop][used[start:stop]]
        if len(rows):
            out[i] = sequential_sum(rows) * reciprocal(len(rows))
        start = stop
    return out


