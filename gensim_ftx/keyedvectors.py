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

import logging
import threading
from collections.abc import Iterable

import numpy as np
from gensim.models import fasttext as gensim_fasttext
from gensim.models.keyedvectors import _KEY_TYPES, KeyedVectors

from .text.vectors import REAL, SubwordLookups, SubwordVectors, compose_rows

__all__ = ["FastTextKeyedVectors", "REAL", "compose_rows"]

logger = logging.getLogger(__name__)

# gensim's training threads take raw pointers into buckets_word: it must be built exactly once.
_BUCKETS_LOCK = threading.Lock()


class FastTextKeyedVectors(SubwordLookups, gensim_fasttext.FastTextKeyedVectors):
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

    @classmethod
    def from_table(cls, table: SubwordVectors) -> FastTextKeyedVectors:
        """Keyed vectors over a :class:`~gensim_ftx.text.vectors.SubwordVectors`'s vocabulary and arrays
        (shared, not copied)."""
        wv = cls(table.vector_size, table.min_n, table.max_n, table.bucket, encoding=table.encoding)
        wv.__dict__.update({name: value for name, value in vars(table).items() if name != "norms"})
        wv.vectors_vocab_lockf = np.ones(1, dtype=REAL)
        wv.vectors_ngrams_lockf = np.ones(1, dtype=REAL)
        return wv

    def _subwords_changed(self) -> None:
        self._buckets_word = None
        super()._subwords_changed()

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
