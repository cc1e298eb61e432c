# cython: language_level=3
"""CBOW's sliding window: fastText's CBOW step with each word's rows read once and written once.

fastText gathers ~10 rows of each of ~6 context words for every centre word and scatters the
gradient back to all of them. Here each position of the sliding window keeps the current sum of
its rows and the gradient they have received, so a word's rows are read once when it enters the
window and written once when it leaves (see :func:`cbow_line`): the same mathematics.

Position-weighted CBOW (Mikolov et al. 2018, §2.2) weights the rows of the word at each window
offset ``p`` by a learned vector ``d_p`` (elementwise) before they are averaged; see :func:`cbow_line`.

``nogil`` C on raw pointers, called through ``_kernels.train_line``.
"""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset
from libcpp.algorithm cimport sort

from .._vector cimport gftx_axpy, gftx_mul, gftx_mul_axpy, gftx_prefetch_row, gftx_scale
from ._step cimport draw_window, loss_step
from ._views cimport SIGN_BITS_LOG2, SIGN_WORDS, ModelView, Slot, WorkerView, input_row, vector_stride


cdef inline int64_t ring_slots(const ModelView* m, int64_t n) noexcept nogil:
    # the positions within a window of a centre word, or the whole line when it is shorter
    return min(2 * <int64_t>m.window + 1, n)


cdef bint window_room(const ModelView* m, WorkerView* w, int64_t longest) noexcept nogil:
    """Room for CBOW's sliding window on lines of up to ``longest`` words (and, when positions are
    weighted, for this thread's copy of the weights); False when memory ran out."""
    cdef int64_t slots = ring_slots(m, longest)
    if m.sg:
        return True
    if slots > w.ring_cap:
        free(w.slots)
        free(w.ring)
        free(w.shared)
        free(w.pos_grad)
        w.slots = <Slot*>calloc(slots, sizeof(Slot))
        w.ring = <float*>malloc(2 * slots * vector_stride(m.dim) * sizeof(float))
        w.shared = <float*>malloc(slots * slots * sizeof(float))
        w.pos_grad = <float*>malloc(slots * vector_stride(m.dim) * sizeof(float))
        w.ring_cap = slots
        if w.slots == NULL or w.ring == NULL or w.shared == NULL or w.pos_grad == NULL:
            free(w.slots)
            free(w.ring)
            free(w.shared)
            free(w.pos_grad)
            w.slots = NULL
            w.ring = NULL
            w.shared = NULL
            w.pos_grad = NULL
            w.ring_cap = 0
            return False
    if m.positions != NULL and 2 * m.window > w.pos_rows:
        free(w.pos_local)
        free(w.pos_start)
        w.pos_local = <float*>malloc(2 * m.window * vector_stride(m.dim) * sizeof(float))
        w.pos_start = <float*>malloc(2 * m.window * vector_stride(m.dim) * sizeof(float))
        w.pos_rows = 2 * m.window
        if w.pos_local == NULL or w.pos_start == NULL:
            free(w.pos_local)
            free(w.pos_start)
            w.pos_local = NULL
            w.pos_start = NULL
            w.pos_rows = 0
            return False
    return True


cdef float count_shared(const int32_t* a, int64_t na, const int32_t* b, int64_t nb) noexcept nogil:
    """The rows two sorted id lists share, each counted as often as it occurs in both (the sum of
    the products of its multiplicities)."""
    cdef int64_t i = 0, j = 0, ra, rb
    cdef int32_t v
    cdef double total = 0.0
    while i < na and j < nb:
        if a[i] < b[j]:
            i += 1
        elif a[i] > b[j]:
            j += 1
        else:
            v = a[i]
            ra = 0
            rb = 0
            while i < na and a[i] == v:
                i += 1
                ra += 1
            while j < nb and b[j] == v:
                j += 1
                rb += 1
            total += <double>ra * <double>rb
    return <float>total


cdef inline bint signs_meet(const uint64_t* a, const uint64_t* b) noexcept nogil:
    cdef uint64_t meet = 0
    cdef int k
    for k in range(SIGN_WORDS):
        meet |= a[k] & b[k]
    return meet != 0


