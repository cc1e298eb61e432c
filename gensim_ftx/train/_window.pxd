# CBOW's sliding window (see _window.pyx).
from libc.stdint cimport int32_t, int64_t

from ._views cimport ModelView, WorkerView


cdef bint window_room(const ModelView* m, WorkerView* w, int64_t longest) noexcept nogil
cdef void cbow_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil
