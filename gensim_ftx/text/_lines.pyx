# cython: language_level=3
"""fastText's supervised line reading: ``Dictionary::getLine`` from bytes to input rows and labels.

A line's rows are its words' rows and character n-grams (an unknown word's n-grams only), then
its word n-grams (fastText's ``addWordNgrams`` hashing, through the pruning table if any), with
``</s>`` for the newline that ended it. Known labels are collected apart; an unknown token with
the label prefix is dropped. The scorer (prediction) and the supervised trainer both read here.
"""
import numpy as np

from gensim_ftx._checks import check_offsets, check_spans

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy
from libcpp.vector cimport vector

from gensim_ftx.text._tokens cimport is_separator
from gensim_ftx.text._subwords cimport SubwordHasher, SubwordSpec, fnv1a_hash, pruned_row, word_subwords
from gensim_ftx.text._vocab cimport KeyStore

cnp.import_array()

cdef uint64_t WORD_NGRAM_PRIME = 116049371  # Dictionary::addWordNgrams


cdef class LineReader:
    """A model's dictionary as fastText's supervised reader uses it.

    Parameters
    ----------
    words, labels : KeyStore
        The words (ids ``0..nwords-1``) and the labels (ids ``0..nlabels-1``).
    hasher : SubwordHasher
        Character n-grams of words and fastText's pruning table.
    word_ngrams, bucket : int
        fastText's ``wordNgrams`` and ``bucket``.
    label_prefix : bytes
    subword_indptr, subword_ids : arrays, optional
        The words' precomputed subwords (else hashed as they are read).
    """

    def __cinit__(self, KeyStore words not None, KeyStore labels not None, SubwordHasher hasher not None,
                  int word_ngrams, long long bucket, bytes label_prefix=b"__label__", subword_indptr=None,
                  subword_ids=None):
        cdef const int32_t[::1] ids
        cdef const int64_t[::1] indptr
        self.words = words
        self.labels = labels
        self.nwords = words.size()
        self.nlabels = labels.size()
        self.hasher = hasher
        self.spec = hasher.spec
        self.word_ngrams = word_ngrams
        self.bucket = <uint64_t>max(bucket, 0)
        self.prefix = label_prefix
        self.prefix_ptr = <const unsigned char*>(<char*>self.prefix)
        self.prefix_len = len(label_prefix)
        self.keep = []
        if subword_indptr is not None:
            indptr = np.ascontiguousarray(subword_indptr, dtype=np.int64)
            ids = np.ascontiguousarray(subword_ids, dtype=np.int32)
            if indptr.shape[0] != self.nwords + 1:
                raise ValueError(f"subword table covers {indptr.shape[0] - 1} words, not {self.nwords}")
            check_offsets(indptr, ids.shape[0], "subword_indptr", "subword_ids")
            self.sub_indptr = &indptr[0]
            self.sub_ids = &ids[0] if ids.shape[0] else NULL
            self.keep += [indptr, ids]

    cdef void push_ngram(self, uint64_t h, vector[int32_t]& rows) noexcept nogil:
        """fastText's ``pushHash``: a word n-gram bucket, through the pruning table if any."""
        cdef int32_t row = pruned_row(&self.spec, <int32_t>(h % self.bucket))
        if row >= 0:
            rows.push_back(self.nwords + row)

    cdef void add_token(self, const unsigned char* tok, Py_ssize_t n, LineIds* b) noexcept nogil:
        cdef uint64_t key = TokenCache.hash(tok, n)
        cdef const token_entry* seen = b.cache.find(tok, n, key)
        cdef size_t first = b.rows.size()
        cdef int64_t wid, lid, k
        cdef int32_t gold = -1
        if seen != NULL:
            if seen.gold >= 0:
                b.gold.push_back(seen.gold)
            elif seen.gold == -1:
                b.rows.insert(b.rows.end(), b.cache.rows.begin() + seen.rows_at,
                              b.cache.rows.begin() + seen.rows_at + seen.nrows)
                b.hashes.push_back(seen.hash)
            return
        wid = self.words.find(tok, n)
        if wid < 0:
            lid = self.labels.find(tok, n)
            if lid >= 0:
                b.gold.push_back(<int32_t>lid)
                gold = <int32_t>lid
            elif self.prefix_at(tok, n):
                gold = -2  # an unknown label: neither a word nor a gold answer
        if gold == -1:
            if wid >= 0 and self.spec.floret and self.spec.maxn <= 0:
                # floret's addSubwords: a known word without char n-grams is its own row
                b.rows.push_back(<int32_t>wid)
            elif wid >= 0 and self.sub_indptr != NULL:
                for k in range(self.sub_indptr[wid], self.sub_indptr[wid + 1]):
                    b.rows.push_back(self.sub_ids[k])
            else:
                word_subwords(&self.spec, tok, n, <int32_t>wid, b.scratch, b.rows)
            b.hashes.push_back(<int32_t>fnv1a_hash(tok, n))
        b.cache.insert(tok, n, key, b.rows.data() + first, b.rows.size() - first, gold,
                       b.hashes.back() if gold == -1 else 0)

    cdef bint prefix_at(self, const unsigned char* tok, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i
        if n < self.prefix_len:
            return False
        for i in range(self.prefix_len):
            if tok[i] != self.prefix_ptr[i]:
                return False
        return True

    cdef void read_line(self, const unsigned char* s, Py_ssize_t n, bint ended, LineIds* b) noexcept nogil:
        """``Dictionary::getLine`` (supervised form) over ``s[:n]``; ``ended``: a newline followed."""
        cdef Py_ssize_t i = 0, start
        cdef size_t a, c
        cdef uint64_t h
        b.rows.clear()
        b.gold.clear()
        b.hashes.clear()
        b.tokens = 0
        while i < n:
            while i < n and is_separator(s[i]):
                i += 1
            start = i
            while i < n and not is_separator(s[i]):
                i += 1
            if i > start:
                self.add_token(s + start, i - start, b)
                b.tokens += 1
        if ended:
            self.add_token(<const unsigned char*>b"</s>", 4, b)
            b.tokens += 1
        if self.word_ngrams > 1 and self.bucket > 0:
            for a in range(b.hashes.size()):
                h = <uint64_t><int64_t>b.hashes[a]
                c = a + 1
                while c < b.hashes.size() and c < a + <size_t>self.word_ngrams:
                    h = h * WORD_NGRAM_PRIME + <uint64_t><int64_t>b.hashes[c]
                    self.push_ngram(h, b.rows)
                    c += 1


    cdef void word_rows(self, const unsigned char* tok, Py_ssize_t n, int64_t nrows, LineIds* b) noexcept nogil:
        """``getWordVector``'s rows of one token: a word's subwords; a known label's dictionary row
        (nwords + label, which reads an n-gram bucket: fastText's quirk, kept when the input matrix
        has that row) and n-grams."""
        cdef int64_t wid = self.words.find(tok, n)
        b.rows.clear()
        if wid < 0:
            wid = self.labels.find(tok, n)
            if wid >= 0 and self.nwords + wid < nrows:
                b.rows.push_back(<int32_t>(self.nwords + wid))
            wid = -1
        word_subwords(&self.spec, tok, n, <int32_t>wid, b.scratch, b.rows)

    def line(self, bytes line, bint ended=True) -> tuple:
        """``(input rows, known label ids)`` of one line, as fastText's ``getLine`` gives them."""
        cdef LineIds b
        self.read_line(<const unsigned char*>(<char*>line), len(line), ended, &b)
        return [b.rows[i] for i in range(b.rows.size())], [b.gold[i] for i in range(b.gold.size())]

    def encode(self, bytes data, const int64_t[::1] starts, const int64_t[::1] ends, const unsigned char[::1] ended):
        """Every line of a buffer, read once for training (GIL released).

        Returns ``(row_indptr, rows, label_indptr, labels, tokens)``: line k's input rows are
        ``rows[row_indptr[k]:row_indptr[k+1]]``, its labels likewise, ``tokens[k]`` the tokens
        fastText counts for it (its learning-rate clock).
        """
        cdef Py_ssize_t count = starts.shape[0], k
        check_spans(starts, ends, len(data), "line")
        if ended.shape[0] != count:
            raise ValueError(f"ended needs one flag a line: {count} lines, {ended.shape[0]} flags")
        cdef LineIds b
        cdef vector[int32_t] rows, gold
        cdef vector[int64_t] row_ptr, gold_ptr
        cdef vector[int32_t] tokens
        cdef const unsigned char* p = data
        row_ptr.push_back(0)
        gold_ptr.push_back(0)
        with nogil:
            for k in range(count):
                self.read_line(p + starts[k], ends[k] - starts[k], ended[k] != 0, &b)
                rows.insert(rows.end(), b.rows.begin(), b.rows.end())
                gold.insert(gold.end(), b.gold.begin(), b.gold.end())
                row_ptr.push_back(rows.size())
                gold_ptr.push_back(gold.size())
                tokens.push_back(<int32_t>b.tokens)
        return (_array(row_ptr.data(), row_ptr.size(), np.int64), _array(rows.data(), rows.size(), np.int32),
                _array(gold_ptr.data(), gold_ptr.size(), np.int64), _array(gold.data(), gold.size(), np.int32),
                _array(tokens.data(), tokens.size(), np.int32))


cdef object _array(const void* data, size_t count, object dtype):
    """A NumPy copy of ``count`` items of ``dtype`` at ``data`` (a vector's storage)."""
    out = np.empty(count, dtype=dtype)
    if count:
        memcpy(cnp.PyArray_DATA(out), data, count * out.itemsize)
    return out


def split_lines(bytes data) -> tuple:
    """``(starts, ends, ended)`` of the lines of a buffer (a last line without newline included,
    marked not ended), as fastText's reader meets them."""
    cdef const unsigned char* p = data
    cdef Py_ssize_t n = len(data), i, start = 0
    cdef vector[int64_t] s, e
    cdef vector[uint8_t] f
    for i in range(n):
        if p[i] == b'\n':
            s.push_back(start)
            e.push_back(i)
            f.push_back(1)
            start = i + 1
    if start < n:
        s.push_back(start)
        e.push_back(n)
        f.push_back(0)
    count = s.size()
    starts = np.empty(count, dtype=np.int64)
    ends = np.empty(count, dtype=np.int64)
    ended = np.empty(count, dtype=np.uint8)
    for i in range(<Py_ssize_t>count):
        starts[i] = s[i]
        ends[i] = e[i]
        ended[i] = f[i]
    return starts, ends, ended


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL


def pack_texts(list values, bint newline_to_space=True) -> tuple:
    """``(data, starts, ends, bad)``: ``str`` (as UTF-8) and ``bytes`` values packed into one
    buffer in one pass, without a bytes object a text; a newline inside a text becomes a space
    when ``newline_to_space``. ``bad`` is the position of the first value that is neither type, or
    a ``str`` that cannot be UTF-8, and then the rest is None; -1 when every value is packed."""
    cdef Py_ssize_t n = len(values), i, size, k, at
    cdef const char* text
    cdef object value
    cdef vector[char] buf
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] s = starts
    cdef int64_t[::1] e = ends
    for i in range(n):
        value = values[i]
        if type(value) is str:
            try:
                text = PyUnicode_AsUTF8AndSize(value, &size)
            except UnicodeEncodeError:
                return None, None, None, i
        elif type(value) is bytes:
            text = PyBytes_AS_STRING(value)
            size = PyBytes_GET_SIZE(value)
        else:
            return None, None, None, i
        at = buf.size()
        s[i] = at
        buf.insert(buf.end(), text, text + size)
        if newline_to_space:
            for k in range(at, at + size):
                if buf[k] == b'\n':
                    buf[k] = b' '
        e[i] = buf.size()
    return PyBytes_FromStringAndSize(buf.data(), buf.size()), starts, ends, -1


def pack_lines(lines) -> tuple:
    """``(data, starts, ends)``: a list of bytes packed into one buffer with each line's span."""
    sizes = np.fromiter((len(x) for x in lines), dtype=np.int64, count=len(lines))
    ends = np.cumsum(sizes, dtype=np.int64)
    starts = ends - sizes
    return b"".join(lines), starts, ends