cdef inline float* slot_sum(WorkerView* w, int64_t slot, int64_t stride) noexcept nogil:
    return w.ring + 2 * slot * stride


cdef inline float* slot_pending(WorkerView* w, int64_t slot, int64_t stride) noexcept nogil:
    return w.ring + (2 * slot + 1) * stride


cdef bint enter_word(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t q, int64_t first,
                     int64_t ring, int64_t stride, int64_t* used) noexcept nogil:
    """Position ``q`` enters the window: its slot gets the current sum of its rows (the rows as
    stored plus the gradients other slots still hold for the rows it shares with them) and its
    shared-row counts with every slot in the window. False when memory ran out."""
    cdef int64_t sq = q % ring, sp, p, k
    cdef Slot* slot = &w.slots[sq]
    cdef Slot* other
    cdef int64_t begin = m.sub_indptr[ids[q]], count = m.sub_indptr[ids[q] + 1] - begin
    cdef int32_t* grown
    cdef int32_t* mine
    cdef float* total = slot_sum(w, sq, stride)
    cdef float shared, own
    cdef uint32_t bit
    if used[0] + count > w.rows_cap:
        grown = <int32_t*>realloc(w.rows, (used[0] + count) * 2 * sizeof(int32_t))
        if grown == NULL:
            return False
        w.rows = grown
        w.rows_cap = (used[0] + count) * 2
    slot.word = ids[q]
    slot.count = <int32_t>count
    slot.begin = used[0]
    slot.touched = False
    mine = w.rows + used[0]
    used[0] += count
    memset(total, 0, 2 * stride * sizeof(float))
    for k in range(count):
        mine[k] = m.sub_ids[begin + k]
        gftx_axpy(total, 1.0, input_row(m, mine[k]), m.dim)
    sort(mine, mine + count)
    memset(slot.sign, 0, sizeof(slot.sign))
    for k in range(count):
        bit = (<uint32_t>mine[k] * <uint32_t>2654435761u) >> (32 - SIGN_BITS_LOG2)
        slot.sign[bit >> 6] |= (<uint64_t>1) << (bit & 63)
    # a row a word holds twice counts four times against itself
    own = <float>count if m.dup_factor[slot.word] == 1.0 else count_shared(mine, count, mine, count)
    w.shared[sq * ring + sq] = own
    sp = first % ring
    for p in range(first, q):
        other = &w.slots[sp]
        if other.word == slot.word:
            shared = own
        elif signs_meet(slot.sign, other.sign):
            shared = count_shared(mine, count, w.rows + other.begin, other.count)
        else:
            shared = 0.0  # most pairs: some 5% of the words ten apart share an n-gram
        w.shared[sq * ring + sp] = shared
        w.shared[sp * ring + sq] = shared
        if shared != 0.0 and other.touched:
            gftx_axpy(total, shared, slot_pending(w, sp, stride), m.dim)
        sp += 1
        if sp == ring:
            sp = 0
    return True


cdef void leave_word(const ModelView* m, WorkerView* w, int64_t p, int64_t ring, int64_t stride) noexcept nogil:
    """Position ``p`` leaves the window: its rows receive the gradients it gathered."""
    cdef Slot* slot = &w.slots[p % ring]
    cdef const float* pending = slot_pending(w, p % ring, stride)
    cdef int64_t k
    if not slot.touched:
        return
    for k in range(m.sub_indptr[slot.word], m.sub_indptr[slot.word + 1]):
        gftx_axpy(input_row(m, m.sub_ids[k]), 1.0, pending, m.dim)


cdef inline float* position_row(const ModelView* m, WorkerView* w, int64_t offset, int64_t stride) noexcept nogil:
    """This thread's weight vector of window offset ``offset`` (-window..-1, 1..window)."""
    return w.pos_local + (offset + m.window - (1 if offset > 0 else 0)) * stride


