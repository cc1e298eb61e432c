# cython: language_level=3
"""A vocabulary of two million words in ~66 MB instead of ~400 MB of Python objects.

:class:`KeyStore` keeps every key's UTF-8 bytes in one arena, with an offset per key and an
open-addressing hash index (load factor at most 1/2) whose 64-bit slots hold the key's hash
next to its position, so that a probe reads a key's bytes only when the hashes agree. Keys
are decoded to ``str`` only when asked for. :mod:`gensim_ftx.text.vocab` wraps a store in the ``dict``/``list``
interfaces gensim expects of ``key_to_index`` and ``index_to_key``.
"""
import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_AsUTF8AndSize, PyUnicode_DecodeUTF8
from libc.stdint cimport int8_t, int64_t, uint32_t, uint64_t


from ._subwords cimport fnv1a_hash

cnp.import_array()

cdef Py_ssize_t MAX_KEYS = 0xFFFFFFFE


cdef inline int table_bits(Py_ssize_t nkeys) noexcept nogil:
    """log2 of the smallest power of two >= 2 * nkeys (at least 2 slots): load factor <= 1/2."""
    cdef int bits = 1
    while (<Py_ssize_t>1 << bits) < 2 * nkeys:
        bits += 1
    return bits


cdef inline void regrow_slots(vector[uint64_t]& slots, int bits) noexcept nogil:
    """Resize ``slots`` to ``2**bits`` and place every entry again by its stored hash."""
    cdef vector[uint64_t] old
    cdef uint64_t mask = (<uint64_t>1 << bits) - 1, i, entry
    old.swap(slots)
    slots.assign(<size_t>1 << bits, 0)
    for entry in old:
        if entry != 0:
            i = home_slot(<uint32_t>(entry >> 32), 64 - bits)
            while slots[i] != 0:
                i = (i + 1) & mask
            slots[i] = entry


