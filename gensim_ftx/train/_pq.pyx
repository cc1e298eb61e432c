# cython: language_level=3
"""k-means for product quantisation, without the GIL (see :mod:`gensim_ftx.train.pq`).

Sub-vectors are a few floats wide (``dsub``, 2 by default; autotune tries up to 16, and any width
works): for each point the squared distances to all 256 centroids are computed at once from a
transposed copy of the centroids (one SIMD pass per column), then the nearest is taken.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

cnp.import_array()

cdef enum:
    KSUB = 256


cdef void nearest(const float* x, Py_ssize_t n, int d, const float* centroids, uint8_t* codes,
                  float* transposed) noexcept nogil:
    """``transposed``: scratch of ``KSUB * d`` floats."""
    cdef float dist[KSUB]
    cdef float best, diff, v
    cdef Py_ssize_t i
    cdef int j, k, arg
    for k in range(KSUB):
        for j in range(d):
            transposed[j * KSUB + k] = centroids[k * d + j]
    for i in range(n):
        for k in range(KSUB):
            dist[k] = 0.0
        for j in range(d):
            v = x[i * d + j]
            for k in range(KSUB):
                diff = v - transposed[j * KSUB + k]
                dist[k] += diff * diff
        best = dist[0]
        arg = 0
        for k in range(1, KSUB):
            if dist[k] < best:
                best = dist[k]
                arg = k
        codes[i] = <uint8_t>arg


cdef inline uint64_t next_random(uint64_t* state) noexcept nogil:
    state[0] ^= state[0] >> 12
    state[0] ^= state[0] << 25
    state[0] ^= state[0] >> 27
    return state[0] * <uint64_t>2685821657736338717


def assign(const float[:, ::1] x, const float[:, ::1] centroids):
    """Index of the nearest of the 256 ``centroids`` for each row of ``x`` (GIL released)."""
    cdef Py_ssize_t n = x.shape[0]
    cdef int d = x.shape[1]
    if centroids.shape[0] != KSUB or centroids.shape[1] != d or d < 1:
        raise ValueError(f"need 256 centroids of the rows' width {d}, got {centroids.shape[0]} of width "
                         f"{centroids.shape[1]}")
    codes = np.empty(n, dtype=np.uint8)
    cdef uint8_t[::1] out = codes
    cdef float* scratch
    if n:
        scratch = <float*>malloc(KSUB * d * sizeof(float))
        if scratch == NULL:
            raise MemoryError()
        with nogil:
            nearest(&x[0, 0], n, d, &centroids[0, 0], &out[0], scratch)
        free(scratch)
    return codes


def kmeans(const float[:, ::1] x, const long long[::1] start, int niter, uint64_t seed, float eps=1e-7):
    """256 centroids of the rows of ``x`` after ``niter`` rounds, starting from rows ``start``.

    An empty cluster takes a copy of a cluster picked with probability growing with its size,
    both nudged apart by ``eps`` (fastText's ``MStep``). GIL released.
    """
    cdef Py_ssize_t n = x.shape[0], i
    cdef int d = x.shape[1], j, k, big, it
    cdef uint64_t state = seed | 1
    if start.shape[0] != KSUB or n < KSUB or d < 1:
        raise ValueError(f"kmeans needs {KSUB} start rows and at least {KSUB} points of width >= 1 "
                         f"(got {start.shape[0]} start rows, {n} points of width {d})")
    result = np.empty((KSUB, d), dtype=np.float32)
    cdef float[:, ::1] c = result
    codes_array = np.empty(n, dtype=np.uint8)
    cdef uint8_t[::1] codes = codes_array
    cdef double* sums = <double*>malloc(KSUB * d * sizeof(double))
    cdef float* scratch = <float*>malloc(KSUB * d * sizeof(float))
    cdef long long counts[KSUB]
    if sums == NULL or scratch == NULL:
        free(sums)
        free(scratch)
        raise MemoryError()
    cdef double r
    cdef float sign
    with nogil:
        for k in range(KSUB):
            memcpy(&c[k, 0], &x[start[k], 0], d * sizeof(float))
        for it in range(niter):
            nearest(&x[0, 0], n, d, &c[0, 0], &codes[0], scratch)
            memset(sums, 0, KSUB * d * sizeof(double))
            memset(counts, 0, sizeof(counts))
            for i in range(n):
                counts[codes[i]] += 1
                for j in range(d):
                    sums[codes[i] * d + j] += x[i, j]
            for k in range(KSUB):
                if counts[k]:
                    for j in range(d):
                        c[k, j] = <float>(sums[k * d + j] / counts[k])
            for k in range(KSUB):
                if counts[k] == 0:
                    big = 0
                    while True:  # fastText's walk: a cluster of m points is taken with odds (m - 1) / (n - 256)
                        r = (next_random(&state) >> 11) * (1.0 / 9007199254740992.0)
                        if r * (n - KSUB) < counts[big] - 1:
                            break
                        big = (big + 1) % KSUB
                    for j in range(d):
                        sign = <float>((j % 2) * 2 - 1)
                        c[k, j] = c[big, j] + sign * eps
                        c[big, j] -= sign * eps
                    counts[k] = counts[big] // 2
                    counts[big] -= counts[k]
    free(sums)
    free(scratch)
    return result
