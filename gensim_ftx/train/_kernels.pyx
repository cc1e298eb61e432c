# cython: language_level=3
"""Skip-gram and CBOW training kernels for fastText models, shared by the gensim and fastText semantics.

Everything in the hot path is ``nogil`` C on raw pointers. A :class:`KernelModel` is a view on
the model's matrices and tables (it keeps the arrays alive); a :class:`Worker` is one thread's
scratch memory and random state. Losses share one signature (:c:type:`LossFn`): adding a loss
means writing one function and registering it in ``LOSSES``.

Skip-gram: fastText re-averages a centre word's 1 + n subword rows and scatters the gradient to
all of them for every (centre, context) pair. Every row receives the same gradient, so the mean
moves by exactly ``dup_factor * grad`` (``dup_factor`` = sum of squared multiplicities / n, 1 when
no n-gram repeats). The kernel keeps the hidden vector current that way in O(dim) per pair and
scatters the summed gradient once per centre word: the same mathematics, far fewer memory passes.
"""
import numpy as np

from .._checks import check_offsets
from ..args import MAX_NEGATIVES
from ..text.vocab import compact_store

cimport numpy as cnp
from libc.math cimport INFINITY, NAN, exp, log
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset
from libcpp.algorithm cimport sort
from libcpp.vector cimport vector

from ..text._corpus cimport ShardReader
from ..text._vocab cimport KeyStore

cnp.import_array()

cdef extern from *:
    """
    static inline float gftx_dot(const float* __restrict a, const float* __restrict b, int n) {
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    }
    static inline void gftx_axpy(float* __restrict y, float a, const float* __restrict x, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] += a * x[i];
    }
    static inline void gftx_scale(float* __restrict y, float a, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] *= a;
    }
    /* y += a * x and z += x: one pass over x */
    static inline void gftx_axpy_add(float* __restrict y, float a, float* __restrict z,
                                     const float* __restrict x, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { y[i] += a * x[i]; z[i] += x[i]; }
    }
    /* grad += alpha * out (before the update), out += alpha * hidden: one pass over out. */
    static inline void gftx_pair_update(float* __restrict grad, float* __restrict out,
                                        const float* __restrict hidden, float alpha, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { grad[i] += alpha * out[i]; out[i] += alpha * hidden[i]; }
    }
    /* grad += alpha * out, delta += alpha * hidden: the row's update held back in a private buffer */
    static inline void gftx_pair_delay(float* __restrict grad, const float* __restrict out,
                                       float* __restrict delta, const float* __restrict hidden, float alpha, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { grad[i] += alpha * out[i]; delta[i] += alpha * hidden[i]; }
    }
    static inline long long gftx_atomic_add(long long* p, long long v) {
        return __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
    }
    static inline long long gftx_atomic_load(const long long* p) {
        return __atomic_load_n(p, __ATOMIC_RELAXED);
    }
    static inline void gftx_prefetch(const void* p) { __builtin_prefetch(p, 1, 1); }
    /* every cache line of a row: rows are 400 bytes at dim 100, the hardware fetches one line */
    static inline void gftx_prefetch_row(const float* row, int n) {
        const char* p = (const char*)row;
        for (int off = 0; off < n * 4; off += 64) __builtin_prefetch(p + off, 1, 1);
    }
    """
    float gftx_dot(const float* a, const float* b, int n) noexcept nogil
    void gftx_axpy(float* y, float a, const float* x, int n) noexcept nogil
    void gftx_scale(float* y, float a, int n) noexcept nogil
    void gftx_axpy_add(float* y, float a, float* z, const float* x, int n) noexcept nogil
    void gftx_pair_update(float* grad, float* out, const float* hidden, float alpha, int n) noexcept nogil
    void gftx_pair_delay(float* grad, const float* out, float* delta, const float* hidden, float alpha,
                         int n) noexcept nogil
    long long gftx_atomic_add(long long* p, long long v) noexcept nogil
    long long gftx_atomic_load(const long long* p) noexcept nogil
    void gftx_prefetch(const void* p) noexcept nogil
    void gftx_prefetch_row(const float* row, int n) noexcept nogil

# fastText's tables: sigmoid on [-8, 8] in 512 steps (clamped outside), log on (0, 1].
DEF SIGMOID_TABLE_SIZE = 512
DEF MAX_SIGMOID = 8
DEF LOG_TABLE_SIZE = 512
cdef float SIGMOID_TABLE[SIGMOID_TABLE_SIZE + 1]
cdef float LOG_TABLE[LOG_TABLE_SIZE + 1]


