# cython: language_level=3
"""Character n-gram hashing of fastText (FNV-1a on signed bytes) and floret (MurmurHash3).

Every id produced here is a row of fastText's input matrix: ids below ``nwords`` are word
rows, ids from ``nwords`` on are n-gram buckets (after pruning, if the model was pruned).
The loader, the keyed vectors and the trainer all go through :class:`SubwordHasher`, so
there is one definition of "the subwords of a word".
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libcpp.vector cimport vector

cnp.import_array()

cdef uint32_t FNV_OFFSET = 2166136261u
cdef uint32_t FNV_PRIME = 16777619u
# floret seeds MurmurHash3 with the FNV offset basis.
cdef uint32_t MURMUR_SEED = 2166136261u
MURMURHASH_SEED = MURMUR_SEED  # floret writes it in a .floret table's header


cdef uint32_t fnv1a_hash(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    cdef uint32_t h = FNV_OFFSET
    cdef Py_ssize_t i
    for i in range(n):
        # fastText XORs the *signed* byte, so bytes >= 0x80 contribute 0xFFFFFFxx.
        h = h ^ <uint32_t><int32_t>(<signed char>s[i])
        h = h * FNV_PRIME
    return h


cdef inline uint64_t rotl64(uint64_t x, int r) noexcept nogil:
    return (x << r) | (x >> (64 - r))


cdef inline uint64_t fmix64(uint64_t k) noexcept nogil:
    k ^= k >> 33
    k *= 0xff51afd7ed558ccdULL
    k ^= k >> 33
    k *= 0xc4ceb9fe1a85ec53ULL
    k ^= k >> 33
    return k


cdef void murmur3_x64_128(const unsigned char* s, Py_ssize_t n, uint32_t seed, uint32_t out[4]) noexcept nogil:
    cdef uint64_t h1 = seed, h2 = seed
    cdef uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL
    cdef uint64_t k1, k2
    cdef Py_ssize_t nblocks = n // 16, i
    cdef int t
    for i in range(nblocks):
        memcpy(&k1, s + 16 * i, 8)
        memcpy(&k2, s + 16 * i + 8, 8)
        k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; h1 ^= k1
        h1 = rotl64(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729
        k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; h2 ^= k2
        h2 = rotl64(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5
    cdef const unsigned char* tail = s + nblocks * 16
    cdef int rest = n & 15
    k1 = 0
    k2 = 0
    if rest > 8:
        for t in range(rest - 1, 7, -1):
            k2 ^= (<uint64_t>tail[t]) << (8 * (t - 8))
        k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; h2 ^= k2
    if rest > 0:
        for t in range(min(rest, 8) - 1, -1, -1):
            k1 ^= (<uint64_t>tail[t]) << (8 * t)
        k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; h1 ^= k1
    h1 ^= <uint64_t>n
    h2 ^= <uint64_t>n
    h1 += h2
    h2 += h1
    h1 = fmix64(h1)
    h2 = fmix64(h2)
    h1 += h2
    h2 += h1
    out[0] = <uint32_t>(h1 & 0xffffffffu)
    out[1] = <uint32_t>(h1 >> 32)
    out[2] = <uint32_t>(h2 & 0xffffffffu)
    out[3] = <uint32_t>(h2 >> 32)


cdef bint is_eos(const unsigned char* word, Py_ssize_t n) noexcept nogil:
    return n == 4 and word[0] == b'<' and word[1] == b'/' and word[2] == b's' and word[3] == b'>'


cdef inline void push_bucket(const SubwordSpec* spec, uint32_t h, vector[int32_t]& out) noexcept nogil:
    cdef int32_t row = pruned_row(spec, <int32_t>(h % spec.bucket))
    if row >= 0:
        out.push_back(spec.nwords + row)


cdef inline void push_hashed(const SubwordSpec* spec, const unsigned char* s, Py_ssize_t n,
                             vector[int32_t]& out) noexcept nogil:
    cdef uint32_t hashes[4]
    cdef int k
    if spec.floret:
        murmur3_x64_128(s, n, MURMUR_SEED, hashes)
        for k in range(spec.hash_count):
            push_bucket(spec, hashes[k], out)
    else:
        push_bucket(spec, fnv1a_hash(s, n), out)


cdef void word_subwords(const SubwordSpec* spec, const unsigned char* word, Py_ssize_t n,
                        int32_t word_id, vector[unsigned char]& scratch,
                        vector[int32_t]& out) noexcept nogil:
    """Append the subword ids of ``word`` to ``out``; ``word_id`` < 0 marks an OOV word."""
    cdef Py_ssize_t i, j, length, ngram_len
    cdef const unsigned char* w
    if word_id >= 0 and not (spec.floret and word_id > 0):
        out.push_back(word_id)
    if is_eos(word, n) or spec.bucket == 0:
        return
    length = n + 2
    if <Py_ssize_t>scratch.size() < length:
        scratch.resize(length)
    scratch[0] = b'<'
    if n:
        memcpy(&scratch[1], word, n)
    scratch[n + 1] = b'>'
    w = &scratch[0]
    if spec.floret:
        push_hashed(spec, w, length, out)
    for i in range(length):
        if (w[i] & 0xC0) == 0x80:
            continue
        j = i
        ngram_len = 1
        while j < length and ngram_len <= spec.maxn:
            j += 1
            while j < length and (w[j] & 0xC0) == 0x80:
                j += 1
            # A lone "<" or ">" is never an n-gram.
            if ngram_len >= spec.minn and not (ngram_len == 1 and (i == 0 or j == length)):
                push_hashed(spec, w + i, j - i, out)
            ngram_len += 1


def ft_hash(bytes data) -> int:
    """fastText's FNV-1a hash of ``data`` (bytes are sign-extended before the XOR)."""
    return fnv1a_hash(<const unsigned char*>data, len(data))


