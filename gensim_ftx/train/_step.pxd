# The parts of a training step every context model shares (skip-gram, CBOW, the classifier):
# inline, so each module that cimports this file compiles them with its own flags.
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset

from ._views cimport ModelView, WorkerView, draw_below


cdef inline int draw_window(const ModelView* m, WorkerView* w) noexcept nogil:
    if m.shrink_windows and m.window > 1:
        return 1 + <int>draw_below(w, m.window)
    return m.window


cdef inline void record(const ModelView* m, WorkerView* w, float loss) noexcept nogil:
    if m.compute_loss:
        w.loss += loss
    w.examples += 1


cdef inline bint loss_step(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets,
                           int64_t index, float lr) noexcept nogil:
    """The loss at ``targets[index]`` for ``w.hidden``: its gradient into a cleared ``w.grad``, the
    output rows updated, the loss recorded. False (and ``nan_seen``) when training diverged."""
    memset(w.grad, 0, m.dim * sizeof(float))
    cdef float loss = m.loss.forward(m, w, targets, ntargets, index, lr)
    if w.nan_seen or loss != loss:
        w.nan_seen = True
        return False
    record(m, w, loss)
    return True
