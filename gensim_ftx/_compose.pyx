# cython: language_level=3
"""Composite word vectors: the mean of a word's subword rows, as fastText's getWordVector.

fastText sums the rows in subword order in float32 and multiplies by ``(float)(1.0 / n)``;
doing the same keeps our vectors equal to fastText's to the last bit in most cases.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset

cnp.import_array()

cdef extern from *:
    """
    /* every cache line of a row: random rows defeat the hardware prefetcher */
    static inline void gftx_prefetch_read_row(const float* row, long n) {
        const char* p = (const char*)row;
        for (long off = 0; off < n * 4; off += 64) __builtin_prefetch(p + off, 0, 0);
    }
    """
    void gftx_prefetch_read_row(const float* row, long n) noexcept nogil


cdef inline const float* row_of(int64_t row, const float* vocab, int64_t nvocab, const float* ngrams,
                                int64_t nngrams, Py_ssize_t dim) noexcept nogil:
    if 0 <= row < nvocab:
        return vocab + row * dim
    if nvocab <= row < nvocab + nngrams:
        return ngrams + (row - nvocab) * dim
    return NULL


cdef int mean_rows_into(const int64_t* indptr, const int32_t* ids, const int64_t* select,
                        Py_ssize_t count, const float* vocab, int64_t nvocab,
                        const float* ngrams, int64_t nngrams, Py_ssize_t dim,
                        float* out) noexcept nogil:
    """Write the mean of each selected word's rows into ``out``; return -1 on an id out of range."""
    cdef Py_ssize_t k, d
    cdef int64_t word, j, begin, end, row
    cdef const float* src
    cdef float* dst
    cdef float scale
    for k in range(count):
        if k + 1 < count:
            # the rows are scattered over gigabytes: fetch the next word's while summing this one's
            word = select[k + 1] if select != NULL else k + 1
            for j in range(indptr[word], indptr[word + 1]):
                src = row_of(ids[j], vocab, nvocab, ngrams, nngrams, dim)
                if src != NULL:
                    gftx_prefetch_read_row(src, dim)
        word = select[k] if select != NULL else k
        begin = indptr[word]
        end = indptr[word + 1]
        dst = out + k * dim
        memset(dst, 0, dim * sizeof(float))
        for j in range(begin, end):
            src = row_of(ids[j], vocab, nvocab, ngrams, nngrams, dim)
            if src == NULL:
                return -1
            for d in range(dim):
                dst[d] += src[d]
        if end > begin:
            scale = <float>(1.0 / <double>(end - begin))
            for d in range(dim):
                dst[d] *= scale
    return 0


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
    if vocab.shape[1] != dim or ngrams.shape[1] != dim:
        raise ValueError(f"dimension mismatch: out has {dim} columns, vocab {vocab.shape[1]}, "
                         f"ngrams {ngrams.shape[1]}")
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
    cdef const float* vocab_ptr = &vocab[0, 0] if vocab.shape[0] else NULL
    cdef const float* ngram_ptr = &ngrams[0, 0] if ngrams.shape[0] else NULL
    cdef const int32_t* ids_ptr = &ids[0] if ids.shape[0] else NULL
    cdef int status
    with nogil:
        status = mean_rows_into(&indptr[0], ids_ptr, sel_ptr, count, vocab_ptr, vocab.shape[0],
                                ngram_ptr, ngrams.shape[0], dim, &out[0, 0])
    if status != 0:
        raise ValueError("a subword id is outside the vocabulary and n-gram matrices")
    return out