cdef void _init_tables() noexcept:
    cdef int i
    cdef double x
    for i in range(SIGMOID_TABLE_SIZE + 1):
        x = (i * 2.0 * MAX_SIGMOID) / SIGMOID_TABLE_SIZE - MAX_SIGMOID
        SIGMOID_TABLE[i] = <float>(1.0 / (1.0 + exp(-x)))
    for i in range(LOG_TABLE_SIZE + 1):
        LOG_TABLE[i] = <float>log((i + 1e-5) / LOG_TABLE_SIZE)


_init_tables()


cdef inline float sigmoid(float x) noexcept nogil:
    if x < -MAX_SIGMOID:
        return 0.0
    if x > MAX_SIGMOID:
        return 1.0
    if x != x:
        return x  # NaN indexes no table: it goes back to the caller's check
    return SIGMOID_TABLE[<int>((x + MAX_SIGMOID) * (SIGMOID_TABLE_SIZE / MAX_SIGMOID / 2))]


cdef inline float table_log(float x) noexcept nogil:
    if x > 1.0:
        return 0.0
    if x >= 0.0:
        return LOG_TABLE[<int>(x * LOG_TABLE_SIZE)]
    return NAN  # a NaN (diverged) score: the line's loss check stops training


cdef inline uint64_t next_random(WorkerView* w) noexcept nogil:
    # xorshift64*: fast, per thread, good enough for sampling and windows
    w.rng ^= w.rng >> 12
    w.rng ^= w.rng << 25
    w.rng ^= w.rng >> 27
    return w.rng * <uint64_t>2685821657736338717


cdef inline uint64_t scale_below(uint64_t r, uint64_t n) noexcept nogil:
    # uniform in [0, n) from r's high 32 bits, for n < 2**32: multiply-shift, not a 64-bit division
    return ((r >> 32) * n) >> 32


cdef inline uint64_t draw_below(WorkerView* w, uint64_t n) noexcept nogil:
    return scale_below(next_random(w), n)


cdef inline float uniform01(WorkerView* w) noexcept nogil:
    return (next_random(w) >> 40) * (1.0 / 16777216.0)


cdef inline float* input_row(const ModelView* m, int32_t row) noexcept nogil:
    if row < m.nwords:
        return m.vocab + <int64_t>row * m.dim
    return m.ngrams + (<int64_t>row - m.nwords) * m.dim


# -- losses -------------------------------------------------------------------------------------

cdef inline void update_output(const ModelView* m, WorkerView* w, float* matrix, int64_t row, float alpha) noexcept nogil:
    """``grad += alpha * out[row]`` then ``out[row] += alpha * hidden`` (fastText's order); with
    held-back updates the second part goes to the thread's private ``delta`` instead."""
    cdef float* out = matrix + row * m.dim
    if w.delta != NULL and matrix == m.output:
        gftx_pair_delay(w.grad, out, w.delta + row * m.dim, w.hidden, alpha, m.dim)
    else:
        gftx_pair_update(w.grad, out, w.hidden, alpha, m.dim)


cdef void flush_output(const ModelView* m, WorkerView* w) noexcept nogil:
    """Apply the held-back output updates (one pass over the output matrix) and clear them."""
    cdef int64_t row
    if w.delta == NULL or w.pending == 0:
        return
    for row in range(m.nout):
        gftx_axpy(m.output + row * m.dim, 1.0, w.delta + row * m.dim, m.dim)
    memset(w.delta, 0, m.nout * m.dim * sizeof(float))
    w.pending = 0


cdef inline float binary_logistic(float* matrix, const ModelView* m, WorkerView* w, int64_t row, bint label,
                                  float lr) noexcept nogil:
    cdef float* out = matrix + row * m.dim
    cdef float f = gftx_dot(out, w.hidden, m.dim)
    if f != f:
        w.nan_seen = True
        return 0.0
    cdef float score = sigmoid(f)
    # Clamped scores still update (fastText); gensim skipped them in skip-gram and hs.
    update_output(m, w, matrix, row, lr * (<float>label - score))
    if label:
        return -table_log(score)
    return -table_log(1.0 - score)


cdef inline int32_t draw_negative(const ModelView* m, WorkerView* w) noexcept nogil:
    # Walker's alias method: one random number and one 8-byte read from a table of one entry per
    # word (fastText's 10M-entry table missed the cache on every draw).
    cdef uint64_t r = next_random(w)
    cdef uint64_t slot = scale_below(r, m.neg_words)  # the high bits pick the slot, the low the coin
    cdef uint64_t entry = m.neg_alias[slot]
    if <uint32_t>r < <uint32_t>(entry >> 32):
        return <int32_t>slot
    return <int32_t>(entry & 0xFFFFFFFFu)


