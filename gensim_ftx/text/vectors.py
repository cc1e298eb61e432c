"""A vocabulary with fastText's subword lookups over an input matrix, without gensim.

:class:`SubwordLookups` is the half of :class:`gensim_ftx.FastTextKeyedVectors` that needs no
gensim: fastText's hashing of words and n-grams into input-matrix rows, the per-word subword
CSR, composite vectors and bulk lookups without the GIL. :class:`SubwordVectors` is that half on its
own, what the ``fasttext`` face loads a model into: importing gensim (and scipy, through it)
costs ~0.8 s, more than loading a classifier and predicting with it.
"""
from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._compose import WordBatch, empty_rows, mean_rows
from ._subwords import SubwordHasher, ngram_strings, pack_words
from .vocab import compact_store, is_utf8, positions

__all__ = ["REAL", "SubwordLookups", "SubwordVectors", "compose_rows"]

REAL = np.float32
_PARALLEL_MIN_ROWS = 20000
_CPUS = min(8, os.cpu_count() or 1)


def _in_parallel(count: int, work, threads: int | None = None) -> None:
    """Run ``work(start, stop)`` over ``0..count`` split across threads (``work`` releases the GIL)."""
    threads = threads or _CPUS
    if count < _PARALLEL_MIN_ROWS or threads == 1:
        work(0, count)
        return
    bounds = np.linspace(0, count, threads + 1).astype(np.int64)
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(work, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        for job in jobs:
            job.result()


def compose_rows(indptr: np.ndarray, ids: np.ndarray, vocab: np.ndarray, ngrams: np.ndarray, *,
                 select: np.ndarray | None = None, out: np.ndarray | None = None,
                 threads: int | None = None) -> np.ndarray:
    """Mean of each word's subword rows (words ``select`` of the CSR, or all of them).

    Large batches are split across threads; the kernel runs without the GIL.
    """
    count = len(indptr) - 1 if select is None else len(select)
    dim = vocab.shape[1]
    if out is None:
        out = np.empty((count, dim), dtype=REAL)
    vocab = _as_rows(vocab, dim)
    ngrams = _as_rows(ngrams, dim)
    if select is None:
        select = np.arange(count, dtype=np.int64)
    _in_parallel(count, lambda a, b: mean_rows(indptr, ids, vocab, ngrams, out[a:b], select[a:b]), threads)
    return out


def _as_rows(matrix: np.ndarray | None, dim: int) -> np.ndarray:
    if matrix is None:
        return np.zeros((0, dim), dtype=REAL)
    if matrix.dtype != REAL or not matrix.flags.c_contiguous:
        return np.ascontiguousarray(matrix, dtype=REAL)
    return matrix


class SubwordLookups:
    """fastText's subword lookups over ``vectors_vocab`` and ``vectors_ngrams`` (a mixin).

    The class using it provides ``index_to_key``, ``key_to_index``, ``vector_size``, ``min_n``,
    ``max_n``, ``bucket``, ``encoding``, ``floret_hash_count``, ``pruneidx``, ``raw_keys``,
    ``vectors_vocab`` and ``vectors_ngrams``, and sets ``_vectors``, ``_hasher`` and
    ``_subword_csr`` to None before first use.
    """

    # -- composite vectors, computed on demand ---------------------------------------------

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self._compose_all()
        return self._vectors

    @vectors.setter
    def vectors(self, value: np.ndarray | None) -> None:
        self._vectors = value

    def _compose_all(self) -> np.ndarray:
        if self.vectors_vocab is None:
            return np.zeros((0, self.vector_size), dtype=REAL)
        self._ensure_subwords()
        if len(self.subword_indptr) - 1 != len(self.vectors_vocab):
            raise RuntimeError(f"subword table covers {len(self.subword_indptr) - 1} words but vectors_vocab has "
                               f"{len(self.vectors_vocab)} rows; call recalc_char_ngram_buckets()")
        return compose_rows(self.subword_indptr, self.subword_ids, self.vectors_vocab,
                            self.vectors_ngrams)

    def adjust_vectors(self) -> None:
        """Mark the composite vectors stale; they are recomputed when next needed."""
        self._vectors = None
        self.norms = None

    def _subwords_changed(self) -> None:
        """The subword CSR was replaced: what was derived from it is stale."""
        self.adjust_vectors()

    # -- subword tables ---------------------------------------------------------------------

    @property
    def hasher(self) -> SubwordHasher:
        """The :class:`~gensim_ftx.text._subwords.SubwordHasher` for this vocabulary's settings."""
        nwords = len(self.index_to_key)
        if self._hasher is None or self._hasher.nwords != nwords:
            self._hasher = self._make_hasher(nwords)
        return self._hasher

    def _make_hasher(self, nwords: int) -> SubwordHasher:
        return SubwordHasher(
            self.min_n, self.max_n, self.bucket if self.max_n > 0 or self.floret_hash_count else 0,
            nwords, floret=bool(self.floret_hash_count), hash_count=self.floret_hash_count or 1,
            pruneidx=self.pruneidx)

    def _encode_keys(self, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(blob, starts, ends)`` of the bytes hashed for the first ``count`` vocabulary words."""
        compact = compact_store(self.index_to_key)
        if compact is not None and not self.raw_keys and is_utf8(self.encoding):
            return compact[0].utf8(count)  # the store's bytes are what fastText hashed
        return pack_words(self.key_bytes(itertools.islice(self.index_to_key, count)))

    def key_bytes(self, keys: Iterable | None = None) -> list[bytes]:
        """The bytes fastText reads for vocabulary ``keys`` (default: all, in order): a key's
        original bytes where it did not decode on load, else the key in the model's encoding.
        The one rule every reader's vocabulary table is built with."""
        keys = self.index_to_key if keys is None else keys
        raw = self.raw_keys
        if raw:
            return [raw[k] if k in raw else self._encode(k) for k in keys]
        return [self._encode(k) for k in keys]

    def _encode(self, key) -> bytes:
        if isinstance(key, bytes):
            return key
        return str(key).encode(self.encoding, errors="replace")

    def recalc_char_ngram_buckets(self) -> None:
        """Recompute the subword CSR of every vocabulary word (bulk, without the GIL)."""
        self._subword_csr = self._compute_csr(len(self.index_to_key))
        self._subwords_changed()

    def _compute_csr(self, nwords: int) -> tuple[np.ndarray, np.ndarray]:
        hasher = self.hasher if nwords == len(self.index_to_key) else self._make_hasher(nwords)
        return hasher.csr(*self._encode_keys(nwords), True)

    def set_subword_table(self, indptr: np.ndarray, ids: np.ndarray) -> None:
        """Install a precomputed subword CSR (as produced by :meth:`SubwordHasher.csr`)."""
        if len(indptr) != len(self.index_to_key) + 1:
            raise ValueError(f"subword table covers {len(indptr) - 1} words, vocabulary has "
                             f"{len(self.index_to_key)}")
        self._subword_csr = (np.ascontiguousarray(indptr, dtype=np.int64), np.ascontiguousarray(ids, dtype=np.int32))
        self._subwords_changed()

    def _ensure_subwords(self) -> tuple[np.ndarray, np.ndarray]:
        """The subword CSR, computed on first use: a loaded 2M-word model needs none to answer
        lookups (words are hashed as they are asked for), only to train or compose all vectors."""
        # While gensim grows the vocabulary, index_to_key runs ahead of vectors_vocab; the
        # table must keep describing the rows that exist until resize_vectors() catches up.
        nwords = len(self.index_to_key)
        rows = nwords if self.vectors_vocab is None else len(self.vectors_vocab)
        csr = self._subword_csr
        if csr is None:
            self._subword_csr = csr = self._compute_csr(min(rows, nwords))
        elif len(csr[0]) != nwords + 1 and rows == nwords:
            self.recalc_char_ngram_buckets()
            csr = self._subword_csr
        return csr

    @property
    def subword_indptr(self) -> np.ndarray:
        """Row ``k`` of the subword CSR spans ``subword_ids[subword_indptr[k]:subword_indptr[k + 1]]``."""
        return self._ensure_subwords()[0]

    @property
    def subword_ids(self) -> np.ndarray:
        """Input-matrix ids of each vocabulary word's subwords (the word's own row first)."""
        return self._ensure_subwords()[1]

    def get_subwords(self, word: str) -> tuple[list[str], np.ndarray]:
        """The subwords of ``word`` and their input-matrix ids, like fastText's ``get_subwords``.

        As in fastText, the strings list every n-gram even where pruning dropped its id.
        """
        index = self.key_to_index.get(word)
        data = self.raw_keys.get(word) if self.raw_keys else None
        if data is None:
            data = self._encode(word)
        ids = self.hasher.subwords(data, -1 if index is None else index)
        floret = bool(self.floret_hash_count)
        names = [word] if index is not None and (not floret or index == 0) else []
        if data != b"</s>" and self.bucket:
            grams = ngram_strings(data, self.min_n, self.max_n) if self.max_n >= self.min_n else []
            if floret:
                grams = [b"<" + data + b">"] + grams
            names += [g.decode(self.encoding, errors="backslashreplace") for g in grams]
        return names, ids

    def get_vectors(self, words: Iterable, *, norm: bool = False, out: np.ndarray | None = None) -> np.ndarray:
        """Vectors of many words at once, as a ``(len(words), vector_size)`` float32 array.

        In-vocabulary words take their composite vector, out-of-vocabulary words the mean of
        their n-gram rows (zeros when they have none), exactly as fastText's ``get_word_vector``.
        Vocabulary search, hashing and averaging run in Cython threads without the GIL. An
        extension of gensim's API.

        Parameters
        ----------
        words : iterable of str
            The words.
        norm : bool, keyword-only
            Scale each vector to unit length (zero vectors stay zero).
        out : numpy.ndarray, keyword-only
            A C-contiguous, writeable ``(len(words), vector_size)`` float32 array to fill and
            return. Reusing one buffer across batches skips the page faults of a fresh result,
            a large part of the cost of a 100k-word batch.

        Raises
        ------
        KeyError
            If a word is out of vocabulary and the model has no n-gram buckets.
        ValueError
            If ``out`` has the wrong shape, dtype or layout.
        """
        words = words if isinstance(words, list) else list(words)
        shape = (len(words), self.vector_size)
        if out is not None and (out.shape != shape or out.dtype != REAL or not out.flags.c_contiguous
                                or not out.flags.writeable):
            raise ValueError(f"out must be a writeable, C-contiguous float32 array of shape {shape}; got "
                             f"{out.dtype} {out.shape}")
        nwords = len(self.index_to_key)
        nrows = nwords if self.vectors_vocab is None else len(self.vectors_vocab)
        hasher = self.hasher if nrows == nwords else self._make_hasher(nrows)
        vocab = _as_rows(self.vectors_vocab, self.vector_size)
        ngrams = _as_rows(self.vectors_ngrams, self.vector_size)
        # Every word, in the vocabulary or not, is hashed as fastText does; no table is needed.
        compact = compact_store(self.key_to_index)
        if compact is not None and self.bucket and not self.raw_keys and is_utf8(self.encoding):
            # the composing threads also search the vocabulary
            batch = WordBatch(words, None, store=compact[0], limit=min(compact[1], nrows))
        else:
            found = positions(self.key_to_index, words)
            if nrows != nwords:  # gensim is growing the vocabulary: new words have no rows yet
                found[found >= nrows] = -1
            if self.bucket == 0 and len(found) and found.min() < 0:
                first_oov = int(np.argmax(found < 0))
                raise KeyError(f"cannot calculate vector for OOV word {words[first_oov]!r} without ngrams")
            batch = WordBatch(words, found, self.encoding, self.raw_keys)
        if out is None:
            out = empty_rows(*shape)
        _in_parallel(len(words), lambda a, b: batch.compose(hasher, vocab, ngrams, out, a, b))
        if norm:
            lengths = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, lengths, out=out, where=lengths > 0)
        return out


class SubwordVectors(SubwordLookups):
    """The words, counts and input matrix of a fastText model with its subword lookups, no gensim.

    Built by the model-file reader for the ``fasttext`` face; the gensim face turns it into
    a :class:`gensim_ftx.FastTextKeyedVectors` (:meth:`FastTextKeyedVectors.from_table`),
    sharing its arrays.

    Parameters
    ----------
    vector_size, min_n, max_n, bucket
        As :class:`gensim_ftx.FastTextKeyedVectors`.
    encoding : str, keyword-only
        Encoding used to turn out-of-vocabulary words into the bytes that are hashed.
    """

    def __init__(self, vector_size: int, min_n: int, max_n: int, bucket: int, *, encoding: str = "utf-8"):
        self.vector_size = int(vector_size)
        self.min_n, self.max_n, self.bucket = int(min_n), int(max_n), int(bucket)
        self.encoding = encoding
        self.index_to_key: list = []
        self.key_to_index: dict = {}
        self.expandos: dict = {}
        self.vectors_vocab = self.vectors_ngrams = None
        self.floret_hash_count = 0
        self.pruneidx = None
        self.raw_keys: dict = {}
        self.norms = None
        self._vectors = self._hasher = self._subword_csr = None

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key) -> bool:
        return key in self.key_to_index