cdef void take_positions(const ModelView* m, WorkerView* w, int64_t stride) noexcept nogil:
    """A line starts: this thread trains its own copy of the shared weights."""
    cdef int64_t r
    for r in range(2 * m.window):
        memcpy(w.pos_local + r * stride, m.positions + r * m.dim, m.dim * sizeof(float))
        memcpy(w.pos_start + r * stride, m.positions + r * m.dim, m.dim * sizeof(float))


cdef void give_positions(const ModelView* m, WorkerView* w, int64_t stride) noexcept nogil:
    """A line ends: its change to the weights joins the shared ones (other threads' changes kept)."""
    cdef int64_t r
    cdef int k
    cdef float* shared
    for r in range(2 * m.window):
        shared = m.positions + r * m.dim
        for k in range(m.position_dims):
            shared[k] += w.pos_local[r * stride + k] - w.pos_start[r * stride + k]


cdef void cbow_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil:
    """CBOW: each word's context is the subword rows of the words around it. fastText's mean
    mode leaves the gradient whole; gensim's sum mode (``cbow_mean=0``) divides it by the rows.

    fastText gathers the context's rows for every centre word and scatters the gradient back to
    each of them, about ten rows for each of up to ten words. Here each position of the sliding
    window keeps the current sum of its rows and the gradient they have received: a centre word
    sums a few position sums, and a word's rows are read once when it enters the window and
    written once when it leaves. A gradient moves each position's sum by the number of rows it
    shares with the context (repeated words, common n-grams), and a word entering the window
    counts the gradients still held for the rows it shares, so that within a thread every sum is
    the one fastText would compute. Other threads see a word's updates when it leaves the window
    (some ten words later), a delay of the kind Hogwild training has anyway.

    With position weights the rows of the word at offset ``p`` enter the sum as ``d_p * row``
    (elementwise), so they receive ``d_p * grad``, and ``d_p`` moves by the gradient of the mean
    context, ``(sum of the word's rows) * grad / rows``, only in its first ``position_dims``
    columns. A thread trains its own copy of the weights during a line and adds its change to the
    shared ones at the line's end.
    """
    cdef int b
    cdef int64_t window = m.window, ring, stride = vector_stride(m.dim), used = 0
    cdef int64_t i, j, p, lo, hi, rows, first = 0, entered = 0, sj, sp, start
    cdef bint weighted = m.positions != NULL
    if window <= 0 or n < 2:
        return
    ring = ring_slots(m, n)
    if ring > w.ring_cap or (weighted and 2 * window > w.pos_rows):
        w.nan_seen = True  # the worker reserves room for its longest line: not reached
        return
    if weighted:
        take_positions(m, w, stride)
    for i in range(n):
        while entered < n and entered <= i + window:
            if entered + 1 < n:
                # the next word to enter: its rows load while this one trains
                for j in range(m.sub_indptr[ids[entered + 1]], m.sub_indptr[ids[entered + 1] + 1]):
                    gftx_prefetch_row(input_row(m, m.sub_ids[j]), m.dim)
            if not enter_word(m, w, ids, entered, first, ring, stride, &used):
                w.nan_seen = True
                return
            entered += 1
        b = draw_window(m, w)
        lo = i - b if i >= b else 0
        hi = i + b + 1 if i + b + 1 <= n else n
        start = lo % ring
        rows = 0
        memset(w.hidden, 0, m.dim * sizeof(float))
        sj = start
        for j in range(lo, hi):
            if j != i and w.slots[sj].count:
                rows += w.slots[sj].count
                if weighted:
                    gftx_mul_axpy(w.hidden, 1.0, position_row(m, w, j - i, stride), slot_sum(w, sj, stride), m.dim)
                else:
                    gftx_axpy(w.hidden, 1.0, slot_sum(w, sj, stride), m.dim)
            sj += 1
            if sj == ring:
                sj = 0
        if rows:
            if m.cbow_mean:
                gftx_scale(w.hidden, <float>(1.0 / <double>rows), m.dim)
            if not loss_step(m, w, ids, n, i, lr):
                return  # diverged (a weighted line's copy of the weights is dropped)
            if weighted:
                weighted_step(m, w, i, lo, hi, first, entered, ring, stride, rows)
            else:
                plain_step(m, w, i, lo, hi, first, entered, ring, stride, rows)
        if i >= window:
            leave_word(m, w, i - window, ring, stride)
            first = i - window + 1
    if weighted:
        give_positions(m, w, stride)
    for p in range(first, n):
        leave_word(m, w, p, ring, stride)


