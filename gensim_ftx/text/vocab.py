"""``key_to_index`` and ``index_to_key`` of a loaded vocabulary, without two million Python objects.

gensim keeps a vocabulary as a ``dict`` (key -> position) and a ``list`` (position -> key):
for Meta's 2M-word models that is ~0.4 GB of ``str``, ``int`` and hash-table objects, more
than the rest of a vectors-only load. :class:`KeyToIndex` and :class:`IndexToKey` give the same
interfaces (``collections.abc.MutableMapping`` and ``MutableSequence``) over one shared
:class:`~gensim_ftx.text._vocab.KeyStore` of UTF-8 bytes (~33 bytes a word).

Both views grow the way gensim grows a vocabulary (``key_to_index[w] = len(index_to_key)`` and
``index_to_key.append(w)``, in either order) without leaving the compact form. Any other
mutation (reassigning a position, deleting, inserting) turns that view into a private ``dict``
or ``list`` first, so every ``dict``/``list`` operation keeps its meaning.
"""
from __future__ import annotations

import codecs
from collections.abc import ItemsView, Iterator, MutableMapping, MutableSequence, ValuesView
from typing import Any

import numpy as np

from ._vocab import KeyStore, dict_positions, fasttext_order

__all__ = ["IndexToKey", "KeyStore", "KeyToIndex", "compact_store", "is_utf8", "make_views", "positions",
           "split_dictionary", "store_from_bytes", "with_pretrained"]

_CHUNK = 65536
_MISSING = object()


def is_utf8(encoding: str) -> bool:
    """Whether ``encoding`` names UTF-8, the encoding of a :class:`KeyStore`'s bytes."""
    return codecs.lookup(encoding).name == "utf-8"


def make_views(store: KeyStore, length: int | None = None) -> tuple[KeyToIndex, IndexToKey]:
    """``(key_to_index, index_to_key)`` over the first ``length`` keys of ``store`` (default: all)."""
    return KeyToIndex(store, length), IndexToKey(store, length)


