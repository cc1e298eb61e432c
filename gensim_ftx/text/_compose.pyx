# cython: language_level=3
"""Composite word vectors: the mean of a word's subword rows, as fastText's getWordVector.

fastText sums the rows in subword order in float32 and multiplies by ``(float)(1.0 / n)``;
doing the same keeps our vectors equal to fastText's to the last bit in most cases.
"""
import numpy as np

from .vocab import is_utf8

cimport numpy as cnp
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.stdint cimport int32_t, int64_t, uint32_t
from libc.string cimport memset
from libcpp.vector cimport vector
from posix.mman cimport MADV_NOHUGEPAGE, madvise

from cython.operator cimport dereference as deref

from .._vector cimport SplitRows, gftx_prefetch_read_row, gftx_store_fence, gftx_store_row, split_row_or_null
from ._subwords cimport SubwordHasher, SubwordSpec, fnv1a_hash, word_subwords
from ._vocab cimport KeyIndex, KeyStore, index_find, index_prefetch

cnp.import_array()

cdef enum:
    BLOCK = 32              # words whose ids are prepared in one step
    AHEAD = 4               # rows requested ahead of the one being summed (2-6 measured best here)
    STREAM_BYTES = 8 << 20  # results at least this large bypass the cache


cdef inline void prefetch_row(const SplitRows* m, int64_t row) noexcept nogil:
    cdef const float* src = split_row_or_null(m, row)
    if src != NULL:
        gftx_prefetch_read_row(src, m.dim)


cdef SplitRows matrices(const float[:, ::1] vocab, const float[:, ::1] ngrams, Py_ssize_t dim) except *:
    """The two matrices as one :c:type:`SplitRows`, checked against the output's ``dim`` columns."""
    if vocab.shape[1] != dim or ngrams.shape[1] != dim:
        raise ValueError(f"dimension mismatch: out has {dim} columns, vocab {vocab.shape[1]}, "
                         f"ngrams {ngrams.shape[1]}")
    cdef SplitRows m
    m.head = &vocab[0, 0] if vocab.shape[0] else NULL
    m.split = vocab.shape[0]
    m.tail = &ngrams[0, 0] if ngrams.shape[0] else NULL
    m.nrows = vocab.shape[0] + ngrams.shape[0]
    m.dim = dim
    return m


# Appends the row ids of words begin..end-1 to ``ids`` and, after each word, ``len(ids)`` to ``ends``.
ctypedef void (*FillBlock)(void* source, Py_ssize_t begin, Py_ssize_t end,
                           vector[int32_t]& ids, vector[int64_t]& ends) noexcept nogil


cdef int sum_block(const SplitRows* m, const int32_t* ids, Py_ssize_t nids, const int64_t* ends, Py_ssize_t nwords,
                   const int32_t* following, Py_ssize_t nfollowing, float* out, float* acc,
                   bint stream) noexcept nogil:
    """fastText's getWordVector for each word of a block: sum in subword order, then scale by
    ``(float)(1.0 / n)``; word ``w`` goes to ``out + w * dim``.

    The row ``AHEAD`` places further on (in this block or in ``following``) is requested while
    one is summed. Returns -1 when an id is outside both matrices.
    """
    cdef Py_ssize_t w, j = 0, begin, ahead, d, dim = m.dim
    cdef const float* src
    cdef float scale
    for w in range(nwords):
        begin = j
        memset(acc, 0, dim * sizeof(float))
        while j < ends[w]:
            ahead = j + AHEAD
            if ahead < nids:
                prefetch_row(m, ids[ahead])
            elif ahead - nids < nfollowing:
                prefetch_row(m, following[ahead - nids])
            src = split_row_or_null(m, ids[j])
            if src == NULL:
                return -1
            for d in range(dim):
                acc[d] += src[d]
            j += 1
        if j > begin:
            scale = <float>(1.0 / <double>(j - begin))
            for d in range(dim):
                acc[d] *= scale
        gftx_store_row(out + w * dim, acc, dim, stream)
    return 0


cdef int mean_words(const SplitRows* m, FillBlock fill, void* source, Py_ssize_t start, Py_ssize_t stop,
                    float* out, bint stream) noexcept nogil:
    """Write the mean of the rows of words ``start..stop-1`` into rows ``start..stop-1`` of ``out``.

    The rows are scattered over gigabytes, so memory latency sets the pace: the next block's
    ids are prepared (hashing, vocabulary search) while this block's first rows arrive, and
    rows are requested a few ahead of the one being summed, across block boundaries.
    """
    cdef vector[int32_t] ids, next_ids
    cdef vector[int64_t] ends, next_ends
    cdef vector[float] acc
    cdef Py_ssize_t k = start, following, j
    cdef int status = 0
    acc.resize(m.dim + 1)
    fill(source, k, min(k + BLOCK, stop), ids, ends)
    for j in range(min(<Py_ssize_t>AHEAD, <Py_ssize_t>ids.size())):
        prefetch_row(m, ids[j])
    while k < stop:
        following = min(k + BLOCK, stop)
        next_ids.clear()
        next_ends.clear()
        fill(source, following, min(following + BLOCK, stop), next_ids, next_ends)
        status = sum_block(m, ids.data(), ids.size(), ends.data(), ends.size(),
                           next_ids.data(), next_ids.size(), out + k * m.dim, acc.data(), stream)
        if status != 0:
            break
        ids.swap(next_ids)
        ends.swap(next_ends)
        k = following
    if stream:
        gftx_store_fence()
    return status


