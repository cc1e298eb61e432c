# A compact, append-only store of vocabulary keys: UTF-8 bytes back to back plus a hash index.

cimport cython
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libcpp.vector cimport vector

# Sizing and probing shared by the vocabulary's hash tables (KeyStore here, WordTable in _corpus).

cdef inline int table_bits(Py_ssize_t nkeys) noexcept nogil:
    """log2 of the smallest power of two >= 2 * nkeys (at least 2 slots): load factor <= 1/2."""
    cdef int bits = 1
    while (<Py_ssize_t>1 << bits) < 2 * nkeys:
        bits += 1
    return bits


cdef inline uint64_t home_slot(uint32_t h, int shift) noexcept nogil:
    """Fibonacci hashing: spreads FNV-1a, whose low bits depend only on the low bits of each byte."""
    return (<uint64_t>h * 0x9E3779B97F4A7C15ULL) >> shift


@cython.final
cdef class KeyStore:
    cdef vector[unsigned char] arena     # every key's UTF-8 bytes, back to back
    cdef vector[int64_t] offsets         # key i is arena[offsets[i]:offsets[i + 1]]
    cdef vector[uint32_t] slots          # open addressing: id + 1 of the newest key, 0 when empty
    cdef uint64_t mask                   # len(slots) - 1
    cdef int shift                       # 64 - log2(len(slots)), for Fibonacci hashing
    cdef readonly Py_ssize_t duplicates  # keys equal to an earlier key (the index finds the newest)

    cdef bint same(self, int64_t index, const unsigned char* key, Py_ssize_t n) noexcept nogil
    cdef uint64_t slot_of(self, const unsigned char* key, Py_ssize_t n) noexcept nogil
    cdef void resize_table(self, int bits) noexcept nogil
    cdef void reserve(self, Py_ssize_t nkeys, Py_ssize_t nbytes) noexcept nogil
    cdef int64_t find(self, const unsigned char* key, Py_ssize_t n) noexcept nogil
    cdef int64_t find_object(self, object key) except -2
    cdef int64_t push(self, const unsigned char* key, Py_ssize_t n) except -1 nogil
    cdef Py_ssize_t size(self) noexcept nogil
