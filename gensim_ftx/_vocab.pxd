# A compact, append-only store of vocabulary keys: UTF-8 bytes back to back plus a hash index.

cimport cython
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libcpp.vector cimport vector

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
