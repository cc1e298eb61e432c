# cython: language_level=3
"""A fastText matrix as prediction reads it: dense float32 rows (one array, or gensim's word rows
and n-gram rows as two; possibly memory-mapped) or product-quantised codes, scored from the codes
as fastText scores ``.ftz`` models; a small quantised input matrix decoded once into dense rows.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t
from libc.string cimport memset

from gensim_ftx._vector cimport KSUB, MatrixView, centroid

cnp.import_array()

DECODE_LIMIT = 1 << 24  # bytes: a quantised input matrix decoded up to this size


def _check_quantized(matrix) -> None:
    """Every code and centroid a row can reach must exist: the scorer (and the decoding) read them
    without bounds checks. A matrix read from a file has passed these already; one built in Python
    may not have."""
    pq = matrix.pq
    m, n, nsubq, dsub, lastdsub = int(matrix.m), int(matrix.n), int(pq.nsubq), int(pq.dsub), int(pq.lastdsub)
    if m < 0 or n <= 0 or nsubq <= 0 or dsub <= 0 or not 0 < lastdsub <= dsub or \
            (nsubq - 1) * dsub + lastdsub != n:
        raise ValueError(f"quantised matrix {m} x {n} does not fit its quantiser ({nsubq} x {dsub}, last {lastdsub})")
    if np.size(matrix.codes) != m * nsubq:
        raise ValueError(f"{np.size(matrix.codes)} codes for {m} rows of {nsubq} sub-vectors")
    if np.size(pq.centroids) < (nsubq - 1) * KSUB * dsub + KSUB * lastdsub:
        raise ValueError(f"{np.size(pq.centroids)} centroids for {nsubq} sub-quantisers of {KSUB}")
    if matrix.qnorm and (np.size(matrix.norm_codes) != m or np.size(matrix.npq.centroids) < KSUB):
        raise ValueError(f"quantised norms need {m} codes and {KSUB} centroids")


cdef class MatrixRows:
    """A fastText matrix as the scorer reads it; keeps the arrays it points into alive.

    Build with :meth:`dense` (one array, or gensim's word rows and n-gram rows as two) or
    :meth:`quantized` (a :class:`gensim_ftx.io.quant.QuantizedMatrix`).
    """

    @staticmethod
    def dense(head, tail=None) -> MatrixRows:
        cdef MatrixRows self = MatrixRows.__new__(MatrixRows)
        cdef const float[:, ::1] a = np.ascontiguousarray(head, dtype=np.float32)
        cdef const float[:, ::1] b
        memset(&self.rows, 0, sizeof(MatrixView))
        self.rows.dim = self.rows.dense.dim = a.shape[1]
        self.rows.dense.split = self.rows.nrows = a.shape[0]
        if a.shape[0]:
            self.rows.dense.head = &a[0, 0]
        keep = [a]
        if tail is not None and len(tail):
            b = np.ascontiguousarray(tail, dtype=np.float32)
            if b.shape[1] != a.shape[1]:
                raise ValueError(f"matrix parts differ in width: {a.shape[1]} and {b.shape[1]}")
            self.rows.dense.tail = &b[0, 0]
            self.rows.nrows += b.shape[0]
            keep.append(b)
        self.rows.dense.nrows = self.rows.nrows
        self.keep = keep
        return self

    @staticmethod
    def quantized(matrix, bint decode=False) -> MatrixRows:
        """``decode``: an input matrix whose decoded rows take at most ``DECODE_LIMIT`` bytes
        (lid.176.ftz: 3.2 MB) is decoded once into dense rows, added as fastText adds its codes'
        centroids (each product rounded to float, then added: the same sums, bit for bit)."""
        _check_quantized(matrix)
        cdef MatrixRows self = MatrixRows.__new__(MatrixRows)
        cdef const uint8_t[::1] codes = np.ascontiguousarray(matrix.codes, dtype=np.uint8)
        cdef const float[::1] centroids = np.ascontiguousarray(matrix.pq.centroids, dtype=np.float32)
        cdef const uint8_t[::1] norm_codes
        cdef const float[::1] norm_centroids
        memset(&self.rows, 0, sizeof(MatrixView))
        self.rows.dim = matrix.n
        self.rows.nrows = matrix.m
        self.rows.codes = &codes[0] if codes.shape[0] else NULL
        self.rows.centroids = &centroids[0]
        self.rows.nsubq = matrix.pq.nsubq
        self.rows.dsub = matrix.pq.dsub
        self.rows.lastdsub = matrix.pq.lastdsub
        self.keep = [codes, centroids]
        if matrix.qnorm:
            norm_codes = np.ascontiguousarray(matrix.norm_codes, dtype=np.uint8)
            norm_centroids = np.ascontiguousarray(matrix.npq.centroids, dtype=np.float32)
            self.rows.norm_codes = &norm_codes[0] if norm_codes.shape[0] else NULL
            self.rows.norm_centroids = &norm_centroids[0]
            self.keep += [norm_codes, norm_centroids]
        if decode and 0 < self.rows.nrows * self.rows.dim * sizeof(float) <= DECODE_LIMIT:
            return self.decoded()
        return self

    cdef MatrixRows decoded(self):
        cdef const MatrixView* m = &self.rows
        dense = np.empty((m.nrows, m.dim), dtype=np.float32)
        cdef float* out = <float*>cnp.PyArray_DATA(dense)
        cdef int64_t i
        cdef int sub, j, width
        cdef float alpha
        cdef const float* c
        with nogil:
            for i in range(m.nrows):
                alpha = m.norm_centroids[m.norm_codes[i]] if m.norm_codes != NULL else 1.0
                for sub in range(m.nsubq):
                    c = centroid(m, sub, m.codes[i * m.nsubq + sub])
                    width = m.lastdsub if sub == m.nsubq - 1 else m.dsub
                    for j in range(width):
                        out[i * m.dim + sub * m.dsub + j] = alpha * c[j]
        return MatrixRows.dense(dense)

    @property
    def shape(self) -> tuple:
        return (self.rows.nrows, self.rows.dim)

    @property
    def quantised(self) -> bool:
        return self.rows.codes != NULL