cdef inline bint valid_utf8(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """Strict UTF-8 as Python decodes it: no overlongs, surrogates or code points past U+10FFFF."""
    cdef Py_ssize_t i = 0, need, k
    cdef unsigned char c, lo, hi
    while i < n:
        c = s[i]
        if c < 0x80:
            i += 1
            continue
        lo, hi = 0x80, 0xBF
        if 0xC2 <= c <= 0xDF:
            need = 1
        elif 0xE0 <= c <= 0xEF:
            need = 2
            if c == 0xE0:
                lo = 0xA0
            elif c == 0xED:
                hi = 0x9F
        elif 0xF0 <= c <= 0xF4:
            need = 3
            if c == 0xF0:
                lo = 0x90
            elif c == 0xF4:
                hi = 0x8F
        else:
            return False
        if i + need >= n:
            return False
        if not lo <= s[i + 1] <= hi:
            return False
        for k in range(2, need + 1):
            if not 0x80 <= s[i + k] <= 0xBF:
                return False
        i += need + 1
    return True


cdef class KeyStore:
    """Keys (``str``) by position, and the position of a key, in compact form.

    Keys are appended and never removed. When a key is appended twice, :meth:`index` finds
    the newer position (``dict(zip(keys, range(n)))`` semantics) and ``duplicates`` counts it.
    """

    def __cinit__(self):
        self.duplicates = 0
        self.offsets.push_back(0)
        self.resize_table(4)

    # -- C level ----------------------------------------------------------------------------

    cdef Py_ssize_t size(self) noexcept nogil:
        return self.offsets.size() - 1

    cdef KeyIndex index_view(self) noexcept nogil:
        cdef KeyIndex t
        t.slots = self.slots.data()
        t.mask = self.mask
        t.shift = self.shift
        t.arena = self.arena.data()
        t.offsets = self.offsets.data()
        return t

    cdef int64_t find(self, const unsigned char* key, Py_ssize_t n) noexcept nogil:
        """Position of ``key`` (its newest copy), or -1."""
        cdef KeyIndex t = self.index_view()
        return index_find(&t, key, n, fnv1a_hash(key, n))

    cdef int64_t find_object(self, object key) except -2:
        """Position of a ``str`` key, or -1 (also for non-``str`` keys, as a ``dict`` of ``str`` would)."""
        cdef Py_ssize_t n
        cdef const char* data
        if type(key) is not str and not isinstance(key, str):
            return -1
        try:
            data = PyUnicode_AsUTF8AndSize(key, &n)
        except UnicodeEncodeError:  # lone surrogates: never a stored key
            return -1
        return self.find(<const unsigned char*>data, n)

    cdef void resize_table(self, int bits) noexcept nogil:
        regrow_slots(self.slots, bits)
        self.mask = (<uint64_t>1 << bits) - 1
        self.shift = 64 - bits

    cdef int64_t push(self, const unsigned char* key, Py_ssize_t n) except -1 nogil:
        """Append ``key``; return its position."""
        cdef Py_ssize_t index = self.size()
        cdef uint64_t i
        cdef uint32_t h = fnv1a_hash(key, n)
        cdef KeyIndex t
        if index >= MAX_KEYS:
            with gil:
                raise OverflowError(f"a KeyStore holds at most {MAX_KEYS} keys")
        if 2 * (index + 1) > <Py_ssize_t>self.slots.size():
            self.resize_table(table_bits(index + 1))
        t = self.index_view()
        i = index_slot(&t, key, n, h)
        self.arena.insert(self.arena.end(), key, key + n)
        self.offsets.push_back(self.arena.size())
        if self.slots[i] != 0:
            self.duplicates += 1
        self.slots[i] = (<uint64_t>h << 32) | <uint64_t>(index + 1)
        return index

    cdef void reserve(self, Py_ssize_t nkeys, Py_ssize_t nbytes) noexcept nogil:
        self.arena.reserve(nbytes)
        self.offsets.reserve(nkeys + 1)
        if 2 * nkeys > <Py_ssize_t>self.slots.size():
            self.resize_table(table_bits(nkeys))

    # -- construction -------------------------------------------------------------------------

    @staticmethod
    def from_keys(keys) -> KeyStore:
        """A store of ``keys`` (an iterable of ``str``).

        Raises
        ------
        TypeError
            If a key is not a ``str``.
        UnicodeEncodeError
            If a key cannot be encoded to UTF-8 (a lone surrogate).
        """
        cdef KeyStore store = KeyStore()
        cdef Py_ssize_t n
        cdef const char* data
        try:
            store.reserve(len(keys), 0)
        except TypeError:
            pass
        for key in keys:
            if not isinstance(key, str):
                raise TypeError(f"KeyStore keys must be str, got {type(key).__name__}")
            data = PyUnicode_AsUTF8AndSize(key, &n)
            store.push(<const unsigned char*>data, n)
        return store

    @staticmethod
    def from_utf8_entries(const unsigned char[::1] blob, const int64_t[::1] starts, const int64_t[::1] ends):
        """A store of the byte strings ``blob[starts[k]:ends[k]]``, without decoding the valid ones.

        Entries that are not valid UTF-8 are stored as Python decodes them with
        ``errors='backslashreplace'`` (gensim's choice for such words).

        Returns
        -------
        (KeyStore, dict)
            The store, and ``{position: original bytes}`` of the entries that did not decode.
        """
        cdef KeyStore store = KeyStore()
        cdef Py_ssize_t count = starts.shape[0], k, n, total = 0
        cdef const unsigned char* base = &blob[0] if blob.shape[0] else <const unsigned char*>b""
        cdef bytes replaced
        if ends.shape[0] != count:
            raise ValueError("starts and ends differ in length")
        if count and (np.min(starts) < 0 or np.max(ends) > blob.shape[0] or np.any(np.subtract(ends, starts) < 0)):
            raise ValueError("entry spans run outside the blob")
        for k in range(count):
            total += ends[k] - starts[k]
        store.reserve(count, total)
        raw = {}
        for k in range(count):
            n = ends[k] - starts[k]
            if valid_utf8(base + starts[k], n):
                store.push(base + starts[k], n)
            else:
                original = bytes(blob[starts[k]:ends[k]])
                replaced = original.decode("utf-8", errors="backslashreplace").encode("utf-8")
                raw[k] = original
                store.push(<const unsigned char*>PyBytes_AS_STRING(replaced), PyBytes_GET_SIZE(replaced))
        return store, raw

    # -- Python level -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.size()

    def index(self, key) -> int:
        """Position of ``key`` (its newest copy), or -1."""
        return self.find_object(key)

    def key(self, Py_ssize_t index) -> str:
        """The key at ``index`` (negative counts from the end)."""
        cdef Py_ssize_t count = self.size()
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"key index {index} out of range for {count} keys")
        cdef int64_t begin = self.offsets[index]
        return PyUnicode_DecodeUTF8(<const char*>self.arena.data() + begin, self.offsets[index + 1] - begin, NULL)

    def keys(self, Py_ssize_t start=0, Py_ssize_t stop=-1) -> list:
        """Keys ``start..stop-1`` as a list of ``str`` (``stop=-1``: to the end)."""
        cdef Py_ssize_t count = self.size(), k
        cdef int64_t begin
        stop = count if stop < 0 or stop > count else stop
        start = min(max(start, 0), stop)
        out = [None] * (stop - start)
        for k in range(start, stop):
            begin = self.offsets[k]
            out[k - start] = PyUnicode_DecodeUTF8(<const char*>self.arena.data() + begin,
                                                  self.offsets[k + 1] - begin, NULL)
        return out

    def find_many(self, list keys, Py_ssize_t limit=-1):
        """Positions of ``keys`` as int64, -1 where absent (or at or past ``limit``)."""
        cdef Py_ssize_t count = len(keys), k
        cdef int64_t found
        if limit < 0:
            limit = self.size()
        result = np.empty(count, dtype=np.int64)
        cdef int64_t[::1] out = result
        for k in range(count):
            found = self.find_object(keys[k])
            out[k] = found if found < limit else -1
        return result

    def append(self, str key not None) -> int:
        """Append ``key``; return its position."""
        cdef Py_ssize_t n
        cdef const char* data = PyUnicode_AsUTF8AndSize(key, &n)
        return self.push(<const unsigned char*>data, n)

    def utf8(self, Py_ssize_t stop=-1):
        """``(blob, starts, ends)`` of keys ``0..stop-1``, for :meth:`SubwordHasher.csr` (copies)."""
        cdef Py_ssize_t count = self.size()
        stop = count if stop < 0 or stop > count else stop
        offsets = np.asarray(<int64_t[:count + 1]>self.offsets.data()) if count else np.zeros(1, np.int64)
        blob = np.asarray(<unsigned char[:self.arena.size()]>self.arena.data()).copy() if self.arena.size() \
            else np.zeros(0, np.uint8)
        return blob, offsets[:stop].copy(), offsets[1:stop + 1].copy()

    @property
    def nbytes(self) -> int:
        """Bytes held by the store's arrays."""
        return self.arena.capacity() + 8 * self.offsets.capacity() + 8 * self.slots.capacity()

    def __reduce__(self):
        blob, starts, ends = self.utf8()
        return _rebuild, (blob.tobytes(), ends)


