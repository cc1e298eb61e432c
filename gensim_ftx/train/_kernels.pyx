# cython: language_level=3
"""The context models of fastText's training, shared by the gensim and fastText semantics.

Everything here is ``nogil`` C on raw pointers: a skip-gram, CBOW or classifier line, each
handing its hidden vector and targets to the model's loss (``_losses``), driven by the objects
of ``_engine`` (:class:`~gensim_ftx.train._engine.KernelModel`,
:class:`~gensim_ftx.train._engine.Worker`).

Skip-gram: fastText re-averages a centre word's 1 + n subword rows and scatters the gradient to
all of them for every (centre, context) pair. Every row receives the same gradient, so the mean
moves by exactly ``dup_factor * grad`` (``dup_factor`` = sum of squared multiplicities / n, 1 when
no n-gram repeats). The kernel keeps the hidden vector current that way in O(dim) per pair and
scatters the summed gradient once per centre word: the same mathematics, far fewer memory passes.

CBOW (and its position-weighted form) lives in ``_window``, the sliding window it is built on.
"""
import numpy as np

from .._checks import check_offsets

cimport numpy as cnp
from libc.math cimport INFINITY
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.string cimport memset
from libcpp.algorithm cimport sort
from libcpp.vector cimport vector

from .._vector cimport gftx_axpy, gftx_axpy_add, gftx_prefetch, gftx_prefetch_row, gftx_scale
from ._step cimport draw_window, loss_step
from ._views cimport ModelView, WorkerView, draw_below, input_row, uniform01
from ._window cimport cbow_line

cnp.import_array()

# -- context models -------------------------------------------------------------------------------

cdef void sg_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    cdef int dim = m.dim, b
    cdef int64_t i, j, k, begin, end, lo, hi, ahead, ahead_end, per
    cdef float scale, factor
    cdef int32_t word
    for i in range(n):
        b = draw_window(m, w)
        word = ids[i]
        begin = m.sub_indptr[word]
        end = m.sub_indptr[word + 1]
        if end == begin:
            continue
        lo = i - b if i >= b else 0
        hi = i + b + 1 if i + b + 1 <= n else n
        if hi - lo <= 1:
            continue
        # The next centre's rows load while this centre trains, a share before each pair: all
        # at once, the prefetches filled the core's miss buffers and stalled it.
        ahead = ahead_end = 0
        if i + 1 < n:
            ahead = m.sub_indptr[ids[i + 1]]
            ahead_end = m.sub_indptr[ids[i + 1] + 1]
        per = (ahead_end - ahead + hi - lo - 2) // (hi - lo - 1)
        if i + 2 < n:
            gftx_prefetch(m.sub_ids + m.sub_indptr[ids[i + 2]])
        memset(w.hidden, 0, dim * sizeof(float))
        for k in range(begin, end):
            gftx_axpy(w.hidden, 1.0, input_row(m, m.sub_ids[k]), dim)
        scale = <float>(1.0 / <double>(end - begin))
        gftx_scale(w.hidden, scale, dim)
        memset(w.acc, 0, dim * sizeof(float))
        factor = m.dup_factor[word]
        for j in range(lo, hi):
            if j == i:
                continue
            for k in range(per):
                if ahead < ahead_end:
                    gftx_prefetch_row(input_row(m, m.sub_ids[ahead]), dim)
                    ahead += 1
            if not loss_step(m, w, ids, n, j, lr):
                return
            # keep the hidden vector current in O(dim): the centre's rows move by grad each
            gftx_axpy_add(w.hidden, factor, w.acc, w.grad, dim)
        for k in range(begin, end):
            gftx_axpy(input_row(m, m.sub_ids[k]), 1.0, w.acc, dim)


cdef int64_t PREFETCH_AHEAD = 8


cdef void supervised_line(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n,
                          const int32_t* labels, int64_t nlabels, float lr) noexcept nogil:
    """fastText's ``supervised``: CBOW whose context is the whole line and whose target is one of
    its labels (drawn uniformly), or all of them for one-vs-all. The hidden vector is the mean of
    the line's input rows; the gradient is divided by their number before it reaches each row."""
    cdef int dim = m.dim
    cdef int64_t k, index
    if n == 0 or nlabels == 0:
        return
    index = 0 if nlabels == 1 else <int64_t>draw_below(w, <uint64_t>nlabels)
    memset(w.hidden, 0, dim * sizeof(float))
    for k in range(min(n, PREFETCH_AHEAD)):
        gftx_prefetch_row(input_row(m, rows[k]), dim)
    for k in range(n):
        # rows are scattered over the n-gram buckets: ask for the ones a few steps ahead
        if k + PREFETCH_AHEAD < n:
            gftx_prefetch_row(input_row(m, rows[k + PREFETCH_AHEAD]), dim)
        gftx_axpy(w.hidden, 1.0, input_row(m, rows[k]), dim)
        if rows[k] < w.nhot:
            gftx_axpy(w.hidden, 1.0, w.hot + <int64_t>rows[k] * dim, dim)  # the row as this thread has it
    gftx_scale(w.hidden, <float>(1.0 / <double>n), dim)
    if not loss_step(m, w, labels, nlabels, index, lr):
        return
    gftx_scale(w.grad, <float>(1.0 / <double>n), dim)
    for k in range(n):
        if rows[k] < w.nhot:
            if not w.hot_mark[rows[k]]:
                w.hot_mark[rows[k]] = 1
                w.hot_rows[w.nhot_rows] = rows[k]
                w.nhot_rows += 1
            gftx_axpy(w.hot + <int64_t>rows[k] * dim, 1.0, w.grad, dim)
        else:
            gftx_axpy(input_row(m, rows[k]), 1.0, w.grad, dim)


