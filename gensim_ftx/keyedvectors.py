"""Keyed vectors with fastText's exact subword semantics and bulk, lazy composite vectors.

:class:`FastTextKeyedVectors` is a drop-in subclass of gensim's. The differences:

* The subword rows of every vocabulary word live in one CSR pair (``subword_indptr``,
  ``subword_ids``) of fastText input-matrix ids, computed in bulk from the words' bytes
  (not two million small arrays). ``buckets_word`` is still available, derived on demand.
* ``</s>`` has no n-grams, as in fastText; pruned (``.ftz``) and floret models hash as their
  trainers did; non-UTF-8 models hash the bytes of their own ``encoding``.
* ``vectors`` (the composite word vectors) is computed lazily, so loading a 2M-word model does
  not allocate another 2.4 GB until something needs all of them (``most_similar`` does).
* ``wv[list_of_words]`` and :meth:`get_vectors` compute many in- and out-of-vocabulary
  vectors in one call without the GIL.
"""
from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from gensim.models import fasttext as gensim_fasttext
from gensim.models.keyedvectors import _KEY_TYPES, KeyedVectors

from ._compose import WordBatch, empty_rows, mean_rows
from ._subwords import SubwordHasher, ngram_strings, pack_words
from .vocab import compact_store, is_utf8, positions

logger = logging.getLogger(__name__)

REAL = np.float32
_PARALLEL_MIN_ROWS = 20000
_CPUS = min(8, os.cpu_count() or 1)
# gensim's training threads take raw pointers into buckets_word: it must be built exactly once.
_BUCKETS_LOCK = threading.Lock()


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


