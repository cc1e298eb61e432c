# cython: language_level=3
"""Composite word vectors: the mean of a word's subword rows, as fastText's getWordVector.

fastText sums the rows in subword order in float32 and multiplies by ``(float)(1.0 / n)``;
doing the same keeps our vectors equal to fastText's to the last bit in most cases.
"""
import numpy as np

from .vocab import is_utf8

cimport numpy as cnp
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset
from libcpp.vector cimport vector
from posix.mman cimport MADV_NOHUGEPAGE, madvise

from ._subwords cimport SubwordHasher, word_subwords
from ._vocab cimport KeyStore

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


cdef struct Rows:
    # fastText's input matrix as gensim splits it: ids below nvocab are vocab rows, the rest n-grams
    const float* vocab
    int64_t nvocab
    const float* ngrams
    int64_t nngrams
    Py_ssize_t dim


cdef inline const float* row_of(const Rows* m, int64_t row) noexcept nogil:
    if 0 <= row < m.nvocab:
        return m.vocab + row * m.dim
    if m.nvocab <= row < m.nvocab + m.nngrams:
        return m.ngrams + (row - m.nvocab) * m.dim
    return NULL


cdef inline void prefetch_rows(const Rows* m, const int32_t* ids, Py_ssize_t n) noexcept nogil:
    """Start fetching rows that will be summed soon: they are scattered over gigabytes."""
    cdef Py_ssize_t j
    cdef const float* src
    for j in range(n):
        src = row_of(m, ids[j])
        if src != NULL:
            gftx_prefetch_read_row(src, m.dim)


cdef inline bint mean_of_rows(const Rows* m, const int32_t* ids, Py_ssize_t n, float* dst) noexcept nogil:
    """fastText's getWordVector: sum in subword order, then scale by ``(float)(1.0 / n)``.

    Returns False (``dst`` partly written) when an id is outside both matrices."""
    cdef Py_ssize_t j, d, dim = m.dim
    cdef const float* src
    cdef float scale
    memset(dst, 0, dim * sizeof(float))
    for j in range(n):
        src = row_of(m, ids[j])
        if src == NULL:
            return False
        for d in range(dim):
            dst[d] += src[d]
    if n:
        scale = <float>(1.0 / <double>n)
        for d in range(dim):
            dst[d] *= scale
    return True


cdef Rows matrices(const float[:, ::1] vocab, const float[:, ::1] ngrams, Py_ssize_t dim) except *:
    """The two matrices as :c:type:`Rows`, checked against the output's ``dim`` columns."""
    if vocab.shape[1] != dim or ngrams.shape[1] != dim:
        raise ValueError(f"dimension mismatch: out has {dim} columns, vocab {vocab.shape[1]}, "
                         f"ngrams {ngrams.shape[1]}")
    cdef Rows m
    m.vocab = &vocab[0, 0] if vocab.shape[0] else NULL
    m.nvocab = vocab.shape[0]
    m.ngrams = &ngrams[0, 0] if ngrams.shape[0] else NULL
    m.nngrams = ngrams.shape[0]
    m.dim = dim
    return m


cdef int mean_rows_into(const int64_t* indptr, const int32_t* ids, const int64_t* select,
                        Py_ssize_t count, const Rows* m, float* out) noexcept nogil:
    """Write the mean of each selected word's rows into ``out``; return -1 on an id out of range."""
    cdef Py_ssize_t k
    cdef int64_t word
    for k in range(count):
        if k + 1 < count:
            word = select[k + 1] if select != NULL else k + 1
            prefetch_rows(m, ids + indptr[word], indptr[word + 1] - indptr[word])
        word = select[k] if select != NULL else k
        if not mean_of_rows(m, ids + indptr[word], indptr[word + 1] - indptr[word], out + k * m.dim):
            return -1
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
    cdef Rows m = matrices(vocab, ngrams, dim)
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
    cdef const int32_t* ids_ptr = &ids[0] if ids.shape[0] else NULL
    cdef int status
    with nogil:
        status = mean_rows_into(&indptr[0], ids_ptr, sel_ptr, count, &m, &out[0, 0])
    if status != 0:
        raise ValueError("a subword id is outside the vocabulary and n-gram matrices")
    return out


DEF LOOK_UP = -2


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
        """Write the vectors of words ``start..stop-1`` into ``out[start:stop]`` (without the GIL).

        While one word's rows are summed, the next word's are hashed and prefetched: the rows
        are scattered over gigabytes, so memory latency, not arithmetic, sets the pace.
        """
        cdef Py_ssize_t count = self.data.size(), dim = out.shape[1], k
        cdef vector[unsigned char] scratch
        cdef vector[int32_t] current, upcoming
        cdef bint bad = False
        stop = count if stop < 0 else stop
        if not 0 <= start <= stop <= count or out.shape[0] < count:
            raise ValueError(f"cannot compose words {start}..{stop} of {count} into {out.shape[0]} rows")
        cdef Rows m = matrices(vocab, ngrams, dim)
        if hasher.spec.nwords != m.nvocab:
            raise ValueError(f"the hasher numbers {hasher.spec.nwords} words, the matrix has {m.nvocab} rows")
        if start == stop or dim == 0:
            return
        with nogil:
            self.hash_word(hasher, start, scratch, upcoming)
            for k in range(start, stop):
                current.swap(upcoming)
                if k + 1 < stop:
                    self.hash_word(hasher, k + 1, scratch, upcoming)
                    prefetch_rows(&m, upcoming.data(), upcoming.size())
                if not mean_of_rows(&m, current.data(), current.size(), &out[k, 0]):
                    bad = True
                    break
        if bad:
            raise ValueError("a subword id is outside the vocabulary and n-gram matrices")

    cdef void hash_word(self, SubwordHasher hasher, Py_ssize_t k, vector[unsigned char]& scratch,
                        vector[int32_t]& ids) noexcept nogil:
        cdef int64_t found
        ids.clear()
        if self.where[k] == LOOK_UP:
            found = self.store.find(self.data[k], self.sizes[k])
            if found >= self.limit:
                found = -1
            self.where[k] = found
        word_subwords(&hasher.spec, self.data[k], self.sizes[k], <int32_t>self.where[k], scratch, ids)


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
