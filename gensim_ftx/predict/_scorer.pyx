# cython: language_level=3
"""Bulk scoring of text lines by a fastText model, without the GIL.

A line is read as fastText's supervised ``Dictionary::getLine`` reads it (its words' rows,
their character n-grams, its word n-grams, ``</s>`` when the line ended with a newline; known
labels kept apart as the gold answer), its hidden vector is the mean of those input rows, and
the loss's own search (softmax, one-vs-all sigmoids, or the hierarchical-softmax tree walk)
ranks the labels. The arithmetic is fastText's, in float32, so probabilities match its own to
the bit. Matrices are dense float32 rows (possibly memory-mapped) or product-quantised codes,
scored from the codes as fastText scores ``.ftz`` models.
"""
import numpy as np

from gensim_ftx._checks import check_spans
from gensim_ftx.args import LOSS_CODES

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.math cimport expf
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset
from libcpp.vector cimport vector

from gensim_ftx._vector cimport MatrixView, add_row, exact_scale
from gensim_ftx.train._losses cimport loss_for
from gensim_ftx.train._views cimport Loss, RankView, rank, scored
from gensim_ftx.text._lines cimport LineIds, LineReader
from gensim_ftx.text._subwords cimport SubwordHasher
from gensim_ftx.text._vocab cimport KeyStore

cnp.import_array()

cdef Py_ssize_t TRANSPOSE_LIMIT = 1 << 24    # floats: a transposed copy of a larger output costs too much


cdef class MatrixRows:
    """A fastText matrix as the scorer reads it; keeps the arrays it points into alive.

    Build with :meth:`dense` (one array, or gensim's word rows and n-gram rows as two) or
    :meth:`quantized` (a :class:`gensim_ftx.io.quant.QuantizedMatrix`).
    """
    cdef MatrixView rows
    cdef readonly object keep

    @staticmethod
    def dense(head, tail=None) -> MatrixRows:
        cdef MatrixRows self = MatrixRows.__new__(MatrixRows)
        cdef const float[:, ::1] a = np.ascontiguousarray(head, dtype=np.float32)
        cdef const float[:, ::1] b
        memset(&self.rows, 0, sizeof(MatrixView))
        self.rows.dim = self.rows.dense.dim = a.shape[1]
        self.rows.dense.split = self.rows.nrows = a.shape[0]
        if a.shape[0]:
            self.rows.dense.head = &a[0, 0]
        keep = [a]
        if tail is not None and len(tail):
            b = np.ascontiguousarray(tail, dtype=np.float32)
            if b.shape[1] != a.shape[1]:
                raise ValueError(f"matrix parts differ in width: {a.shape[1]} and {b.shape[1]}")
            self.rows.dense.tail = &b[0, 0]
            self.rows.nrows += b.shape[0]
            keep.append(b)
        self.rows.dense.nrows = self.rows.nrows
        self.keep = keep
        return self

    @staticmethod
    def quantized(matrix) -> MatrixRows:
        cdef MatrixRows self = MatrixRows.__new__(MatrixRows)
        cdef const uint8_t[::1] codes = np.ascontiguousarray(matrix.codes, dtype=np.uint8)
        cdef const float[::1] centroids = np.ascontiguousarray(matrix.pq.centroids, dtype=np.float32)
        cdef const uint8_t[::1] norm_codes
        cdef const float[::1] norm_centroids
        memset(&self.rows, 0, sizeof(MatrixView))
        self.rows.dim = matrix.n
        self.rows.nrows = matrix.m
        self.rows.codes = &codes[0] if codes.shape[0] else NULL
        self.rows.centroids = &centroids[0]
        self.rows.nsubq = matrix.pq.nsubq
        self.rows.dsub = matrix.pq.dsub
        self.rows.lastdsub = matrix.pq.lastdsub
        self.keep = [codes, centroids]
        if matrix.qnorm:
            norm_codes = np.ascontiguousarray(matrix.norm_codes, dtype=np.uint8)
            norm_centroids = np.ascontiguousarray(matrix.npq.centroids, dtype=np.float32)
            self.rows.norm_codes = &norm_codes[0] if norm_codes.shape[0] else NULL
            self.rows.norm_centroids = &norm_centroids[0]
            self.keep += [norm_codes, norm_centroids]
        return self

    @property
    def shape(self) -> tuple:
        return (self.rows.nrows, self.rows.dim)

    @property
    def quantised(self) -> bool:
        return self.rows.codes != NULL