cdef float ns_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil:
    cdef int32_t negatives[32]
    cdef int k, attempt, count, done = 0, batch
    cdef int32_t negative
    cdef bint requested  # drawn during the previous call, its row already on the way
    gftx_prefetch_row(m.neg_output + <int64_t>target * m.dim, m.dim)
    cdef float loss = binary_logistic(m.neg_output, m, w, target, True, lr)
    while done < m.neg:
        batch = min(32, m.neg - done)
        count = 0
        for k in range(batch):
            requested = done == 0 and k < w.ndrawn
            if requested:
                negative = w.drawn[k]
            else:
                negative = draw_negative(m, w)
            if negative == target:  # draws are independent of the target, so checking late is fine
                if not m.neg_redraw:
                    continue
                attempt = 0
                while negative == target and attempt < 64:  # bounded: a one-word vocabulary cannot hang
                    negative = draw_negative(m, w)
                    attempt += 1
                if negative == target:
                    continue
                requested = False
            if not requested:
                gftx_prefetch_row(m.neg_output + <int64_t>negative * m.dim, m.dim)
            negatives[count] = negative
            count += 1
        if done == 0:
            # The next call's first negatives: their rows load during this call's updates,
            # not while the next call waits for them.
            w.ndrawn = batch
            for k in range(batch):
                w.drawn[k] = draw_negative(m, w)
                gftx_prefetch_row(m.neg_output + <int64_t>w.drawn[k] * m.dim, m.dim)
        done += 32
        for k in range(count):
            loss += binary_logistic(m.neg_output, m, w, negatives[k], False, lr)
    return loss


cdef float hs_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil:
    cdef float loss = 0.0
    cdef int64_t k
    for k in range(m.path_indptr[target], m.path_indptr[target + 1]):
        loss += binary_logistic(m.output, m, w, m.path_nodes[k], m.path_codes[k] != 0, lr)
    return loss


cdef float hs_ns_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil:
    # gensim allows both at once: two output matrices, one hidden vector
    return hs_loss(m, w, target, lr) + ns_loss(m, w, target, lr)


cdef float softmax_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil:
    cdef int64_t i
    cdef float top = -INFINITY, total = 0.0, value, label
    for i in range(m.nout):
        value = gftx_dot(m.output + i * m.dim, w.hidden, m.dim)
        if value != value:
            w.nan_seen = True
            return 0.0
        w.scores[i] = value
        if value > top:
            top = value
    if not (-INFINITY < top < INFINITY):
        # an infinite score makes every probability NaN (inf - inf): fastText's next dot product
        # would meet the NaN; stop here, before the NaN reaches the matrices
        w.nan_seen = True
        return 0.0
    for i in range(m.nout):
        w.scores[i] = <float>exp(w.scores[i] - top)
        total += w.scores[i]
    for i in range(m.nout):
        w.scores[i] /= total
        label = 1.0 if i == target else 0.0
        update_output(m, w, m.output, i, lr * (label - w.scores[i]))
    return -table_log(w.scores[target])


cdef float ova_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil:
    # one-vs-all: an independent logistic loss per output row, positive for every target of the line
    cdef float loss = 0.0
    cdef int64_t i, t
    cdef bint positive
    for i in range(m.nout):
        positive = False
        for t in range(w.ntargets):
            if w.targets[t] == i:
                positive = True
                break
        loss += binary_logistic(m.output, m, w, i, positive, lr)
        if w.nan_seen:
            return 0.0
    return loss


LOSSES = {"ns": 0, "hs": 1, "softmax": 2, "hs+ns": 3, "ova": 4}
cdef LossFn LOSS_FUNCTIONS[5]
LOSS_FUNCTIONS[0] = ns_loss
LOSS_FUNCTIONS[1] = hs_loss
LOSS_FUNCTIONS[2] = softmax_loss
LOSS_FUNCTIONS[3] = hs_ns_loss
LOSS_FUNCTIONS[4] = ova_loss


# -- context models -------------------------------------------------------------------------------

cdef inline int draw_window(const ModelView* m, WorkerView* w) noexcept nogil:
    if m.shrink_windows and m.window > 1:
        return 1 + <int>draw_below(w, m.window)
    return m.window


cdef inline void record(const ModelView* m, WorkerView* w, float loss) noexcept nogil:
    if m.compute_loss:
        w.loss += loss
    w.examples += 1