def dict_positions(list keys, dict mapping):
    """Positions of ``keys`` in a ``key -> position`` dict as int64, -1 where absent."""
    cdef Py_ssize_t count = len(keys), k
    cdef PyObject* found
    result = np.empty(count, dtype=np.int64)
    cdef int64_t[::1] out = result
    for k in range(count):
        found = PyDict_GetItem(mapping, keys[k])
        out[k] = -1 if found == NULL else <object>found
    return result


def _rebuild(bytes blob, ends) -> KeyStore:
    """Unpickle a :class:`KeyStore` from its arena and key end offsets."""
    cdef KeyStore store = KeyStore()
    cdef const int64_t[::1] stops = np.ascontiguousarray(ends, dtype=np.int64)
    cdef Py_ssize_t k, count = stops.shape[0], prev = 0
    cdef const unsigned char* base = <const unsigned char*>PyBytes_AS_STRING(blob)
    store.reserve(count, len(blob))
    for k in range(count):
        if not prev <= stops[k] <= len(blob):
            raise ValueError(f"corrupt KeyStore pickle: key {k} ends at {stops[k]}")
        store.push(base + prev, stops[k] - prev)
        prev = stops[k]
    return store


# -- fastText's dictionary order ----------------------------------------------------------------
#
# fastText sorts its entries (in order of first occurrence) with std::sort by (type ascending,
# count descending). std::sort is not stable: entries of equal count come out in the order
# libstdc++'s introsort leaves them. The functions below are that algorithm, step for step
# (median-of-three pivot moved to the front, unguarded partition, heapsort below a depth of
# 2 log2 n, insertion sort of runs of 16), so that ids equal fastText's.

cdef enum:
    SORT_THRESHOLD = 16


cdef inline bint entry_before(const int8_t* types, const int64_t* counts, int64_t a, int64_t b) noexcept nogil:
    if types[a] != types[b]:
        return types[a] < types[b]
    return counts[a] > counts[b]