cdef _check_batch(Py_ssize_t size, starts, ends, Py_ssize_t nended, Py_ssize_t lo, Py_ssize_t hi):
    """A packed batch's spans must lie in its buffer, one ``ended`` flag a text, ``lo..hi`` among them."""
    s = np.asarray(starts)
    e = np.asarray(ends)
    if len(e) != len(s) or nended != len(s):
        raise ValueError(f"starts, ends and ended differ in length: {len(s)}, {len(e)}, {nended}")
    if not 0 <= lo <= hi <= len(s):
        raise ValueError(f"lo and hi must satisfy 0 <= lo <= hi <= {len(s)}, got {lo} and {hi}")
    check_spans(s[lo:hi], e[lo:hi], size)  # only the lines this call reads: a thread's share


cdef _check_input_rows(MatrixRows input, int32_t nwords, SubwordHasher hasher, int word_ngrams, long long bucket,
                       int32_t dictionary_words, subword_ids):
    """The input matrix must hold every row a line can be read into: the words, their
    character n-grams, the word n-grams and any precomputed subword id."""
    cdef int64_t needed = dictionary_words
    if nwords != dictionary_words:
        raise ValueError(f"nwords is {nwords} but the dictionary holds {dictionary_words} words")
    if hasher.spec.bucket > 0:
        needed = max(needed, hasher.spec.nwords + hasher.ngram_rows())
    if word_ngrams > 1 and bucket > 0:
        needed = max(needed, dictionary_words + hasher.ngram_rows(bucket))
    if subword_ids is not None and len(subword_ids):
        ids = np.asarray(subword_ids)
        if ids.min() < 0:
            raise ValueError("subword ids must be >= 0")
        needed = max(needed, int(ids.max()) + 1)
    if input.rows.nrows < needed:
        raise ValueError(f"the input matrix has {input.rows.nrows} rows; the model's {dictionary_words} words and "
                         f"n-gram buckets need {needed}")


# ---------------------------------------------------------------------------------------------
# the scorer

cdef struct LineBuffers:
    LineIds ids                 # what the line reader found: rows, gold labels
    vector[float] hidden
    vector[float] output
    vector[scored] heap