cdef void sg_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    cdef int dim = m.dim, b
    cdef int64_t i, j, k, begin, end, lo, hi
    cdef float scale, factor, loss
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
        if i + 1 < n:
            # the next centre's rows load while this centre trains
            for k in range(m.sub_indptr[ids[i + 1]], m.sub_indptr[ids[i + 1] + 1]):
                gftx_prefetch_row(input_row(m, m.sub_ids[k]), dim)
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
            memset(w.grad, 0, dim * sizeof(float))
            loss = m.loss(m, w, ids[j], lr)
            if w.nan_seen or loss != loss:
                w.nan_seen = True
                return
            record(m, w, loss)
            # keep the hidden vector current in O(dim): the centre's rows move by grad each
            gftx_axpy_add(w.hidden, factor, w.acc, w.grad, dim)
        for k in range(begin, end):
            gftx_axpy(input_row(m, m.sub_ids[k]), 1.0, w.acc, dim)



cdef void cbow_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    cdef int dim = m.dim, b
    cdef int64_t i, j, k, count, need, lo, hi
    cdef float loss
    cdef int32_t* grown
    for i in range(n):
        b = draw_window(m, w)
        lo = i - b if i >= b else 0
        hi = i + b + 1 if i + b + 1 <= n else n
        need = 0
        for j in range(lo, hi):
            if j != i:
                need += m.sub_indptr[ids[j] + 1] - m.sub_indptr[ids[j]]
        if need == 0:
            continue
        if need > w.rows_cap:
            grown = <int32_t*>realloc(w.rows, need * 2 * sizeof(int32_t))
            if grown == NULL:
                w.nan_seen = True  # out of memory: stop as for a numerical failure
                return
            w.rows = grown
            w.rows_cap = need * 2
        count = 0
        memset(w.hidden, 0, dim * sizeof(float))
        for j in range(lo, hi):
            if j == i:
                continue
            for k in range(m.sub_indptr[ids[j]], m.sub_indptr[ids[j] + 1]):
                w.rows[count] = m.sub_ids[k]
                gftx_axpy(w.hidden, 1.0, input_row(m, m.sub_ids[k]), dim)
                count += 1
        if m.cbow_mean:
            gftx_scale(w.hidden, <float>(1.0 / <double>count), dim)
        memset(w.grad, 0, dim * sizeof(float))
        loss = m.loss(m, w, ids[i], lr)
        if w.nan_seen or loss != loss:
            w.nan_seen = True
            return
        record(m, w, loss)
        if not m.cbow_mean:
            # gensim's sum mode spreads the error over the summed rows; the mean mode does not
            gftx_scale(w.grad, <float>(1.0 / <double>count), dim)
        for k in range(count):
            gftx_axpy(input_row(m, w.rows[k]), 1.0, w.grad, dim)


cdef int64_t PREFETCH_AHEAD = 8


cdef void supervised_line(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n,
                          const int32_t* labels, int64_t nlabels, float lr) noexcept nogil:
    """fastText's ``supervised``: CBOW whose context is the whole line and whose target is one of
    its labels (drawn uniformly), or all of them for one-vs-all. The hidden vector is the mean of
    the line's input rows; the gradient is divided by their number before it reaches each row."""
    cdef int dim = m.dim
    cdef int64_t k
    cdef int32_t target
    cdef float loss
    if n == 0 or nlabels == 0:
        return
    memset(w.hidden, 0, dim * sizeof(float))
    for k in range(min(n, PREFETCH_AHEAD)):
        gftx_prefetch_row(input_row(m, rows[k]), dim)
    for k in range(n):
        # rows are scattered over the n-gram buckets: ask for the ones a few steps ahead
        if k + PREFETCH_AHEAD < n:
            gftx_prefetch_row(input_row(m, rows[k + PREFETCH_AHEAD]), dim)
        gftx_axpy(w.hidden, 1.0, input_row(m, rows[k]), dim)
    gftx_scale(w.hidden, <float>(1.0 / <double>n), dim)
    memset(w.grad, 0, dim * sizeof(float))
    w.targets = labels
    w.ntargets = nlabels
    target = labels[0] if nlabels == 1 else labels[draw_below(w, <uint64_t>nlabels)]
    loss = m.loss(m, w, target, lr)
    if w.nan_seen or loss != loss:
        w.nan_seen = True
        return
    record(m, w, loss)
    gftx_scale(w.grad, <float>(1.0 / <double>n), dim)
    for k in range(n):
        gftx_axpy(input_row(m, rows[k]), 1.0, w.grad, dim)


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


# -- Python-facing objects ----------------------------------------------------------------------------

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


cdef _check_flag(long long[::1] flag, str name):
    if flag.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one element")