cdef inline void swap_at(int64_t* order, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef int64_t held = order[i]
    order[i] = order[j]
    order[j] = held


cdef void push_heap(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t hole, Py_ssize_t top,
                    int64_t value) noexcept nogil:
    cdef Py_ssize_t parent = (hole - 1) // 2
    while hole > top and entry_before(t, c, o[parent], value):
        o[hole] = o[parent]
        hole = parent
        parent = (hole - 1) // 2
    o[hole] = value


cdef void adjust_heap(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t hole, Py_ssize_t length,
                      int64_t value) noexcept nogil:
    cdef Py_ssize_t top = hole, child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if entry_before(t, c, o[child], o[child - 1]):
            child -= 1
        o[hole] = o[child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        o[hole] = o[child - 1]
        hole = child - 1
    push_heap(t, c, o, hole, top, value)


cdef void heap_sort(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t n) noexcept nogil:
    """``std::__partial_sort(first, last, last)``: make_heap, then sort_heap."""
    cdef Py_ssize_t parent, last
    cdef int64_t value
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            adjust_heap(t, c, o, parent, n, o[parent])
            if parent == 0:
                break
            parent -= 1
    last = n
    while last > 1:
        last -= 1
        value = o[last]
        o[last] = o[0]
        adjust_heap(t, c, o, 0, last, value)


cdef void median_to_first(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t result, Py_ssize_t a,
                          Py_ssize_t b, Py_ssize_t z) noexcept nogil:
    if entry_before(t, c, o[a], o[b]):
        if entry_before(t, c, o[b], o[z]):
            swap_at(o, result, b)
        elif entry_before(t, c, o[a], o[z]):
            swap_at(o, result, z)
        else:
            swap_at(o, result, a)
    elif entry_before(t, c, o[a], o[z]):
        swap_at(o, result, a)
    elif entry_before(t, c, o[b], o[z]):
        swap_at(o, result, z)
    else:
        swap_at(o, result, b)


cdef Py_ssize_t partition(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t first,
                          Py_ssize_t last) noexcept nogil:
    """``__unguarded_partition_pivot``: the pivot is moved to ``first``."""
    cdef Py_ssize_t pivot = first
    median_to_first(t, c, o, first, first + 1, first + (last - first) // 2, last - 1)
    first += 1
    while True:
        while entry_before(t, c, o[first], o[pivot]):
            first += 1
        last -= 1
        while entry_before(t, c, o[pivot], o[last]):
            last -= 1
        if not first < last:
            return first
        swap_at(o, first, last)
        first += 1


cdef void introsort_loop(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t first, Py_ssize_t last,
                         Py_ssize_t depth) noexcept nogil:
    cdef Py_ssize_t cut
    while last - first > SORT_THRESHOLD:
        if depth == 0:
            heap_sort(t, c, o + first, last - first)
            return
        depth -= 1
        cut = partition(t, c, o, first, last)
        introsort_loop(t, c, o, cut, last, depth)
        last = cut


cdef void linear_insert(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t at) noexcept nogil:
    cdef int64_t value = o[at]
    while entry_before(t, c, value, o[at - 1]):
        o[at] = o[at - 1]
        at -= 1
    o[at] = value


cdef void insertion_sort(const int8_t* t, const int64_t* c, int64_t* o, Py_ssize_t first,
                         Py_ssize_t last) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef int64_t value
    for i in range(first + 1, last):
        if entry_before(t, c, o[i], o[first]):
            value = o[i]
            for j in range(i, first, -1):
                o[j] = o[j - 1]
            o[first] = value
        else:
            linear_insert(t, c, o, i)


def fasttext_order(const int8_t[::1] types, const int64_t[::1] counts):
    """The order in which fastText's ``Dictionary::threshold`` leaves entries given in order of
    first occurrence: ``std::sort`` by type (words, then labels) and count (descending), ties as
    libstdc++'s introsort places them. Returns the permutation (int64)."""
    cdef Py_ssize_t n = types.shape[0], i, depth = 0
    if counts.shape[0] != n:
        raise ValueError(f"{n} types but {counts.shape[0]} counts")
    order = np.arange(n, dtype=np.int64)
    cdef int64_t[::1] o = order
    if n < 2:
        return order
    while (n >> (depth + 1)) > 0:
        depth += 1  # floor(log2 n), libstdc++'s __lg
    with nogil:
        introsort_loop(&types[0], &counts[0], &o[0], 0, n, 2 * depth)
        if n > SORT_THRESHOLD:
            insertion_sort(&types[0], &counts[0], &o[0], 0, SORT_THRESHOLD)
            for i in range(SORT_THRESHOLD, n):
                linear_insert(&types[0], &counts[0], &o[0], i)
        else:
            insertion_sort(&types[0], &counts[0], &o[0], 0, n)
    return order