cdef inline bint streams(Py_ssize_t rows, Py_ssize_t dim) noexcept nogil:
    return rows * dim * <Py_ssize_t>sizeof(float) >= STREAM_BYTES


cdef struct CsrWords:
    const int64_t* indptr
    const int32_t* ids
    const int64_t* select     # NULL: word k is CSR word k


cdef void fill_from_csr(void* source, Py_ssize_t begin, Py_ssize_t end,
                        vector[int32_t]& ids, vector[int64_t]& ends) noexcept nogil:
    cdef const CsrWords* s = <const CsrWords*>source
    cdef Py_ssize_t k
    cdef int64_t word
    for k in range(begin, end):
        word = s.select[k] if s.select != NULL else k
        ids.insert(ids.end(), s.ids + s.indptr[word], s.ids + s.indptr[word + 1])
        ends.push_back(ids.size())


def mean_rows(const int64_t[::1] indptr, const int32_t[::1] ids,
              const float[:, ::1] vocab, const float[:, ::1] ngrams,
              float[:, ::1] out, select=None):
    """Fill ``out[k]`` with the mean of the subword rows of word ``select[k]`` (or ``k``).

    Ids below ``len(vocab)`` index ``vocab``, the rest index ``ngrams``; words without
    rows get zeros. Releases the GIL, so callers may split ``out`` across threads.
    """
    cdef Py_ssize_t dim = out.shape[1]
    cdef Py_ssize_t count = out.shape[0]
    cdef const int64_t[::1] sel
    cdef const int64_t* sel_ptr = NULL
    cdef Py_ssize_t nwords_csr = indptr.shape[0] - 1
    cdef SplitRows m = matrices(vocab, ngrams, dim)
    if select is not None:
        sel = np.ascontiguousarray(select, dtype=np.int64)
        if sel.shape[0] != count:
            raise ValueError("select and out differ in length")
        if count and (np.min(sel) < 0 or np.max(sel) >= nwords_csr):
            raise ValueError("select refers to words outside the CSR")
        if count:
            sel_ptr = &sel[0]
    elif count > nwords_csr:
        raise ValueError("out has more rows than the CSR has words")
    if count == 0 or dim == 0:
        return out
    if indptr[nwords_csr] > ids.shape[0]:
        raise ValueError("indptr points past the end of ids")
    cdef CsrWords source
    source.indptr = &indptr[0]
    source.ids = &ids[0] if ids.shape[0] else NULL
    source.select = sel_ptr
    cdef int status
    with nogil:
        status = mean_words(&m, fill_from_csr, &source, 0, count, &out[0, 0], streams(count, dim))
    if status != 0:
        raise ValueError("a subword id is outside the vocabulary and n-gram matrices")
    return out


cdef enum:
    LOOK_UP = -2


cdef struct BatchWords:
    const unsigned char* const* data
    const Py_ssize_t* sizes
    int64_t* where            # see WordBatch.where; searches resolve LOOK_UP in place
    KeyIndex keys             # the store searched for LOOK_UP words
    int64_t limit
    const SubwordSpec* spec
    vector[unsigned char]* scratch


cdef void fill_from_batch(void* source, Py_ssize_t begin, Py_ssize_t end,
                          vector[int32_t]& ids, vector[int64_t]& ends) noexcept nogil:
    cdef BatchWords* s = <BatchWords*>source
    cdef uint32_t hashes[BLOCK]
    cdef Py_ssize_t k
    cdef int64_t found
    for k in range(begin, end):  # start every search of the block before waiting on the first
        if s.where[k] == LOOK_UP:
            hashes[k - begin] = fnv1a_hash(s.data[k], s.sizes[k])
            index_prefetch(&s.keys, hashes[k - begin])
    for k in range(begin, end):
        if s.where[k] == LOOK_UP:
            found = index_find(&s.keys, s.data[k], s.sizes[k], hashes[k - begin])
            s.where[k] = found if found < s.limit else -1
        word_subwords(s.spec, s.data[k], s.sizes[k], <int32_t>s.where[k], deref(s.scratch), ids)
        ends.push_back(ids.size())