cdef _check_counter(long long[::1] counter):
    """The threads' shared token counter: one element, not below 0 (from far below, the loop
    would take for ever to reach its budget)."""
    _check_flag(counter, "counter")
    if counter[0] < 0:
        raise ValueError(f"counter must start at 0 or above, got {counter[0]}")


cdef float* _ptr(object array, object dtype, str name, list keep) except? NULL:
    if array is None:
        return NULL
    arr = np.asarray(array)
    if arr.dtype != dtype or not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous {np.dtype(dtype).name} array")
    keep.append(arr)
    return <float*>cnp.PyArray_DATA(arr)


cdef class KernelModel:
    """Raw view of a model's matrices and training tables for the kernels.

    Parameters
    ----------
    vocab, ngrams : float32 arrays (nwords x dim, nbuckets x dim)
        Input matrices, updated in place; must be writeable.
    output : float32 array
        Output matrix: hs internal nodes, softmax words, or negative sampling's words when
        ``neg_output`` is not given.
    neg_output : float32 array, optional
        Negative sampling's output matrix when the loss is ``'hs+ns'``.
    sub_indptr, sub_ids : int64 / int32 arrays
        Subword CSR in fastText ids (see :class:`~gensim_ftx.keyedvectors.FastTextKeyedVectors`).
    loss : {'ns', 'hs', 'softmax', 'hs+ns', 'ova'}
    targets : int, optional
        Number of targets when they are not the words (a classifier's labels).
    """

    def __init__(self, vocab, ngrams, output, sub_indptr, sub_ids, *, str loss, neg_output=None, int neg=5,
                 neg_alias=None,
                 bint neg_redraw=True, path_indptr=None, path_nodes=None, path_codes=None, bint sg=True,
                 int window=5, bint shrink_windows=True, bint cbow_mean=True,
                 keep_prob=None, bint compute_loss=False, targets=None):
        keep = []
        if neg_output is None:
            neg_output = output
        for name, arr in (("vocab", vocab), ("ngrams", ngrams), ("output", output), ("neg_output", neg_output)):
            if not np.asarray(arr).flags.writeable:
                raise ValueError(f"{name} matrix is read-only (memory-mapped with mmap='r'?); "
                                 f"load with mmap=None or 'c' to train")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
        vocab = np.asarray(vocab)
        ngrams = np.asarray(ngrams)
        output = np.asarray(output)
        neg_output = np.asarray(neg_output)
        dim = vocab.shape[1]
        ntargets = vocab.shape[0] if targets is None else int(targets)  # labels, for a classifier
        if ngrams.shape[1] != dim or output.shape[1] != dim or neg_output.shape[1] != dim:
            raise ValueError("vocab, ngrams and output matrices differ in width")
        self.view.vocab = _ptr(vocab, np.float32, "vocab", keep)
        self.view.ngrams = _ptr(ngrams, np.float32, "ngrams", keep) if len(ngrams) else NULL
        self.view.nwords = vocab.shape[0]
        self.view.nngrams = ngrams.shape[0]
        self.view.dim = dim
        self.view.output = _ptr(output, np.float32, "output", keep)
        self.view.neg_output = _ptr(neg_output, np.float32, "neg_output", keep)
        self.view.nout = output.shape[0]
        indptr = np.ascontiguousarray(sub_indptr, dtype=np.int64)
        ids = np.ascontiguousarray(sub_ids, dtype=np.int32)
        if len(indptr) != vocab.shape[0] + 1:
            raise ValueError(f"subword table covers {len(indptr) - 1} words, vocab has {vocab.shape[0]}")
        check_offsets(indptr, len(ids), "sub_indptr", "sub_ids")
        if len(ids) and (ids.min() < 0 or ids.max() >= vocab.shape[0] + ngrams.shape[0]):
            raise ValueError("subword ids fall outside the input matrices")
        factors = duplicate_factors(indptr, ids)
        keep += [indptr, ids, factors]
        self.view.sub_indptr = <const int64_t*>cnp.PyArray_DATA(indptr)
        self.view.sub_ids = <const int32_t*>cnp.PyArray_DATA(ids)
        self.view.dup_factor = <const float*>cnp.PyArray_DATA(factors)
        self.view.loss = LOSS_FUNCTIONS[LOSSES[loss]]
        if not 0 <= neg <= MAX_NEGATIVES:
            raise ValueError(f"neg (negative samples a target) must be in [0, {MAX_NEGATIVES}], got {neg}")
        self.view.neg = neg
        self.view.neg_redraw = neg_redraw
        if "ns" in loss:
            table = np.ascontiguousarray(neg_alias, dtype=np.uint64)
            if neg > 0 and (len(table) != neg_output.shape[0] or len(table) >= 1 << 31
                            or np.any((table & 0xFFFFFFFF) >= len(table))):
                raise ValueError("the negative-sampling alias table does not match the output matrix")
            keep.append(table)
            self.view.neg_alias = <const uint64_t*>cnp.PyArray_DATA(table)
            self.view.neg_words = len(table)
        if "hs" in loss:
            pind = np.ascontiguousarray(path_indptr, dtype=np.int64)
            nodes = np.ascontiguousarray(path_nodes, dtype=np.int32)
            codes = np.ascontiguousarray(path_codes, dtype=np.uint8)
            if len(pind) != ntargets + 1 or len(codes) != len(nodes) or \
                    (len(nodes) and (nodes.min() < 0 or nodes.max() >= output.shape[0])):
                raise ValueError("hierarchical-softmax paths do not match the vocabulary/output matrix")
            check_offsets(pind, len(nodes), "path_indptr", "path_nodes")
            keep += [pind, nodes, codes]
            self.view.path_indptr = <const int64_t*>cnp.PyArray_DATA(pind)
            self.view.path_nodes = <const int32_t*>cnp.PyArray_DATA(nodes)
            self.view.path_codes = <const uint8_t*>cnp.PyArray_DATA(codes)
        if loss in ("softmax", "ova") and output.shape[0] < ntargets:
            raise ValueError(f"{loss} needs one output row per target")
        if "ns" in loss and neg_output.shape[0] < ntargets:
            raise ValueError("negative sampling needs one output row per target")
        self.ntargets = ntargets
        self.view.sg = sg
        self.view.window = max(window, 0)
        self.view.shrink_windows = shrink_windows
        self.view.cbow_mean = cbow_mean
        if keep_prob is not None:
            probs = np.ascontiguousarray(keep_prob, dtype=np.float32)
            if len(probs) != vocab.shape[0]:
                raise ValueError("keep_prob needs one entry per word")
            keep.append(probs)
            self.view.keep_prob = <const float*>cnp.PyArray_DATA(probs)
        else:
            self.view.keep_prob = NULL
        self.view.compute_loss = compute_loss
        self._keep = keep

    @property
    def dim(self):
        return self.view.dim

    @property
    def nout(self):
        return self.view.nout