def murmurhash3_x64_128(bytes data, uint32_t seed=MURMUR_SEED) -> tuple:
    """MurmurHash3 x64 128 of ``data`` as four 32-bit words, in floret's order."""
    cdef uint32_t out[4]
    murmur3_x64_128(<const unsigned char*>data, len(data), seed, out)
    return (out[0], out[1], out[2], out[3])


NGRAM_BYTES_LIMIT = 2.0**32  # what ngram_strings may build: far above any real word's n-grams


def ngram_strings(bytes word, int minn, int maxn) -> list:
    """The character n-grams of ``word`` in fastText's order, as bytes (without the word itself)."""
    cdef bytes w = b"<" + word + b">"
    cdef const unsigned char* p = w
    cdef Py_ssize_t length = len(w), i, j, ngram_len
    result = []
    if is_eos(<const unsigned char*>word, len(word)):
        return result
    # every n-gram is at most min(maxn, length) characters of at most 4 bytes each, one per start:
    # refuse at once what could not fit in memory, rather than fill it first
    cdef double longest = min(<double>max(maxn, 0), <double>length)
    if <double>length * longest * min(longest, 4.0) > NGRAM_BYTES_LIMIT:
        raise ValueError(f"a word of {length - 2} bytes with n-grams up to maxn={maxn} characters would make "
                         f"up to {<double>length * longest:.3g} n-grams; lower maxn")
    for i in range(length):
        if (p[i] & 0xC0) == 0x80:
            continue
        j = i
        ngram_len = 1
        while j < length and ngram_len <= maxn:
            j += 1
            while j < length and (p[j] & 0xC0) == 0x80:
                j += 1
            if ngram_len >= minn and not (ngram_len == 1 and (i == 0 or j == length)):
                result.append(w[i:j])
            ngram_len += 1
    return result


def prune_table(const int32_t[::1] keys, const int32_t[::1] rows):
    """The open-addressing slots of a pruning table (bucket ``keys[i]`` -> ``rows[i]``), at most
    half full; a bucket listed twice keeps its first row, as fastText's ``unordered_map`` insert."""
    cdef Py_ssize_t n = keys.shape[0], k
    cdef uint64_t size = 2, i
    while size < 2 * <uint64_t>n:
        size <<= 1
    slots = np.full(size, -1, dtype=np.int64).view(np.uint64)
    cdef uint64_t[::1] s = slots
    cdef uint64_t mask = size - 1
    for k in range(n):
        i = (<uint64_t><uint32_t>keys[k] * 0x9E3779B97F4A7C15ULL) >> 32
        while True:
            i &= mask
            if s[i] == 0xFFFFFFFFFFFFFFFFULL:
                s[i] = (<uint64_t><uint32_t>keys[k] << 32) | <uint32_t>rows[k]
                break
            if <int32_t>(s[i] >> 32) == keys[k]:
                break
            i += 1
    return slots


