# The context models: a skip-gram, CBOW or classifier line, and subsampling.
from libc.stdint cimport int32_t, int64_t

from ._views cimport ModelView, WorkerView


cdef int64_t subsample(const ModelView* m, WorkerView* w, int32_t* ids, int64_t n) noexcept nogil
cdef void train_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil
cdef void flush_input(const ModelView* m, WorkerView* w) noexcept nogil
cdef void supervised_line(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n,
                          const int32_t* labels, int64_t nlabels, float lr) noexcept nogil