class FastTextKeyedVectors(gensim_fasttext.FastTextKeyedVectors):
    """Vectors and vocabulary of a fastText model; a subclass of gensim's ``FastTextKeyedVectors``.

    Parameters
    ----------
    vector_size, min_n, max_n, bucket, count, dtype
        As in gensim.
    encoding : str, keyword-only
        Encoding used to turn out-of-vocabulary words into the bytes that are hashed.

    Attributes
    ----------
    subword_indptr, subword_ids : numpy.ndarray
        CSR of fastText input-matrix ids per vocabulary word: ids below ``len(self)`` are
        rows of ``vectors_vocab``, the others ``len(self) + row`` of ``vectors_ngrams``.
    floret_hash_count : int
        0 for fastText hashing; 1..4 for floret's MurmurHash3 scheme.
    pruneidx : numpy.ndarray or None
        fastText's pruning table (bucket -> row) of quantised models.
    raw_keys : dict
        Original bytes of keys that did not decode in ``encoding``.
    """

    def __init__(self, vector_size: int, min_n: int, max_n: int, bucket: int, count: int = 0,
                 dtype=REAL, *, encoding: str = "utf-8"):
        self._vectors = None
        self._buckets_word = None
        self._hasher = None
        self._subword_csr = None
        self.encoding = encoding
        self.floret_hash_count = 0
        self.pruneidx = None
        self.raw_keys = {}
        super().__init__(vector_size, min_n, max_n, bucket, count=count, dtype=dtype)

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

    # -- subword tables ---------------------------------------------------------------------

    @property
    def hasher(self) -> SubwordHasher:
        """The :class:`~gensim_ftx._subwords.SubwordHasher` for this vocabulary's settings."""
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
        keys = itertools.islice(self.index_to_key, count)
        raw = self.raw_keys
        encoded = [raw[k] if k in raw else self._encode(k) for k in keys] if raw else \
            [self._encode(k) for k in keys]
        return pack_words(encoded)

    def _encode(self, key) -> bytes:
        if isinstance(key, bytes):
            return key
        return str(key).encode(self.encoding, errors="replace")

    def recalc_char_ngram_buckets(self) -> None:
        """Recompute the subword CSR of every vocabulary word (bulk, without the GIL)."""
        self._subword_csr = self._compute_csr(len(self.index_to_key))
        self._buckets_word = None
        self.adjust_vectors()

    def _compute_csr(self, nwords: int) -> tuple[np.ndarray, np.ndarray]:
        hasher = self.hasher if nwords == len(self.index_to_key) else self._make_hasher(nwords)
        return hasher.csr(*self._encode_keys(nwords), True)

    def set_subword_table(self, indptr: np.ndarray, ids: np.ndarray) -> None:
        """Install a precomputed subword CSR (as produced by :meth:`SubwordHasher.csr`)."""
        if len(indptr) != len(self.index_to_key) + 1:
            raise ValueError(f"subword table covers {len(indptr) - 1} words, vocabulary has "
                             f"{len(self.index_to_key)}")
        self._subword_csr = (np.ascontiguousarray(indptr, dtype=np.int64), np.ascontiguousarray(ids, dtype=np.int32))
        self._buckets_word = None
        self.adjust_vectors()

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

    @property
    def buckets_word(self) -> list | None:
        """Per-word n-gram rows of ``vectors_ngrams`` (gensim's layout), derived from the CSR."""
        if self._buckets_word is None and self.index_to_key is not None:
            with _BUCKETS_LOCK:
                if self._buckets_word is None:
                    self._ensure_subwords()
                    nwords = len(self.index_to_key)
                    ids = self.subword_ids
                    bucket_ids = np.where(ids >= nwords, ids - nwords, -1).astype(np.int64)
                    self._buckets_word = [
                        bucket_ids[a:b][bucket_ids[a:b] >= 0].astype(np.uint32)
                        for a, b in zip(self.subword_indptr[:-1], self.subword_indptr[1:])
                    ]
        return self._buckets_word

    @buckets_word.setter
    def buckets_word(self, value: list | None) -> None:
        if value is None:
            self._buckets_word = None
            return
        nwords = len(value)
        lengths = np.fromiter((len(b) + 1 for b in value), dtype=np.int64, count=nwords)
        indptr = np.zeros(nwords + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        ids = np.empty(indptr[-1], dtype=np.int32)
        for i, b in enumerate(value):
            ids[indptr[i]] = i
            ids[indptr[i] + 1:indptr[i + 1]] = np.asarray(b, dtype=np.int64) + nwords
        self._subword_csr = (indptr, ids)
        self._buckets_word = list(value)
        self.adjust_vectors()

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

    # -- lookups ----------------------------------------------------------------------------

    def _index_or_none(self, key) -> int | None:
        index = self.key_to_index.get(key)
        if index is None and isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            index = int(key)
        return index

    def get_vector(self, word, norm: bool = False) -> np.ndarray:
        """Vector of ``word``: fastText's mean of subword rows, for in- and out-of-vocabulary words.

        Raises
        ------
        KeyError
            For an out-of-vocabulary word when the model has no n-gram buckets.
        """
        index = self._index_or_none(word)
        if index is not None and norm:
            self.fill_norms()
            return self.vectors[index] / self.norms[index]
        if index is not None and self._vectors is not None:
            return self._vectors[index]
        vector = self.get_vectors([word if index is None else self.index_to_key[index]])[0]
        if norm:
            length = np.linalg.norm(vector)
            return vector / length if length > 0 else vector
        return vector

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

    def __getitem__(self, key_or_keys):
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self.get_vectors(key_or_keys)

    def vectors_for_all(self, keys: Iterable, allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> KeyedVectors:
        """Produce vectors for all given keys as a new ``KeyedVectors``; a bulk version of gensim's."""
        container = self if allow_inference else self.key_to_index
        vocab = [key for key in dict.fromkeys(keys) if key in container]
        kv = KeyedVectors(self.vector_size, 0, dtype=REAL)
        if vocab:
            kv.add_vectors(vocab, self.get_vectors(vocab))
        if copy_vecattrs:
            for attr in self.expandos:
                for key in vocab:
                    try:
                        kv.set_vecattr(key, attr, self.get_vecattr(key, attr))
                    except KeyError:
                        pass
        return kv

    # -- persistence (gensim's SaveLoad) -------------------------------------------------------

    def _save_specials(self, fname, separately, sep_limit, ignore, pickle_protocol, compress, subname):
        # Derived state is not stored; gensim's FastTextKeyedVectors would delete the properties instead.
        ignore = set(ignore).union(["_vectors", "_buckets_word", "_hasher", "_subword_csr"])
        return KeyedVectors._save_specials(self, fname, separately, sep_limit, ignore, pickle_protocol, compress,
                                           subname)

    def _load_specials(self, *args, **kwargs):
        # gensim's version materialises buckets_word and vectors; ours stay lazy.
        KeyedVectors._load_specials(self, *args, **kwargs)
        self._load_specials_defaults()

    def _load_specials_defaults(self) -> None:
        for name in ("_vectors", "_buckets_word", "_hasher", "_subword_csr"):
            if not hasattr(self, name):
                setattr(self, name, None)
        defaults = {"encoding": "utf-8", "floret_hash_count": 0, "pruneidx": None, "raw_keys": {}}
        for name, value in defaults.items():
            if not hasattr(self, name):
                setattr(self, name, value)
        for name in ("vectors_vocab_lockf", "vectors_ngrams_lockf"):
            if getattr(self, name, None) is None or np.ndim(getattr(self, name)) > 1:
                setattr(self, name, np.ones(1, dtype=REAL))

    def __setstate__(self, state):
        # Pickles of gensim's class store ``vectors`` in __dict__; ours keep it behind a property.
        if "vectors" in state:
            state["_vectors"] = state.pop("vectors")
        state.pop("buckets_word", None)
        if "subword_indptr" in state:  # pickles of earlier versions held the CSR
            state["_subword_csr"] = (state.pop("subword_indptr"), state.pop("subword_ids"))
        self.__dict__.update(state)

    @classmethod
    def load(cls, fname_or_handle, **kwargs) -> FastTextKeyedVectors:
        """Load keyed vectors saved with ``save``; vectors saved by gensim's class are adopted."""
        obj = KeyedVectors.load.__func__(cls, fname_or_handle, **kwargs)
        if isinstance(obj, gensim_fasttext.FastTextKeyedVectors) and not isinstance(obj, cls):
            from .portable import restore_vectors

            restore_vectors(obj)  # what a portable file kept as plain data
            obj = cls.adopt(obj)
        return obj

    def save(self, fname_or_handle, *args, portable: bool = False, **kwargs) -> None:
        """gensim's ``save``; with ``portable=True`` the file loads in plain gensim too
        (gensim's class, a ``dict``/``list`` vocabulary; see :mod:`gensim_ftx.portable`)."""
        if portable:
            from .portable import to_gensim_vectors

            to_gensim_vectors(self).save(fname_or_handle, *args, **kwargs)
            return
        super().save(fname_or_handle, *args, **kwargs)

    @classmethod
    def adopt(cls, other: gensim_fasttext.FastTextKeyedVectors) -> FastTextKeyedVectors:
        """Turn a gensim ``FastTextKeyedVectors`` into this class in place (no matrix copies)."""
        state = dict(other.__dict__)
        other.__class__ = cls
        other.__dict__.clear()
        other.__setstate__(state)
        other._load_specials_defaults()
        other.recalc_char_ngram_buckets()
        return other