cdef class WordBatch:
    """Words to turn into vectors, held as raw bytes so that threads can hash them without the GIL.

    Parameters
    ----------
    words : list
        ``str`` (hashed as ``encoding``) or ``bytes``.
    positions : int64 array or None
        Each word's vocabulary position, or -1. None: look the words up in ``store``.
    encoding : str
        Encoding of ``str`` words.
    raw_keys : dict, optional
        Original bytes of vocabulary words that did not decode.
    store : KeyStore, optional
        With ``positions=None``: the vocabulary, searched by the threads that compose the
        vectors (its keys are the UTF-8 bytes hashed, so ``encoding`` must be UTF-8).
    limit : int
        Positions of ``store`` at or past ``limit`` count as out of vocabulary.
    """
    cdef vector[const unsigned char*] data
    cdef vector[Py_ssize_t] sizes
    cdef vector[int64_t] where       # vocabulary position, -1 when unknown, LOOK_UP to search ``store``
    cdef KeyStore store
    cdef int64_t limit
    cdef list keep  # owners of the bytes behind ``data``

    def __cinit__(self, list words, positions, str encoding="utf-8", dict raw_keys=None,
                  KeyStore store=None, int64_t limit=-1):
        cdef Py_ssize_t count = len(words), k, n
        cdef const char* ptr
        cdef bint utf8 = is_utf8(encoding)
        cdef const int64_t[::1] given
        if positions is None:
            if store is None or not utf8:
                raise ValueError("without positions, a KeyStore and UTF-8 text are needed")
            self.store = store
            self.limit = len(store) if limit < 0 else limit
        else:
            given = positions
            if given.shape[0] != count:
                raise ValueError(f"{count} words but {given.shape[0]} positions")
        self.keep = [words]
        self.data.resize(count)
        self.sizes.resize(count)
        self.where.resize(count)
        for k in range(count):
            word = words[k]
            # (no conditional expressions here: Cython types them as references into the vector)
            if positions is not None:
                self.where[k] = given[k]
            elif isinstance(word, str):
                self.where[k] = LOOK_UP
            else:
                self.where[k] = -1
            if raw_keys and self.where[k] >= 0 and word in raw_keys:
                word = raw_keys[word]
            elif isinstance(word, str) and utf8:
                ptr = PyUnicode_AsUTF8AndSize(word, &n)  # cached inside the str: no copy
                self.data[k] = <const unsigned char*>ptr
                self.sizes[k] = n
                continue
            elif not isinstance(word, bytes):
                word = str(word).encode(encoding, errors="replace")
            self.keep.append(word)
            self.data[k] = <const unsigned char*>(<bytes>word)
            self.sizes[k] = len(<bytes>word)

    def __len__(self):
        return self.data.size()

    def compose(self, SubwordHasher hasher not None, const float[:, ::1] vocab, const float[:, ::1] ngrams,
                float[:, ::1] out, Py_ssize_t start=0, Py_ssize_t stop=-1):
        """Write the vectors of words ``start..stop-1`` into ``out[start:stop]`` (without the GIL)."""
        cdef Py_ssize_t count = self.data.size(), dim = out.shape[1]
        cdef vector[unsigned char] scratch
        cdef BatchWords source
        cdef int status
        stop = count if stop < 0 else stop
        if not 0 <= start <= stop <= count or out.shape[0] < count:
            raise ValueError(f"cannot compose words {start}..{stop} of {count} into {out.shape[0]} rows")
        cdef SplitRows m = matrices(vocab, ngrams, dim)
        if hasher.spec.nwords != m.split:
            raise ValueError(f"the hasher numbers {hasher.spec.nwords} words, the matrix has {m.split} rows")
        if start == stop or dim == 0:
            return
        source.data = self.data.data()
        source.sizes = self.sizes.data()
        source.where = self.where.data()
        if self.store is not None:
            source.keys = self.store.index_view()
        source.limit = self.limit
        source.spec = &hasher.spec
        source.scratch = &scratch
        with nogil:
            status = mean_words(&m, fill_from_batch, &source, start, stop, &out[0, 0], streams(out.shape[0], dim))
        if status != 0:
            raise ValueError("a subword id is outside the vocabulary and n-gram matrices")


def empty_rows(Py_ssize_t count, Py_ssize_t dim):
    """``np.empty((count, dim), float32)`` backed by ordinary 4 KiB pages.

    numpy asks for transparent huge pages on large arrays; after a multi-gigabyte model load
    the kernel must compact memory to find them, which made the first page faults of a
    120 MB result cost more than composing it. Results are written once, in order, so huge
    pages buy nothing here.
    """
    out = np.empty((count, dim), dtype=np.float32)
    cdef size_t page = 4096
    cdef size_t begin, end
    if out.nbytes >= (4 << 20):
        begin = (<size_t>cnp.PyArray_DATA(out) + page - 1) & ~(page - 1)
        end = (<size_t>cnp.PyArray_DATA(out) + out.nbytes) & ~(page - 1)
        if end > begin:
            madvise(<void*>begin, end - begin, MADV_NOHUGEPAGE)  # advice only: failure is harmless
    return out
