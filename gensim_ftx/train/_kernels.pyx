# cython: language_level=3
"""Skip-gram and CBOW training kernels for fastText models, shared by the gensim and fastText semantics.

Everything here is ``nogil`` C on raw pointers: fastText's sigmoid and log tables, the losses and
the context models (a skip-gram, CBOW or classifier line), driven by the objects of ``_engine``
(:class:`~gensim_ftx.train._engine.KernelModel`, :class:`~gensim_ftx.train._engine.Worker`).
Losses share one signature (:c:type:`LossFn`): adding a loss means writing one function and
registering it in ``LOSSES``.

Skip-gram: fastText re-averages a centre word's 1 + n subword rows and scatters the gradient to
all of them for every (centre, context) pair. Every row receives the same gradient, so the mean
moves by exactly ``dup_factor * grad`` (``dup_factor`` = sum of squared multiplicities / n, 1 when
no n-gram repeats). The kernel keeps the hidden vector current that way in O(dim) per pair and
scatters the summed gradient once per centre word: the same mathematics, far fewer memory passes.
"""
import numpy as np

from .._checks import check_offsets
from ..args import LOSS_CODES

cimport numpy as cnp
from libc.math cimport INFINITY, NAN, exp, log
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset
from libcpp.algorithm cimport sort
from libcpp.vector cimport vector

from .._vector cimport (LOG_TABLE_SIZE, SIGMOID_TABLE_SIZE, fill_log_table, fill_sigmoid_table, table_sigmoid,
                       gftx_atomic_add, gftx_atomic_load, gftx_axpy, gftx_axpy_add, gftx_dot, gftx_pair_delay,
                       gftx_pair_update, gftx_prefetch, gftx_prefetch_row, gftx_scale)
from ..text._vocab cimport KeyStore

cnp.import_array()

# fastText's tables: sigmoid on [-8, 8] in 512 steps (clamped outside), log on (0, 1].
cdef float SIGMOID_TABLE[SIGMOID_TABLE_SIZE + 1]
cdef float LOG_TABLE[LOG_TABLE_SIZE + 1]


fill_sigmoid_table(SIGMOID_TABLE)
fill_log_table(LOG_TABLE)


cdef inline float sigmoid(float x) noexcept nogil:
    return table_sigmoid(SIGMOID_TABLE, x)


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


# fastText's loss codes (a .bin file's), and gensim's hs + ns pair after them
LOSSES = {**LOSS_CODES, "hs+ns": len(LOSS_CODES) + 1}
cdef LossFn LOSS_FUNCTIONS[6]
LOSS_FUNCTIONS[0] = NULL
LOSS_FUNCTIONS[LOSSES["hs"]] = hs_loss
LOSS_FUNCTIONS[LOSSES["ns"]] = ns_loss
LOSS_FUNCTIONS[LOSSES["softmax"]] = softmax_loss
LOSS_FUNCTIONS[LOSSES["ova"]] = ova_loss
LOSS_FUNCTIONS[LOSSES["hs+ns"]] = hs_ns_loss


cdef LossFn loss_function(int code) noexcept nogil:
    """The loss registered under ``LOSSES[name] == code`` (NULL for an unknown code)."""
    if 0 < code < 6:
        return LOSS_FUNCTIONS[code]
    return NULL


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



cdef int64_t PREFETCH_AHEAD = 8


cdef inline bint context_step(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n, int32_t target,
                              float lr, bint mean_hidden, bint average_grad) noexcept nogil:
    """The step CBOW and the classifier share: the hidden vector is the sum of ``rows`` (their
    mean with ``mean_hidden``), the loss at ``target`` adds up the gradient, which (divided by
    ``n`` with ``average_grad``) then reaches every row. False when training diverged."""
    cdef int dim = m.dim
    cdef int64_t k
    cdef float loss
    memset(w.hidden, 0, dim * sizeof(float))
    for k in range(min(n, PREFETCH_AHEAD)):
        gftx_prefetch_row(input_row(m, rows[k]), dim)
    for k in range(n):
        # rows are scattered over the n-gram buckets: ask for the ones a few steps ahead
        if k + PREFETCH_AHEAD < n:
            gftx_prefetch_row(input_row(m, rows[k + PREFETCH_AHEAD]), dim)
        gftx_axpy(w.hidden, 1.0, input_row(m, rows[k]), dim)
    if mean_hidden:
        gftx_scale(w.hidden, <float>(1.0 / <double>n), dim)
    memset(w.grad, 0, dim * sizeof(float))
    loss = m.loss(m, w, target, lr)
    if w.nan_seen or loss != loss:
        w.nan_seen = True
        return False
    record(m, w, loss)
    if average_grad:
        gftx_scale(w.grad, <float>(1.0 / <double>n), dim)
    for k in range(n):
        gftx_axpy(input_row(m, rows[k]), 1.0, w.grad, dim)
    return True


cdef void cbow_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    """CBOW: each word's context is the subword rows of the words around it. fastText's mean
    mode leaves the gradient whole; gensim's sum mode (``cbow_mean=0``) divides it by the rows."""
    cdef int b
    cdef int64_t i, j, k, count, need, lo, hi
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
        for j in range(lo, hi):
            if j == i:
                continue
            for k in range(m.sub_indptr[ids[j]], m.sub_indptr[ids[j] + 1]):
                w.rows[count] = m.sub_ids[k]
                count += 1
        if not context_step(m, w, w.rows, count, ids[i], lr, m.cbow_mean, not m.cbow_mean):
            return


cdef void supervised_line(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n,
                          const int32_t* labels, int64_t nlabels, float lr) noexcept nogil:
    """fastText's ``supervised``: CBOW whose context is the whole line and whose target is one of
    its labels (drawn uniformly), or all of them for one-vs-all. The hidden vector is the mean of
    the line's input rows; the gradient is divided by their number before it reaches each row."""
    cdef int32_t target
    if n == 0 or nlabels == 0:
        return
    w.targets = labels  # one-vs-all's positives: every label of the line
    w.ntargets = nlabels
    target = labels[0] if nlabels == 1 else labels[draw_below(w, <uint64_t>nlabels)]
    context_step(m, w, rows, n, target, lr, True, True)


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
