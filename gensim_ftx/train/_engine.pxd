# The objects that drive the kernels: a model view and a thread's state.
from libc.stdint cimport int32_t, int64_t

from gensim_ftx.train._views cimport ModelView, WorkerView


cdef class KernelModel:
    cdef ModelView view
    cdef readonly int64_t ntargets    # what a training target may index: words, or a classifier's labels
    cdef object _keep   # arrays whose memory the view points into


cdef class Worker:
    cdef WorkerView view
    cdef object _keep

    cdef int reserve(self, KernelModel model, int64_t longest) except -1
    cdef bint diverged(self, double lr) noexcept nogil
    cdef int64_t train_words(self, KernelModel model, int32_t* ids, int64_t n, double lr) noexcept nogil
