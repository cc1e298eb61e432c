# The losses: each one's training step and ranking, registered under fastText's loss codes.
from ._views cimport Loss, ModelView, WorkerView


cdef const Loss* loss_for(int code) noexcept nogil
cdef void flush_output(const ModelView* m, WorkerView* w) noexcept nogil
