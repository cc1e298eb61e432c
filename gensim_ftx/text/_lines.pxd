# fastText's supervised line reading (Dictionary::getLine): tokens to input rows and labels.
from libc.stdint cimport int32_t, int64_t, uint64_t
from libcpp.vector cimport vector

from gensim_ftx.text._subwords cimport SubwordHasher, SubwordSpec
from gensim_ftx.text._vocab cimport KeyStore


cdef struct LineIds:
    vector[int32_t] rows          # input rows: words' subwords, then word n-grams
    vector[int32_t] gold          # known labels
    vector[int32_t] hashes        # the words' FNV-1a hashes, kept as int32 as fastText does
    vector[unsigned char] scratch
    int64_t tokens                # every token read, labels, unknown words and </s> included


cdef class LineReader:
    cdef KeyStore words
    cdef KeyStore labels
    cdef readonly int32_t nwords
    cdef readonly int32_t nlabels
    cdef SubwordSpec spec
    cdef SubwordHasher hasher
    cdef readonly int word_ngrams
    cdef uint64_t bucket
    cdef bytes prefix
    cdef const unsigned char* prefix_ptr
    cdef Py_ssize_t prefix_len
    cdef const int64_t* sub_indptr
    cdef const int32_t* sub_ids
    cdef object keep

    cdef void push_ngram(self, uint64_t h, vector[int32_t]& rows) noexcept nogil
    cdef void add_token(self, const unsigned char* tok, Py_ssize_t n, LineIds* b) noexcept nogil
    cdef bint prefix_at(self, const unsigned char* tok, Py_ssize_t n) noexcept nogil
    cdef void read_line(self, const unsigned char* s, Py_ssize_t n, bint ended, LineIds* out) noexcept nogil
    cdef void word_rows(self, const unsigned char* tok, Py_ssize_t n, int64_t nrows, LineIds* out) noexcept nogil