cdef class Worker:
    """One training thread's scratch vectors, random state and loss tally."""

    def __cinit__(self, KernelModel model, uint64_t seed):
        cdef int dim = model.view.dim
        # Each vector starts on its own cache line and the block is padded by a line on each
        # side: another thread's scratch must never share a line with these (false sharing).
        cdef Py_ssize_t stride = (dim + 15) // 16 * 16
        cdef Py_ssize_t nscores = model.view.nout if model.view.loss == softmax_loss else 0
        self._keep = np.zeros(3 * stride + nscores + 3 * 16, dtype=np.float32)
        cdef size_t address = <size_t>cnp.PyArray_DATA(self._keep)
        cdef float* base = <float*>((address + 64 + 63) & ~(<size_t>63))
        self.view.hidden = base
        self.view.grad = base + stride
        self.view.acc = base + 2 * stride
        self.view.scores = base + 3 * stride
        self.view.rows_cap = 4096
        self.view.rows = <int32_t*>malloc(self.view.rows_cap * sizeof(int32_t))
        if self.view.rows == NULL:
            raise MemoryError()
        # splitmix64 of the seed so that nearby seeds give unrelated streams; never zero
        cdef uint64_t z = seed + <uint64_t>0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
        self.view.rng = (z ^ (z >> 31)) | 1
        self.view.loss = 0.0
        self.view.examples = 0
        self.view.nan_seen = False
        self.view.ndrawn = 0

    def __dealloc__(self):
        free(self.view.rows)
        free(self.view.delta)

    def hold_output_updates(self, KernelModel model, int64_t batch=16):
        """Hold this thread's output-row updates back and apply them every few examples.

        Softmax and one-vs-all update every output row for every example; threads doing so at
        once pass the whole matrix between their caches for each example, and two threads ran 3x
        slower than one. Held back for ``batch`` examples, the rows move between caches
        that much less often; a thread's own last updates are then missing from at most that
        many of its next examples (the other threads' are as late as under Hogwild anyway).
        """
        cdef size_t size = <size_t>(model.view.nout * model.view.dim)
        if self.view.delta == NULL:
            self.view.delta = <float*>calloc(size, sizeof(float))
            if self.view.delta == NULL:
                raise MemoryError()
        self.view.pending = 0
        self.view.hold = max(batch, 1)

    @property
    def nan_seen(self) -> bool:
        return self.view.nan_seen

    @property
    def nan_lr(self) -> float:
        """The learning rate of the line where training met a NaN (meaningful once ``nan_seen``)."""
        return self.view.nan_lr

    def take_loss(self):
        """Return and reset ``(loss sum, examples)`` accumulated since the last call."""
        result = (self.view.loss, self.view.examples)
        self.view.loss = 0.0
        self.view.examples = 0
        return result

    def train_batch(self, KernelModel model, const int32_t[::1] ids, const int64_t[::1] bounds,
                    double alpha, double alpha_step, double min_alpha, long long[::1] stop):
        """Train on sentences ``ids[bounds[k]:bounds[k+1]]`` (GIL released).

        The learning rate starts at ``alpha`` and falls by ``alpha_step`` per word (not below
        ``min_alpha``). Returns ``(effective_words, words)``: words kept by subsampling, words seen.
        """
        cdef Py_ssize_t nsent = bounds.shape[0] - 1, s
        cdef int64_t start, length, kept, effective = 0, seen = 0
        cdef int64_t longest = 0
        _check_flag(stop, "stop")
        check_offsets(bounds, ids.shape[0], "bounds", "ids")
        for s in range(nsent):
            longest = max(longest, bounds[s + 1] - bounds[s])
        scratch = np.empty(max(longest, 1), dtype=np.int32)
        cdef int32_t[::1] buf = scratch
        cdef double lr
        if ids.shape[0] and (np.min(ids) < 0 or np.max(ids) >= model.view.nwords):
            raise ValueError("word ids outside the vocabulary")
        with nogil:
            for s in range(nsent):
                if stop[0]:
                    break
                start = bounds[s]
                length = bounds[s + 1] - start
                if length == 0:
                    continue
                memcpy(&buf[0], &ids[start], length * sizeof(int32_t))
                kept = subsample(&model.view, &self.view, &buf[0], length)
                lr = alpha - alpha_step * seen
                if lr < min_alpha:
                    lr = min_alpha
                train_line(&model.view, &self.view, &buf[0], kept, <float>lr)
                if self.view.nan_seen:
                    self.view.nan_lr = <float>lr
                    break
                effective += kept
                seen += length
        return effective, seen

    def train_shard(self, KernelModel model, ShardReader reader, long long[::1] counter, long long budget,
                    double alpha, double min_alpha, Py_ssize_t max_line, long long[::1] stop,
                    double[::1] board=None, long long until=-1):
        """Train on every line of ``reader`` (GIL released), with a learning rate set per line
        from the shared word ``counter`` (``alpha`` at 0 to ``min_alpha`` at ``budget``).

        ``until`` >= 0 also stops the worker, before its next line, once ``counter`` has reached
        it: how fastText's threads stop on a wrapping reader. ``board``, if given, receives this
        worker's running ``(loss sum, examples)`` after each line, for progress displays.
        Returns ``(lines, effective_words, words, raw_tokens)``.
        """
        cdef double* slot = &board[0] if board is not None and board.shape[0] >= 2 else NULL
        _check_flag(stop, "stop")
        _check_counter(counter)
        if max_line < 1:
            raise ValueError(f"max_line must be >= 1, got {max_line}")
        if len(reader.table) > model.view.nwords:
            raise ValueError(f"the reader's word table has {len(reader.table)} words, the model {model.view.nwords}")
        scratch = np.empty(max_line, dtype=np.int32)
        cdef int32_t[::1] buf = scratch
        cdef Py_ssize_t n
        cdef long long raw = 0, done
        cdef int64_t kept, lines = 0, effective = 0, seen = 0
        cdef double lr, progress
        with nogil:
            while not stop[0]:
                if until >= 0 and gftx_atomic_load(&counter[0]) >= until:
                    break
                n = reader.next_line(&buf[0], max_line, &raw)
                if n < 0:
                    break
                lines += 1
                if n == 0:
                    continue
                done = gftx_atomic_add(&counter[0], n) - n
                progress = (<double>done) / budget if budget > 0 else 1.0
                lr = alpha + (min_alpha - alpha) * progress
                if lr < min_alpha:
                    lr = min_alpha
                kept = subsample(&model.view, &self.view, &buf[0], n)
                train_line(&model.view, &self.view, &buf[0], kept, <float>lr)
                if self.view.nan_seen:
                    self.view.nan_lr = <float>lr
                    break
                effective += kept
                seen += n
                if slot != NULL:
                    slot[0] = self.view.loss
                    slot[1] = <double>self.view.examples
        return lines, effective, seen, raw


    def train_lines(self, KernelModel model, const int64_t[::1] row_indptr, const int32_t[::1] rows,
                    const int64_t[::1] label_indptr, const int32_t[::1] labels, const int32_t[::1] tokens,
                    Py_ssize_t start, long long[::1] counter, long long budget, double alpha, double min_alpha,
                    long long[::1] stop, double[::1] board=None):
        """Supervised training over encoded lines (see :meth:`gensim_ftx.text._lines.LineReader.encode`),
        GIL released: from line ``start`` on, wrapping at the end, as fastText's threads stream the
        file from their offsets, until the shared token ``counter`` reaches ``budget``. The learning
        rate falls from ``alpha`` to ``min_alpha`` with the counter. Returns ``(lines, tokens)``.
        """
        cdef Py_ssize_t nlines = tokens.shape[0], line = start
        cdef double* slot = &board[0] if board is not None and board.shape[0] >= 2 else NULL
        cdef long long done, count
        cdef int64_t seen = 0, trained = 0
        cdef double lr
        _check_flag(stop, "stop")
        _check_counter(counter)
        if row_indptr.shape[0] != nlines + 1 or label_indptr.shape[0] != nlines + 1:
            raise ValueError("line tables differ in length")
        check_offsets(row_indptr, rows.shape[0], "row_indptr", "rows")
        check_offsets(label_indptr, labels.shape[0], "label_indptr", "labels")
        if rows.shape[0] and (np.min(rows) < 0 or np.max(rows) >= model.view.nwords + model.view.nngrams):
            raise ValueError("input rows outside the input matrix")
        if labels.shape[0] and (np.min(labels) < 0 or np.max(labels) >= model.ntargets):
            raise ValueError(f"labels outside the {model.ntargets} targets of the model")
        if nlines == 0:
            return 0, 0
        if not 0 <= start < nlines:
            raise ValueError(f"start must be a line in [0, {nlines}), got {start}")
        with nogil:
            while not stop[0]:
                count = tokens[line] if tokens[line] > 0 else 1  # an empty file must still end
                done = gftx_atomic_add(&counter[0], count) - count
                if done >= budget:
                    break
                lr = alpha + (min_alpha - alpha) * ((<double>done) / budget)
                supervised_line(&model.view, &self.view, &rows[row_indptr[line]],
                                row_indptr[line + 1] - row_indptr[line], &labels[label_indptr[line]],
                                label_indptr[line + 1] - label_indptr[line], <float>lr)
                if self.view.nan_seen:
                    self.view.nan_lr = <float>lr
                    break
                if self.view.delta != NULL:
                    self.view.pending += 1
                    if self.view.pending >= self.view.hold:
                        flush_output(&model.view, &self.view)
                trained += 1
                seen += count
                if slot != NULL:
                    slot[0] = self.view.loss
                    slot[1] = <double>self.view.examples
                line += 1
                if line == nlines:
                    line = 0
            flush_output(&model.view, &self.view)
        return trained, seen


