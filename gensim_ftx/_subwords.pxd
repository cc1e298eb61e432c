# Subword (character n-gram) ids exactly as fastText and floret compute them.
from libc.stdint cimport int32_t, int64_t, uint32_t
from libcpp.vector cimport vector


cdef struct SubwordSpec:
    int minn
    int maxn
    uint32_t bucket          # hash modulus; 0 disables n-grams
    int32_t nwords           # n-gram ids are offset by the number of words
    bint floret              # MurmurHash3 n-grams, whole word hashed, no own-word row
    int hash_count           # floret: how many of the four 32-bit hashes to use
    int64_t prune_size       # -1: not pruned; 0: no n-grams at all; > 0: remap through the table
    const int32_t* prune_keys   # sorted bucket ids kept by pruning
    const int32_t* prune_vals   # their rows after pruning


cdef uint32_t fnv1a_hash(const unsigned char* s, Py_ssize_t n) noexcept nogil

cdef void murmur3_x64_128(const unsigned char* s, Py_ssize_t n, uint32_t seed, uint32_t out[4]) noexcept nogil

cdef bint is_eos(const unsigned char* word, Py_ssize_t n) noexcept nogil

cdef void word_subwords(const SubwordSpec* spec, const unsigned char* word, Py_ssize_t n,
                        int32_t word_id, vector[unsigned char]& scratch,
                        vector[int32_t]& out) noexcept nogil


cdef class SubwordHasher:
    cdef SubwordSpec spec
    cdef readonly object prune_keys
    cdef readonly object prune_vals
