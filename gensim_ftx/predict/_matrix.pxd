# A fastText matrix as prediction reads it (dense or product-quantised), and the arrays it points into.
from gensim_ftx._vector cimport MatrixView


cdef class MatrixRows:
    cdef MatrixView rows
    cdef readonly object keep
    cdef MatrixRows decoded(self)
