# Corpus reading with fastText's tokenisation: word tables and byte-range shard readers.
from libc.stdint cimport int32_t, int64_t, uint64_t
from libcpp.vector cimport vector

from gensim_ftx.text._tokens cimport TokenStream
from gensim_ftx.text._vocab cimport KeyStore


cdef long long stream_open(TokenStream* s, object path, Py_ssize_t cap) except -1
cdef void stream_close(TokenStream* s) noexcept nogil


cdef class WordTable:
    cdef KeyStore store

    cdef int32_t lookup(self, const unsigned char* word, Py_ssize_t n) noexcept nogil


cdef class ShardReader:
    cdef TokenStream stream
    cdef vector[unsigned char] scratch   # holds a token that straddles two buffer fills
    cdef readonly WordTable table
    cdef readonly object path
    cdef readonly long long start
    cdef readonly long long end          # resolved: never -1
    cdef readonly long long size
    cdef readonly bint eos
    cdef readonly bint wrap
    cdef readonly Py_ssize_t max_line_tokens
    cdef readonly Py_ssize_t max_token_bytes
    cdef int32_t eos_id
    cdef bint exhausted
    cdef int empty_wraps                 # wraps to offset 0 since the last id was returned

    cdef bint reset(self) noexcept nogil
    cdef Py_ssize_t next_line(self, int32_t* out, Py_ssize_t cap, long long* raw_tokens) noexcept nogil