def encode_sentences(list sentences, key_to_index, int eos_id=-1, Py_ssize_t max_line=10000):
    """Turn token lists into word ids for :meth:`Worker.train_batch`.

    ``key_to_index`` is a ``dict``, a compact :class:`~gensim_ftx.text.vocab.KeyToIndex` (looked up
    in C) or any mapping. Unknown tokens are dropped; ``eos_id`` >= 0 is appended to every
    sentence; sentences longer than ``max_line`` ids are split. Returns ``(ids, bounds,
    raw_words)`` where ``raw_words`` counts every token given (plus the end-of-sentence tokens).
    """
    cdef list ids = []
    cdef list bounds = [0]
    cdef Py_ssize_t raw = 0, since_bound = 0
    cdef object index
    cdef dict table = key_to_index if type(key_to_index) is dict else None
    cdef KeyStore store = None
    cdef int64_t position, limit = 0
    compact = compact_store(key_to_index)
    if compact is not None:
        store, limit = compact
    for sentence in sentences:
        for token in sentence:
            raw += 1
            if table is not None:
                index = table.get(token)
            elif store is not None:
                position = store.find_object(token)
                index = position if 0 <= position < limit else None
            else:
                index = key_to_index.get(token)
            if index is None:
                continue
            ids.append(index)
            since_bound += 1
            if since_bound == max_line:
                bounds.append(len(ids))
                since_bound = 0
        if eos_id >= 0:
            raw += 1
            ids.append(eos_id)
            since_bound += 1
        if since_bound:
            bounds.append(len(ids))
            since_bound = 0
    return np.asarray(ids, dtype=np.int32), np.asarray(bounds, dtype=np.int64), raw