def store_from_bytes(keys: list[bytes]) -> tuple[KeyStore, dict]:
    """A :class:`KeyStore` of ``keys`` (in order) and ``{position: bytes}`` of those that are not UTF-8."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    ends = np.cumsum(lengths)
    return KeyStore.from_utf8_entries(np.frombuffer(b"".join(keys), dtype=np.uint8), ends - lengths, ends)


def split_dictionary(counts: np.ndarray, is_label: np.ndarray, min_count: int,
                     min_count_label: int) -> tuple[np.ndarray, np.ndarray]:
    """fastText's ``Dictionary::threshold`` after its sort: the positions (into ``counts``, in order
    of first occurrence) of the words seen at least ``min_count`` times and of the labels seen at
    least ``min_count_label`` times, each most frequent first and ties in the order fastText's
    unstable sort leaves them (so ids and rows equal fastText's)."""
    ranked = fasttext_order(is_label.astype(np.int8), counts)

    def kept(mask: np.ndarray, minimum: int) -> np.ndarray:
        return ranked[mask[ranked] & (counts[ranked] >= minimum)]

    return kept(~is_label, min_count), kept(is_label, min_count_label)


def with_pretrained(counts: dict, words: list) -> dict:
    """fastText's ``-pretrainedVectors`` rule: every pretrained word joins the (thresholded)
    dictionary ``counts`` with one count more, and the dictionary is sorted again as fastText
    sorts it (ties in its unstable sort's order)."""
    merged = dict(counts)
    for word in words:
        merged[word] = merged.get(word, 0) + 1
    keys = list(merged)
    order = fasttext_order(np.zeros(len(keys), dtype=np.int8), np.fromiter(merged.values(), np.int64, len(keys)))
    return {keys[i]: merged[keys[i]] for i in order.tolist()}


def compact_store(view: Any) -> tuple[KeyStore, int] | None:
    """``(store, length)`` behind a compact ``key_to_index`` or ``index_to_key``, else None.

    Bulk operations use it to reach the keys in C without per-key Python calls.
    """
    if type(view) in (KeyToIndex, IndexToKey) and view._plain is None:
        return view._store, view._len
    return None


def positions(key_to_index: Any, keys: list) -> np.ndarray:
    """Positions of ``keys`` in ``key_to_index`` (any mapping) as int64, -1 where absent."""
    compact = compact_store(key_to_index)
    if compact is not None:
        return compact[0].find_many(keys, compact[1])
    if type(key_to_index) is dict:
        return dict_positions(keys, key_to_index)
    get = key_to_index.get
    return np.fromiter((get(key, -1) for key in keys), dtype=np.int64, count=len(keys))


def _iter_keys(store: KeyStore, length: int) -> Iterator[str]:
    for start in range(0, length, _CHUNK):
        yield from store.keys(start, min(length, start + _CHUNK))


def _check(store: KeyStore, length: int | None) -> int:
    length = len(store) if length is None else int(length)
    if not 0 <= length <= len(store):
        raise ValueError(f"a view of {length} keys over a store of {len(store)}")
    return length


class _StoreView:
    """The first ``_len`` keys of a :class:`KeyStore`, until a change the store cannot express
    replaces them with a private ``dict`` or ``list`` (``_plain``), which then answers everything."""

    __slots__ = ("_store", "_len", "_plain")
    _plain_name = ""

    def __init__(self, store: KeyStore, length: int | None = None):
        self._store = store
        self._len = _check(store, length)
        self._plain = None

    def _materialise(self):
        if self._plain is None:
            self._plain = self._make_plain()  # each view builds its own dict or list
        return self._plain

    def _grow(self, key) -> bool:
        """Take ``key`` as the next key, keeping the compact form; False when the store cannot."""
        if self._plain is not None or not isinstance(key, str):
            return False
        store, length = self._store, self._len
        index = store.index(key)
        if index < 0 and len(store) == length:
            store.append(key)  # a new key at the end: the store grows with us
        elif index != length:  # index == length: the other view already put it in the store
            return False
        self._len += 1
        return True

    def __len__(self) -> int:
        return len(self._plain) if self._plain is not None else self._len

    def __iter__(self) -> Iterator[str]:
        if self._plain is not None:
            return iter(self._plain)
        return _iter_keys(self._store, self._len)

    def __contains__(self, key) -> bool:
        if self._plain is not None:
            return key in self._plain
        return 0 <= self._store.index(key) < self._len

    def __repr__(self) -> str:
        form = self._plain_name if self._plain is not None else "compact"
        return f"{type(self).__name__}({len(self)} keys, {form})"

    def __getstate__(self) -> dict:
        return {"store": self._store, "length": self._len, "plain": self._plain}

    def __setstate__(self, state: dict) -> None:
        self._store, self._len, self._plain = state["store"], state["length"], state["plain"]


class _KeyToIndexValues(ValuesView):
    def __iter__(self) -> Iterator[int]:
        mapping = self._mapping
        return iter(mapping._plain.values()) if mapping._plain is not None else iter(range(mapping._len))


class _KeyToIndexItems(ItemsView):
    def __iter__(self) -> Iterator[tuple[str, int]]:
        mapping = self._mapping
        if mapping._plain is not None:
            return iter(mapping._plain.items())
        return zip(_iter_keys(mapping._store, mapping._len), range(mapping._len))


class KeyToIndex(_StoreView, MutableMapping):
    """A ``dict`` of ``key -> position`` backed by a :class:`KeyStore`.

    Parameters
    ----------
    store : KeyStore
        The keys; shared with the matching :class:`IndexToKey`.
    length : int, optional
        How many of the store's keys belong to this mapping (the rest, e.g. a model's labels,
        are not keys of it). Default: all.
    """

    __slots__ = ()
    _plain_name = "dict"

    def __init__(self, store: KeyStore, length: int | None = None):
        super().__init__(store, length)
        if store.duplicates:
            self._materialise()

    def _make_plain(self) -> dict:
        table = {}
        for index, key in enumerate(_iter_keys(self._store, self._len)):
            table[key] = index
        return table

    # -- reading ----------------------------------------------------------------------------

    def __getitem__(self, key) -> int:
        if self._plain is not None:
            return self._plain[key]
        index = self._store.index(key)
        if 0 <= index < self._len:
            return index
        raise KeyError(key)

    def get(self, key, default=None):
        if self._plain is not None:
            return self._plain.get(key, default)
        index = self._store.index(key)
        return index if 0 <= index < self._len else default

    def values(self) -> ValuesView:
        return _KeyToIndexValues(self)

    def items(self) -> ItemsView:
        return _KeyToIndexItems(self)

    def copy(self) -> dict:
        return dict(self.items())

    # -- writing ----------------------------------------------------------------------------

    def __setitem__(self, key, value) -> None:
        if self._plain is None:
            if value == self._len and type(value) is int and self._grow(key):
                return
            index = self._store.index(key)
            if 0 <= index < self._len and index == value:
                return
        self._materialise()[key] = value

    def __delitem__(self, key) -> None:
        del self._materialise()[key]

    def clear(self) -> None:
        self._plain = {}


class IndexToKey(_StoreView, MutableSequence):
    """A ``list`` of keys by position backed by a :class:`KeyStore`.

    Parameters
    ----------
    store : KeyStore
        The keys; shared with the matching :class:`KeyToIndex`.
    length : int, optional
        How many of the store's keys this list holds. Default: all.
    """

    __slots__ = ()
    _plain_name = "list"

    def _make_plain(self) -> list:
        return self._store.keys(0, self._len)

    # -- reading ----------------------------------------------------------------------------

    def __getitem__(self, item):
        if self._plain is not None:
            return self._plain[item]
        if isinstance(item, slice):
            start, stop, step = item.indices(self._len)
            if step == 1:
                return self._store.keys(start, stop) if stop > start else []
            return [self._store.key(i) for i in range(start, stop, step)]
        index = item.__index__()
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("list index out of range")
        return self._store.key(index)

    def index(self, key, start: int = 0, stop: int | None = None) -> int:
        if self._plain is not None:
            return self._plain.index(key, start, len(self._plain) if stop is None else stop)
        position = self._store.index(key)
        lo, hi, _ = slice(start, stop).indices(self._len)
        if lo <= position < hi:
            return position
        raise ValueError(f"{key!r} is not in list")

    def count(self, key) -> int:
        if self._plain is not None:
            return self._plain.count(key)
        return int(key in self)

    def copy(self) -> list:
        return list(self)

    def __eq__(self, other) -> bool:
        if isinstance(other, (list, IndexToKey)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # mutable, like list

    def __add__(self, other) -> list:
        return list(self) + list(other)

    def __radd__(self, other) -> list:
        return list(other) + list(self)

    def __mul__(self, times: int) -> list:
        return list(self) * times

    __rmul__ = __mul__

    # -- writing ----------------------------------------------------------------------------

    def append(self, key) -> None:
        if not self._grow(key):
            self._materialise().append(key)

    def __setitem__(self, item, value) -> None:
        self._materialise()[item] = value

    def __delitem__(self, item) -> None:
        del self._materialise()[item]

    def insert(self, index: int, key) -> None:
        self._materialise().insert(index, key)

    def sort(self, *, key=None, reverse: bool = False) -> None:
        self._materialise().sort(key=key, reverse=reverse)

    def clear(self) -> None:
        self._plain = []