cdef class SubwordHasher:
    """Maps words to fastText input-matrix rows for one model's n-gram settings.

    Parameters
    ----------
    minn, maxn : int
        Character n-gram lengths; ``maxn < minn`` or ``maxn == 0`` disables n-grams (floret
        still hashes the whole word).
    bucket : int
        Number of hash buckets; 0 disables n-grams.
    nwords : int
        Number of words: n-gram ids start here.
    floret : bool
        Use floret's MurmurHash3 scheme with ``hash_count`` hashes per n-gram.
    pruneidx : (k, 2) int32 array or None
        fastText's pruning table (bucket -> row); ``None`` means not pruned, an empty table
        means the model keeps no n-grams.
    """
    def __cinit__(self, int minn, int maxn, long long bucket, long long nwords, *, bint floret=False,
                  int hash_count=1, pruneidx=None):
        if bucket < 0 or bucket > 0xFFFFFFFF:
            raise ValueError(f"bucket must be in [0, 2**32), got {bucket}")
        if nwords < 0 or nwords > 0x7FFFFFFF:
            raise ValueError(f"nwords must be in [0, 2**31), got {nwords}")
        if nwords + bucket > 0x7FFFFFFF:
            # rows are int32 ids, as in fastText: a larger table would wrap to negative rows
            raise ValueError(f"nwords + bucket must be below 2**31 (input rows are int32), got {nwords} + {bucket}")
        if floret and not 1 <= hash_count <= 4:
            raise ValueError(f"floret hash_count must be 1..4, got {hash_count}")
        self.spec.minn = minn
        self.spec.maxn = maxn if maxn >= minn else 0
        self.spec.bucket = <uint32_t>bucket
        self.spec.nwords = <int32_t>nwords
        self.spec.floret = floret
        self.spec.hash_count = hash_count
        if pruneidx is None:
            self.spec.prune_size = -1
            self.prune_slots = np.full(1, -1, dtype=np.int64).view(np.uint64)
        else:
            table = np.asarray(pruneidx, dtype=np.int32).reshape(-1, 2)
            self.spec.prune_size = len(table)
            self.prune_slots = prune_table(np.ascontiguousarray(table[:, 0]), np.ascontiguousarray(table[:, 1]))
        cdef uint64_t[::1] slots = self.prune_slots
        self.spec.prune_slots = &slots[0]
        self.spec.prune_mask = slots.shape[0] - 1

    def subwords(self, bytes word, long long word_id=-1):
        """Input-matrix rows of one word, as int32; pass ``word_id`` for an in-vocabulary word."""
        cdef vector[unsigned char] scratch
        cdef vector[int32_t] out
        word_subwords(&self.spec, <const unsigned char*>word, len(word), <int32_t>word_id, scratch, out)
        result = np.empty(out.size(), dtype=np.int32)
        cdef int32_t[::1] view = result
        if out.size():
            memcpy(&view[0], out.data(), out.size() * sizeof(int32_t))
        return result

    def csr(self, const unsigned char[::1] blob, const int64_t[::1] starts, const int64_t[::1] ends,
            bint word_ids=True):
        """Subword rows of many words held in ``blob`` (word k is ``blob[starts[k]:ends[k]]``).

        Returns ``(indptr, ids)``: word k's rows are ``ids[indptr[k]:indptr[k+1]]``. With
        ``word_ids`` the k-th word is in-vocabulary word k, so its own row is included.
        Runs without the GIL.
        """
        cdef Py_ssize_t count = starts.shape[0], k
        if ends.shape[0] != count:
            raise ValueError("starts and ends differ in length")
        if count and (np.min(starts) < 0 or np.max(ends) > blob.shape[0]
                      or np.any(np.subtract(ends, starts) < 0)):
            raise ValueError("word spans run outside the blob")
        indptr = np.empty(count + 1, dtype=np.int64)
        cdef int64_t[::1] ind = indptr
        cdef vector[unsigned char] scratch
        cdef vector[int32_t] out
        cdef const unsigned char* base = &blob[0] if blob.shape[0] else <const unsigned char*>b""
        with nogil:
            ind[0] = 0
            for k in range(count):
                word_subwords(&self.spec, base + starts[k], ends[k] - starts[k],
                              <int32_t>k if word_ids else -1, scratch, out)
                ind[k + 1] = out.size()
        ids = np.empty(out.size(), dtype=np.int32)
        cdef int32_t[::1] idv = ids
        if out.size():
            memcpy(&idv[0], out.data(), out.size() * sizeof(int32_t))
        return indptr, ids

    @property
    def nwords(self):
        return self.spec.nwords

    def ngram_rows(self, long long bucket=-1) -> int:
        """How many n-gram rows (counted after the words) ids hashed into ``bucket`` buckets can
        reach (default: this hasher's own): ``bucket`` unpruned, one past the largest row of the
        pruning table when pruned (0 when it keeps none). The input matrix needs at least that many
        rows after its words."""
        if bucket < 0:
            bucket = self.spec.bucket
        if self.spec.prune_size < 0:
            return int(bucket)
        slots = np.asarray(self.prune_slots)
        used = slots[slots != np.uint64(0xFFFFFFFFFFFFFFFF)]
        return int((used & np.uint64(0xFFFFFFFF)).astype(np.int64).max()) + 1 if len(used) else 0


def pack_words(words, str encoding="utf-8", str errors="strict"):
    """Encode words into one blob; returns ``(blob, starts, ends)`` for :meth:`SubwordHasher.csr`."""
    encoded = [w.encode(encoding, errors) if isinstance(w, str) else bytes(w) for w in words]
    ends = np.zeros(len(encoded), dtype=np.int64)
    if encoded:
        np.cumsum(np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded)), out=ends)
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1]
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, ends
