# cython: language_level=3
"""The losses of fastText (and gensim's hs + ns pair), each one object: a :c:type:`Loss` holding
its training step (``forward``: the loss and gradient at a target, the output rows updated) and
its prediction (``rank``: the best labels for a hidden vector), as fastText's ``Loss`` classes own
``forward`` and ``predict``. Adding a loss is writing those two functions and one ``Loss`` entry.

``forward`` receives the whole target list and the index of the target to train: one-vs-all
takes every target as a positive (a classifier line's labels; the line's words in skip-gram and
CBOW, as fastText does), the others take ``targets[index]``.

This module is compiled without fused multiply-adds (setup.py): ranking sums in fastText's order
so that probabilities equal fastText's bit for bit; the training step's vector primitives may
still sum in any order.
"""
from ..args import LOSS_CODES

from libc.math cimport INFINITY, NAN, exp, expf, log
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memset
from libcpp.vector cimport vector

from .._vector cimport (LOG_TABLE_SIZE, SIGMOID_TABLE_SIZE, dot_row, exact_axpy, fill_log_table,
                        fill_sigmoid_table, gftx_axpy, gftx_dot, gftx_pair_delay, gftx_pair_update, gftx_prefetch_row,
                        table_sigmoid)
from ._views cimport (Loss, ModelView, RankView, WorkerView, keep_best, next_random, scale_below, scored)

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


cdef inline float std_log(float x) noexcept nogil:
    # prediction's log: fastText adds 1e-5 in double precision and keeps the log as float
    return <float>log(<double>x + 1e-5)


# -- the training step's shared parts -------------------------------------------------------------

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


# -- the ranking's shared parts -------------------------------------------------------------------

cdef void all_scores(const RankView* r, const float* hidden, float* scores) noexcept nogil:
    """Every label's output row times ``hidden``, each summed in fastText's order."""
    cdef int32_t i
    cdef int j
    if r.output_t == NULL:
        for i in range(r.nlabels):
            scores[i] = dot_row(&r.output, hidden, i)
        return
    # one hidden component at a time: SIMD across labels, each label's sum still in order
    for i in range(r.nlabels):
        scores[i] = 0.0
    for j in range(r.output.dim):
        exact_axpy(scores, hidden[j], r.output_t + j * r.nlabels, r.nlabels)


cdef void keep_probable(const float* probs, int32_t n, size_t k, float threshold,
                        vector[scored]* heap) noexcept nogil:
    """fastText's ``findKBest``: the ``k`` labels of highest probability at or above ``threshold``."""
    cdef int32_t i
    cdef float logp
    for i in range(n):
        if probs[i] < threshold:
            continue
        logp = std_log(probs[i])
        if heap.size() == k and logp < heap[0][0].first:
            continue
        keep_best(heap[0], logp, i, k)


# -- negative sampling ----------------------------------------------------------------------------

cdef inline int32_t draw_negative(const ModelView* m, WorkerView* w) noexcept nogil:
    # Walker's alias method: one random number and one 8-byte read from a table of one entry per
    # word (fastText's 10M-entry table missed the cache on every draw).
    cdef uint64_t r = next_random(w)
    cdef uint64_t slot = scale_below(r, m.neg_words)  # the high bits pick the slot, the low the coin
    cdef uint64_t entry = m.neg_alias[slot]
    if <uint32_t>r < <uint32_t>(entry >> 32):
        return <int32_t>slot
    return <int32_t>(entry & 0xFFFFFFFFu)


cdef float ns_forward(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets, int64_t index,
                      float lr) noexcept nogil:
    cdef int32_t negatives[32]
    cdef int k, attempt, count, done = 0, batch
    cdef int32_t negative, target = targets[index]
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


cdef void sigmoid_rank(const RankView* r, const float* hidden, size_t k, float threshold, vector[scored]* heap,
                       vector[float]* scratch) noexcept nogil:
    """Negative sampling and one-vs-all score each label by its own sigmoid."""
    cdef int32_t i
    scratch.resize(r.nlabels)
    cdef float* probs = scratch.data()
    all_scores(r, hidden, probs)
    for i in range(r.nlabels):
        probs[i] = sigmoid(probs[i])
    keep_probable(probs, r.nlabels, k, threshold, heap)


# -- hierarchical softmax -------------------------------------------------------------------------

