# The objects that drive the kernels: a model view and a thread's state.
from libc.stdint cimport int64_t

from gensim_ftx.train._kernels cimport ModelView, WorkerView


cdef class KernelModel:
    cdef ModelView view
    cdef readonly int64_t ntargets    # what a training target may index: words, or a classifier's labels
    cdef object _keep   # arrays whose memory the view points into


cdef class Worker:
    cdef WorkerView view
    cdef object _keep