cdef class Scorer:
    """Reads lines into input rows and ranks a model's labels for them.

    Parameters
    ----------
    words : KeyStore
        The dictionary's words (ids ``0..nwords-1``).
    labels : KeyStore
        The labels (ids ``0..nlabels-1``); empty for an unsupervised model.
    nwords : int
        Number of words (rows of the input matrix before the n-gram buckets).
    hasher : SubwordHasher
        Character n-grams of words (its pruning table is fastText's ``pruneidx``).
    word_ngrams, bucket : int
        fastText's ``wordNgrams`` and ``bucket`` (word n-grams hash into the same buckets).
    input, output : MatrixRows
        The model's matrices; ``output`` may be None (no prediction then).
    loss : {'softmax', 'ns', 'hs', 'ova'}
    tree_left, tree_right : int32 arrays
        Hierarchical softmax: the children of each of the ``2 * nlabels - 1`` tree nodes.
    label_prefix : bytes
        Out-of-dictionary tokens starting with it are labels, not words.
    subword_indptr, subword_ids : arrays, optional
        Precomputed subwords of the dictionary's words (as fastText precomputes them).
    """
    cdef readonly LineReader reader
    cdef int32_t nwords
    cdef int32_t nlabels
    cdef MatrixRows input_rows
    cdef MatrixRows output_rows
    cdef const Loss* loss
    cdef RankView ranking        # what the loss ranks labels from
    cdef object keep

    def __cinit__(self, KeyStore words not None, KeyStore labels not None, int32_t nwords,
                  SubwordHasher hasher not None, int word_ngrams, long long bucket,
                  MatrixRows input not None, MatrixRows output, str loss, tree_left=None, tree_right=None,
                  bytes label_prefix=b"__label__", subword_indptr=None, subword_ids=None):
        cdef const int32_t[::1] left, right
        if loss not in LOSS_CODES:
            raise ValueError(f"unknown loss {loss!r}")
        self.reader = LineReader(words, labels, hasher, word_ngrams, bucket, label_prefix, subword_indptr,
                                 subword_ids)
        self.nwords = nwords
        self.nlabels = labels.size()
        self.input_rows = input
        self.output_rows = output
        self.loss = loss_for(LOSS_CODES[loss])
        self.keep = []
        memset(&self.ranking, 0, sizeof(RankView))
        self.ranking.nlabels = self.nlabels
        if output is not None:
            self.ranking.output = output.rows
        if output is not None and output.rows.dim != input.rows.dim:
            raise ValueError(f"input rows have {input.rows.dim} columns, output rows {output.rows.dim}")
        _check_input_rows(input, nwords, hasher, word_ngrams, bucket, self.reader.nwords, subword_ids)
        if output is not None and self.nlabels:
            # hs scores internal nodes: rows 0..nlabels-2; the others one row a label
            needed = self.nlabels - 1 if loss == "hs" else self.nlabels
            if output.rows.nrows < needed:
                raise ValueError(f"the output matrix has {output.rows.nrows} rows; the model's {self.nlabels} labels "
                                 f"need {needed} ({loss} loss)")
        if loss == "hs" and output is not None and self.nlabels:
            left = np.ascontiguousarray(tree_left, dtype=np.int32)
            right = np.ascontiguousarray(tree_right, dtype=np.int32)
            if left.shape[0] != 2 * self.nlabels - 1 or right.shape[0] != left.shape[0]:
                raise ValueError(f"a tree over {self.nlabels} labels has {2 * self.nlabels - 1} nodes")
            self.ranking.left = &left[0]
            self.ranking.right = &right[0]
            self.keep += [left, right]
        cdef const float[:, ::1] transposed
        if output is not None and loss != "hs" and output.rows.codes == NULL and \
                0 < output.rows.nrows * output.rows.dim <= TRANSPOSE_LIMIT:
            # Scores of all labels, one hidden component at a time: SIMD across labels while each
            # label's sum still runs over the components in fastText's order (the same bits).
            transposed = np.ascontiguousarray(np.asarray(output.keep[0]).T)
            self.ranking.output_t = &transposed[0, 0]
            self.keep.append(transposed)

    @property
    def dim(self) -> int:
        return self.input_rows.rows.dim

    cdef void mean_rows(self, const int32_t* rows, size_t count, float* out) noexcept nogil:
        """``computeHidden``: the rows summed in order, then scaled by ``float(1.0 / count)``."""
        cdef int dim = self.input_rows.rows.dim
        cdef size_t r
        memset(out, 0, dim * sizeof(float))
        for r in range(count):
            add_row(&self.input_rows.rows, rows[r], out)
        if count:
            exact_scale(out, <float>(1.0 / <double>count), dim)

    cdef void rank_labels(self, size_t k, float threshold, LineBuffers* b) noexcept nogil:
        """Fill ``b.heap`` with the best ``k`` (log-probability, label) pairs, best first."""
        b.heap.clear()
        self.loss.rank(&self.ranking, b.hidden.data(), k, threshold, &b.heap, &b.output)
        rank(b.heap)

    cdef int predict_range(self, const unsigned char* data, const int64_t* starts, const int64_t* ends,
                           const uint8_t* ended, Py_ssize_t lo, Py_ssize_t hi, size_t stride, size_t k,
                           float threshold, int32_t* labels, float* scores, int32_t* counts, int32_t* gold_counts,
                           vector[int32_t]* gold) noexcept nogil:
        """Lines ``lo..hi`` of a packed batch: best ``k`` labels (``k`` <= labels, rows ``stride``
        wide) and fastText's ``exp(log p)`` each."""
        cdef LineBuffers b
        cdef Py_ssize_t line
        cdef size_t r
        b.hidden.resize(self.input_rows.rows.dim)
        b.heap.reserve(k + 1)
        for line in range(lo, hi):
            self.reader.read_line(data + starts[line], ends[line] - starts[line], ended[line] != 0, &b.ids)
            if gold_counts != NULL:
                gold_counts[line] = <int32_t>b.ids.gold.size()
                for r in range(b.ids.gold.size()):
                    gold.push_back(b.ids.gold[r])
            counts[line] = -1  # no input row: fastText makes no prediction (and its test skips the line)
            if b.ids.rows.size() == 0:
                continue
            self.mean_rows(b.ids.rows.data(), b.ids.rows.size(), b.hidden.data())
            self.rank_labels(k, threshold, &b)
            for r in range(b.heap.size()):
                labels[line * stride + r] = b.heap[r].second
                scores[line * stride + r] = expf(b.heap[r].first)
            counts[line] = <int32_t>b.heap.size()
        return 0

    def predict(self, data, starts, ends, ended, Py_ssize_t lo, Py_ssize_t hi, int k, float threshold,
                labels, scores, counts, bint want_gold=False):
        """Rank labels for lines ``lo..hi`` of a packed batch (see :func:`pack_lines`), GIL released.

        Writes rows ``lo..hi`` of ``labels`` (int32, ``(n, k)``), ``scores`` (float32) and
        ``counts`` (int32, how many labels each line got; -1 for a line without any input
        row). With ``want_gold`` returns
        ``(gold_counts[lo:hi], gold_ids)``: the known labels each line carries.
        """
        if self.output_rows is None or self.nlabels == 0:
            raise ValueError("Model needs to be supervised for prediction!")
        cdef const unsigned char[::1] d = data
        cdef const int64_t[::1] s = starts, e = ends
        cdef const uint8_t[::1] f = ended
        cdef int32_t[:, ::1] lab = labels
        cdef float[:, ::1] sc = scores
        cdef int32_t[::1] cnt = counts
        _check_batch(d.shape[0], starts, ends, f.shape[0], lo, hi)
        if k < 1:
            raise ValueError(f"k needs to be 1 or higher, got {k}")
        if lab.shape[0] != s.shape[0] or lab.shape[1] != k or sc.shape[0] != s.shape[0] or sc.shape[1] != k \
                or cnt.shape[0] != s.shape[0]:
            raise ValueError(f"labels and scores must be ({s.shape[0]}, {k}) and counts ({s.shape[0]},)")
        cdef int32_t[::1] gcnt
        cdef int32_t* gptr = NULL
        cdef vector[int32_t] gold
        cdef const unsigned char* dptr = &d[0] if d.shape[0] else <const unsigned char*>b""
        if want_gold:
            gcnt = np.zeros(s.shape[0], dtype=np.int32)
            gptr = &gcnt[0] if gcnt.shape[0] else NULL
        if hi > lo:
            with nogil:
                self.predict_range(dptr, &s[0], &e[0], &f[0], lo, hi, k, min(k, self.nlabels), threshold,
                                   &lab[0, 0], &sc[0, 0], &cnt[0], gptr, &gold)
        if not want_gold:
            return None
        ids = np.empty(gold.size(), dtype=np.int32)
        cdef Py_ssize_t g
        for g in range(<Py_ssize_t>gold.size()):
            ids[g] = gold[g]
        return np.asarray(gcnt)[lo:hi], ids

    def predict_line(self, bytes line not None, int k, float threshold):
        """``(label ids, probabilities)`` of one line followed by a newline (GIL released).

        The per-document call of pipelines: no batch arrays, no NumPy. ``k`` is at least 1.
        """
        if self.output_rows is None or self.nlabels == 0:
            raise ValueError("Model needs to be supervised for prediction!")
        if k < 1:
            raise ValueError(f"k needs to be 1 or higher, got {k}")
        cdef LineBuffers b
        cdef const unsigned char* text = <const unsigned char*>(<char*>line)
        cdef Py_ssize_t n = len(line)
        cdef size_t r, kk = <size_t>min(k, self.nlabels)
        cdef bint scored = False
        with nogil:
            self.reader.read_line(text, n, True, &b.ids)
            if b.ids.rows.size():
                b.hidden.resize(self.input_rows.rows.dim)
                self.mean_rows(b.ids.rows.data(), b.ids.rows.size(), b.hidden.data())
                self.rank_labels(kk, threshold, &b)
                scored = True
        if not scored:
            return [], []
        return [b.heap[r].second for r in range(b.heap.size())], [expf(b.heap[r].first) for r in range(b.heap.size())]

    cdef int vectors_range(self, const unsigned char* data, const int64_t* starts, const int64_t* ends,
                           const uint8_t* ended, Py_ssize_t lo, Py_ssize_t hi, bint as_words,
                           float* out) noexcept nogil:
        cdef LineBuffers b
        cdef Py_ssize_t line
        cdef int dim = self.input_rows.rows.dim
        for line in range(lo, hi):
            if as_words:
                self.reader.word_rows(data + starts[line], ends[line] - starts[line], self.input_rows.rows.nrows,
                                      &b.ids)
            else:
                self.reader.read_line(data + starts[line], ends[line] - starts[line], ended[line] != 0, &b.ids)
            self.mean_rows(b.ids.rows.data(), b.ids.rows.size(), out + line * dim)
        return 0

    def vectors(self, data, starts, ends, ended, Py_ssize_t lo, Py_ssize_t hi, out, bint as_words=False):
        """Rows ``lo..hi`` of ``out`` (float32, ``(n, dim)``): the mean input row of each line
        (fastText's supervised sentence vector) or, with ``as_words``, of each word's subwords
        (``getWordVector``, computed from codes for quantised models). GIL released."""
        cdef const unsigned char[::1] d = data
        cdef const int64_t[::1] s = starts, e = ends
        cdef const uint8_t[::1] f = ended
        cdef float[:, ::1] o = out
        cdef const unsigned char* dptr = &d[0] if d.shape[0] else <const unsigned char*>b""
        _check_batch(d.shape[0], starts, ends, f.shape[0], lo, hi)
        if o.shape[0] != s.shape[0] or o.shape[1] != self.input_rows.rows.dim:
            raise ValueError(f"out must be ({s.shape[0]}, {self.input_rows.rows.dim}), got {o.shape[0]}, {o.shape[1]})")
        if hi > lo:
            with nogil:
                self.vectors_range(dptr, &s[0], &e[0], &f[0], lo, hi, as_words, &o[0, 0])

    def line_rows(self, bytes line, bint ended=True) -> tuple:
        """``(input rows, known label ids)`` of one line, as fastText's ``getLine`` gives them."""
        cdef LineBuffers b
        self.reader.read_line(<const unsigned char*>(<char*>line), len(line), ended, &b.ids)
        rows = [b.ids.rows[i] for i in range(b.ids.rows.size())]
        return rows, [b.ids.gold[i] for i in range(b.ids.gold.size())]