cdef float hs_forward(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets, int64_t index,
                      float lr) noexcept nogil:
    cdef float loss = 0.0
    cdef int32_t target = targets[index]
    cdef int64_t k
    for k in range(m.path_indptr[target], m.path_indptr[target + 1]):
        loss += binary_logistic(m.output, m, w, m.path_nodes[k], m.path_codes[k] != 0, lr)
    return loss


cdef void tree_walk(const RankView* r, const float* hidden, size_t k, float threshold, int32_t node, float score,
                    vector[scored]* heap) noexcept nogil:
    cdef float f
    if score < std_log(threshold):
        return
    if heap.size() == k and score < heap[0][0].first:
        return
    if r.left[node] == -1 and r.right[node] == -1:
        keep_best(heap[0], score, node, k)
        return
    f = dot_row(&r.output, hidden, node - r.nlabels)
    f = <float>(1.0 / <float>(1 + expf(-f)))
    tree_walk(r, hidden, k, threshold, r.left[node], score + std_log(<float>(1.0 - <double>f)), heap)
    tree_walk(r, hidden, k, threshold, r.right[node], score + std_log(f), heap)


cdef void hs_rank(const RankView* r, const float* hidden, size_t k, float threshold, vector[scored]* heap,
                  vector[float]* scratch) noexcept nogil:
    """fastText's depth-first walk down the Huffman tree, cut where a branch cannot reach the best ``k``."""
    tree_walk(r, hidden, k, threshold, 2 * r.nlabels - 2, 0.0, heap)


cdef float hs_ns_forward(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets, int64_t index,
                         float lr) noexcept nogil:
    # gensim allows both at once: two output matrices, one hidden vector
    return hs_forward(m, w, targets, ntargets, index, lr) + ns_forward(m, w, targets, ntargets, index, lr)


# -- softmax --------------------------------------------------------------------------------------

cdef float softmax_forward(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets,
                           int64_t index, float lr) noexcept nogil:
    cdef int64_t i
    cdef int32_t target = targets[index]
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


cdef void softmax_rank(const RankView* r, const float* hidden, size_t k, float threshold, vector[scored]* heap,
                       vector[float]* scratch) noexcept nogil:
    cdef int32_t i
    cdef float top, z = 0.0
    scratch.resize(r.nlabels)
    cdef float* probs = scratch.data()
    all_scores(r, hidden, probs)
    top = probs[0]
    for i in range(r.nlabels):
        top = max(probs[i], top)
    for i in range(r.nlabels):
        probs[i] = <float>exp(<double>(probs[i] - top))
        z += probs[i]
    for i in range(r.nlabels):
        probs[i] /= z
    keep_probable(probs, r.nlabels, k, threshold, heap)


# -- one-vs-all -----------------------------------------------------------------------------------

cdef float ova_forward(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets, int64_t index,
                       float lr) noexcept nogil:
    # an independent logistic loss per output row, positive for every target
    cdef float loss = 0.0
    cdef int64_t i, t
    cdef bint positive
    for i in range(m.nout):
        positive = False
        for t in range(ntargets):
            if targets[t] == i:
                positive = True
                break
        loss += binary_logistic(m.output, m, w, i, positive, lr)
        if w.nan_seen:
            return 0.0
    return loss


# -- the registry ---------------------------------------------------------------------------------

# fastText's loss codes (a .bin file's), and gensim's hs + ns pair after them
LOSSES = {**LOSS_CODES, "hs+ns": len(LOSS_CODES) + 1}
cdef Loss REGISTRY[6]
memset(REGISTRY, 0, sizeof(REGISTRY))
REGISTRY[LOSSES["hs"]] = Loss(b"hs", hs_forward, hs_rank)
REGISTRY[LOSSES["ns"]] = Loss(b"ns", ns_forward, sigmoid_rank)
REGISTRY[LOSSES["softmax"]] = Loss(b"softmax", softmax_forward, softmax_rank)
REGISTRY[LOSSES["ova"]] = Loss(b"ova", ova_forward, sigmoid_rank)
REGISTRY[LOSSES["hs+ns"]] = Loss(b"hs+ns", hs_ns_forward, NULL)


cdef const Loss* loss_for(int code) noexcept nogil:
    """The loss registered under ``LOSSES[name] == code``, or NULL for an unknown code."""
    if 0 < code < 6:
        return &REGISTRY[code]
    return NULL