cdef void plain_step(const ModelView* m, WorkerView* w, int64_t i, int64_t lo, int64_t hi, int64_t first,
                     int64_t entered, int64_t ring, int64_t stride, int64_t rows) noexcept nogil:
    """Plain CBOW after the loss of centre ``i``: every live slot's sum moves by the gradient times
    the rows it shares with the context, and each context slot holds the gradient for its rows."""
    cdef int64_t j, p, sj, sp, start = lo % ring
    cdef float weight
    if not m.cbow_mean:
        gftx_scale(w.grad, <float>(1.0 / <double>rows), m.dim)
    sp = first % ring
    for p in range(first, entered):
        weight = 0.0
        sj = start
        for j in range(lo, hi):
            if j != i:
                weight += w.shared[sp * ring + sj]
            sj += 1
            if sj == ring:
                sj = 0
        if weight != 0.0:
            gftx_axpy(slot_sum(w, sp, stride), weight, w.grad, m.dim)
        sp += 1
        if sp == ring:
            sp = 0
    hand_out(m, w, i, lo, hi, ring, stride, False)


cdef void weighted_step(const ModelView* m, WorkerView* w, int64_t i, int64_t lo, int64_t hi, int64_t first,
                        int64_t entered, int64_t ring, int64_t stride, int64_t rows) noexcept nogil:
    """Position-weighted CBOW after the loss of centre ``i``: the context word at offset ``p``
    gets ``d_p * grad`` (``pos_grad`` of its slot), every live slot's sum moves by the rows it
    shares with each context word times that word's gradient, and ``d_p`` takes its step (from the
    sums as they were, before this step moved them)."""
    cdef int64_t j, p, sj, sp, start = lo % ring
    cdef float share
    cdef float scale = 1.0 if m.cbow_mean else <float>(1.0 / <double>rows)
    cdef float inv = <float>(1.0 / <double>rows)
    sj = start
    for j in range(lo, hi):
        if j != i and w.slots[sj].count:
            gftx_mul(w.pos_grad + sj * stride, scale, position_row(m, w, j - i, stride), w.grad, m.dim)
        sj += 1
        if sj == ring:
            sj = 0
    sj = start
    for j in range(lo, hi):
        if j != i and w.slots[sj].count:
            gftx_mul_axpy(position_row(m, w, j - i, stride), inv, slot_sum(w, sj, stride), w.grad, m.position_dims)
        sj += 1
        if sj == ring:
            sj = 0
    sp = first % ring
    for p in range(first, entered):
        sj = start
        for j in range(lo, hi):
            if j != i and w.slots[sj].count:
                share = w.shared[sp * ring + sj]
                if share != 0.0:
                    gftx_axpy(slot_sum(w, sp, stride), share, w.pos_grad + sj * stride, m.dim)
            sj += 1
            if sj == ring:
                sj = 0
        sp += 1
        if sp == ring:
            sp = 0
    hand_out(m, w, i, lo, hi, ring, stride, True)


cdef void hand_out(const ModelView* m, WorkerView* w, int64_t i, int64_t lo, int64_t hi, int64_t ring,
                   int64_t stride, bint weighted) noexcept nogil:
    """Each context slot of centre ``i`` holds this step's gradient for its rows until its word
    leaves the window: ``grad``, or with position weights the slot's own (``pos_grad``)."""
    cdef int64_t j, sj = lo % ring
    cdef Slot* slot
    for j in range(lo, hi):
        slot = &w.slots[sj]
        if j != i and slot.count:
            gftx_axpy(slot_pending(w, sj, stride), 1.0, w.pos_grad + sj * stride if weighted else w.grad, m.dim)
            slot.touched = True
        sj += 1
        if sj == ring:
            sj = 0
