# Subword (character n-gram) ids exactly as fastText and floret compute them.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libcpp.vector cimport vector


cdef struct SubwordSpec:
    int minn
    int maxn
    uint32_t bucket          # hash modulus; 0 disables n-grams
    int32_t nwords           # n-gram ids are offset by the number of words
    bint floret              # MurmurHash3 n-grams, whole word hashed, no own-word row
    int hash_count           # floret: how many of the four 32-bit hashes to use
    int64_t prune_size       # -1: not pruned; 0: no n-grams at all; > 0: remap through the table
    const uint64_t* prune_slots  # open addressing: bucket << 32 | row, all ones when empty
    uint64_t prune_mask          # number of slots - 1


cdef inline int32_t pruned_row(const SubwordSpec* spec, int32_t bucket_id) noexcept nogil:
    """fastText's ``pushHash``: the n-gram row of ``bucket_id`` (before adding nwords), or -1 when
    pruning dropped it. fastText keeps its table in a hash map; so do we (a bulk load of a pruned
    model and prediction look up every n-gram here)."""
    cdef uint64_t i, entry
    if spec.prune_size < 0:
        return bucket_id
    if spec.prune_size == 0 or bucket_id < 0:
        return -1
    i = (<uint64_t><uint32_t>bucket_id * 0x9E3779B97F4A7C15ULL) >> 32
    while True:
        i &= spec.prune_mask
        entry = spec.prune_slots[i]
        if entry == 0xFFFFFFFFFFFFFFFFULL:
            return -1
        if <int32_t>(entry >> 32) == bucket_id:
            return <int32_t>(entry & 0xFFFFFFFFu)
        i += 1


cdef uint32_t fnv1a_hash(const unsigned char* s, Py_ssize_t n) noexcept nogil

cdef void murmur3_x64_128(const unsigned char* s, Py_ssize_t n, uint32_t seed, uint32_t out[4]) noexcept nogil

cdef bint is_eos(const unsigned char* word, Py_ssize_t n) noexcept nogil

cdef void word_subwords(const SubwordSpec* spec, const unsigned char* word, Py_ssize_t n,
                        int32_t word_id, vector[unsigned char]& scratch,
                        vector[int32_t]& out) noexcept nogil


cdef class SubwordHasher:
    cdef SubwordSpec spec
    cdef readonly object prune_slots
