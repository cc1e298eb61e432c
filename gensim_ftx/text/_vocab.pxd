# A compact, append-only store of vocabulary keys: UTF-8 bytes back to back plus a hash index.

cimport cython
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.string cimport memcmp
from libcpp.vector cimport vector

# KeyStore's open addressing (the corpus counter and WordTable are built on KeyStore too).
# A slot holds (hash << 32) | (id + 1), 0 when empty: most mismatches are rejected
# without touching the keys, and a table grows without rehashing any bytes.

cdef inline uint64_t home_slot(uint32_t h, int shift) noexcept nogil:
    """Fibonacci hashing: spreads FNV-1a, whose low bits depend only on the low bits of each byte."""
    return (<uint64_t>h * 0x9E3779B97F4A7C15ULL) >> shift


cdef inline bint same_bytes(const unsigned char* a, const unsigned char* b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if n > 16:
        return memcmp(a, b, n) == 0
    # Most words are short: a plain loop beats the call to memcmp.
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True


cdef extern from *:
    void __builtin_prefetch(const void* addr, int rw, int locality) noexcept nogil


cdef struct KeyIndex:
    # A KeyStore's search structures as raw pointers, for loops that run without the GIL.
    # Valid until the store next grows.
    const uint64_t* slots    # open addressing: hash << 32 | id + 1 of the newest key, 0 when empty
    uint64_t mask            # number of slots - 1
    int shift                # 64 - log2(number of slots), for Fibonacci hashing
    const unsigned char* arena
    const int64_t* offsets   # key i is arena[offsets[i]:offsets[i + 1]]


cdef inline uint64_t index_slot(const KeyIndex* t, const unsigned char* key, Py_ssize_t n,
                                uint32_t h) noexcept nogil:
    """The slot holding ``key`` (FNV-1a hash ``h``), or the empty slot where it would go.

    The stored hashes spare reading the key bytes of every slot passed on the way."""
    cdef uint64_t i = home_slot(h, t.shift), entry
    cdef int64_t begin, index
    while True:
        entry = t.slots[i]
        if entry == 0:
            return i
        if <uint32_t>(entry >> 32) == h:
            index = <int64_t>(entry & 0xFFFFFFFFu) - 1
            begin = t.offsets[index]
            if t.offsets[index + 1] - begin == n and same_bytes(t.arena + begin, key, n):
                return i
        i = (i + 1) & t.mask


cdef inline int64_t index_find(const KeyIndex* t, const unsigned char* key, Py_ssize_t n,
                               uint32_t h) noexcept nogil:
    """Position of ``key`` (its newest copy), or -1; ``h`` is its FNV-1a hash."""
    return <int64_t>(t.slots[index_slot(t, key, n, h)] & 0xFFFFFFFFu) - 1


cdef inline void index_prefetch(const KeyIndex* t, uint32_t h) noexcept nogil:
    """Start loading the first slot that a search for a key hashing to ``h`` reads."""
    __builtin_prefetch(t.slots + home_slot(h, t.shift), 0, 1)


@cython.final
cdef class KeyStore:
    cdef vector[unsigned char] arena     # every key's UTF-8 bytes, back to back
    cdef vector[int64_t] offsets         # key i is arena[offsets[i]:offsets[i + 1]]
    cdef vector[uint64_t] slots          # see KeyIndex
    cdef uint64_t mask
    cdef int shift
    cdef readonly Py_ssize_t duplicates  # keys equal to an earlier key (the index finds the newest)

    cdef KeyIndex index_view(self) noexcept nogil
    cdef void resize_table(self, int bits) noexcept nogil
    cdef void reserve(self, Py_ssize_t nkeys, Py_ssize_t nbytes) noexcept nogil
    cdef int64_t find(self, const unsigned char* key, Py_ssize_t n) noexcept nogil
    cdef int64_t find_object(self, object key) except -2
    cdef int64_t push(self, const unsigned char* key, Py_ssize_t n) except -1 nogil
    cdef Py_ssize_t size(self) noexcept nogil