cdef void flush_input(const ModelView* m, WorkerView* w) noexcept nogil:
    """Apply the held-back input-row updates (see ``Worker.hold_input_updates``) and clear them."""
    cdef int64_t k
    cdef float* held
    for k in range(w.nhot_rows):
        held = w.hot + <int64_t>w.hot_rows[k] * m.dim
        gftx_axpy(input_row(m, w.hot_rows[k]), 1.0, held, m.dim)
        memset(held, 0, m.dim * sizeof(float))
        w.hot_mark[w.hot_rows[k]] = 0
    w.nhot_rows = 0
    w.hot_pending = 0


cdef void train_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    if m.sg:
        sg_line(m, w, ids, n, lr)
    else:
        cbow_line(m, w, ids, n, lr)


cdef int64_t subsample(const ModelView* m, WorkerView* w, int32_t* ids, int64_t n) noexcept nogil:
    """Drop frequent words in place; returns the number kept."""
    cdef int64_t i, kept = 0
    if m.keep_prob == NULL:
        return n
    for i in range(n):
        if m.keep_prob[ids[i]] >= 1.0 or uniform01(w) < m.keep_prob[ids[i]]:
            ids[kept] = ids[i]
            kept += 1
    return kept


# -- tables built from Python ------------------------------------------------------------------------

def alias_table(const double[::1] weights):
    """Walker's alias table for drawing ``i`` with probability ``weights[i] / sum(weights)``.

    Entry ``i`` is ``threshold << 32 | alias``: draw a uniform slot ``i`` and a uniform 32-bit
    ``u``; the draw is ``i`` when ``u < threshold``, else ``alias`` (Vose's construction).

    Raises
    ------
    ValueError
        If a weight is negative or not finite, or all are zero.
    """
    cdef Py_ssize_t n = weights.shape[0], i, s, l
    cdef double total = 0.0
    for i in range(n):
        if not (weights[i] >= 0.0 and weights[i] < INFINITY):
            raise ValueError(f"weight {i} is {weights[i]}: weights must be finite and >= 0")
        total += weights[i]
    if n and not total > 0.0:
        raise ValueError("all weights are zero")
    result = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] out = result
    cdef vector[double] scaled
    cdef vector[Py_ssize_t] small, large
    scaled.resize(n)
    for i in range(n):
        scaled[i] = weights[i] * n / total
        if scaled[i] < 1.0:
            small.push_back(i)
        else:
            large.push_back(i)
    while not small.empty() and not large.empty():
        s = small.back()
        small.pop_back()
        l = large.back()
        out[s] = (<uint64_t>min(scaled[s] * 4294967296.0, 4294967295.0) << 32) | <uint64_t>l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            large.pop_back()
            small.push_back(l)
    for i in small:  # left over only by rounding: their share is 1
        out[i] = (<uint64_t>0xFFFFFFFF << 32) | <uint64_t>i
    for i in large:
        out[i] = (<uint64_t>0xFFFFFFFF << 32) | <uint64_t>i
    return result


def duplicate_factors(const int64_t[::1] indptr, const int32_t[::1] ids):
    """Per word: sum of squared multiplicities of its subword ids divided by their number.

    A word's ids are sorted (a copy) and counted in runs: linear-logarithmic in its subwords,
    as a single 1 MB token has millions of them.
    """
    check_offsets(indptr, ids.shape[0], "indptr", "ids")
    cdef Py_ssize_t nwords = max(indptr.shape[0] - 1, 0), word, a, run
    out = np.ones(nwords, dtype=np.float32)
    cdef float[::1] view = out
    cdef int64_t total
    cdef vector[int32_t] scratch
    with nogil:
        for word in range(nwords):
            if indptr[word + 1] == indptr[word]:
                continue
            scratch.assign(&ids[0] + indptr[word], &ids[0] + indptr[word + 1])
            sort(scratch.begin(), scratch.end())
            total = 0
            run = 1
            for a in range(1, <Py_ssize_t>scratch.size() + 1):
                if a < <Py_ssize_t>scratch.size() and scratch[a] == scratch[a - 1]:
                    run += 1
                else:
                    total += run * run  # each of a run's m occurrences counts m: sum_k m_k^2
                    run = 1
            view[word] = <float>(<double>total / <double>scratch.size())
    return out
