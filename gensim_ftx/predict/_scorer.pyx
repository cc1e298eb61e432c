# cython: language_level=3
"""Bulk scoring of text lines by a fastText model, without the GIL.

A line is read as fastText's supervised ``Dictionary::getLine`` reads it (its words' rows,
their character n-grams, its word n-grams, ``</s>`` when the line ended with a newline; known
labels kept apart as the gold answer), its hidden vector is the mean of those input rows, and
the model's loss (``train/_losses``: softmax, one-vs-all sigmoids, or the hierarchical-softmax
tree walk) ranks the labels. The arithmetic is fastText's, in float32, so probabilities match
its own to the bit. Matrices are :class:`~gensim_ftx.predict._matrix.MatrixRows`.

Each thread scores with its own warm buffers, whose token cache remembers what every token read
as. Texts arrive packed in one buffer (:meth:`Scorer.predict`), as one ``bytes`` line, or as the
``str`` objects of the fastText face (:meth:`Scorer.predict_text`, :meth:`Scorer.text_job`), read
from their UTF-8 without a copy.
"""
import numpy as np

from gensim_ftx._checks import check_spans
from gensim_ftx.args import LOSS_CODES

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.math cimport expf
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memchr, memcpy, memset
from libcpp.vector cimport vector

from gensim_ftx._vector cimport MatrixView, add_row, exact_scale, gftx_prefetch_read_row, split_row
from gensim_ftx.predict._matrix cimport MatrixRows
from gensim_ftx.train._losses cimport loss_for
from gensim_ftx.train._views cimport Loss, RankView, rank, scored
from gensim_ftx.text._lines cimport LineIds, LineReader
from gensim_ftx.text._subwords cimport SubwordHasher
from gensim_ftx.text._vocab cimport KeyStore

cnp.import_array()

cdef Py_ssize_t TRANSPOSE_LIMIT = 1 << 24    # floats: a transposed copy of a larger output costs too much
cdef size_t PREFETCH_AHEAD = 12


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

cdef cppclass LineBuffers:
    LineIds ids                 # what the line reader found: rows, gold labels (and its token cache)
    vector[float] hidden
    vector[float] output
    vector[scored] heap


cdef inline void copy_ranked(const LineBuffers* b, int32_t* labels, float* scores) noexcept nogil:
    """The ranked labels of ``b``, best first, and fastText's ``exp(log p)`` of each."""
    cdef size_t r
    for r in range(b.heap.size()):
        labels[r] = b.heap[r].second
        scores[r] = expf(b.heap[r].first)


cdef extern from "Python.h":
    int PyGC_Disable()
    int PyGC_Enable()


cdef extern from *:
    """
    static inline int gftx_try_lock(unsigned char* flag) { return !__atomic_test_and_set(flag, __ATOMIC_ACQUIRE); }
    static inline void gftx_unlock(unsigned char* flag) { __atomic_clear(flag, __ATOMIC_RELEASE); }
    static inline long long gftx_claim(long long* next) { return __atomic_fetch_add(next, 1, __ATOMIC_RELAXED); }
    static inline void gftx_publish(int* flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }
    static inline int gftx_published(const int* flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE); }
    #include <sched.h>
    """
    bint try_lock "gftx_try_lock"(unsigned char* flag) noexcept nogil
    void unlock "gftx_unlock"(unsigned char* flag) noexcept nogil
    long long claim "gftx_claim"(long long* next) noexcept nogil
    void publish "gftx_publish"(int* flag) noexcept nogil
    bint published "gftx_published"(const int* flag) noexcept nogil
    int sched_yield() noexcept nogil


cdef enum:
    WARM_BUFFERS = 16                   # threads scoring at once with warm token caches
cdef Py_ssize_t RELEASE_ABOVE = 1024  # bytes: a single text longer than this is scored without the GIL


cdef const char* utf8_line(object text, Py_ssize_t* size) except? NULL:
    """The UTF-8 of a ``str`` line (the object's own, not a copy), or NULL when it needs the
    checked path: not a str, a newline in it, or not encodable (a lone surrogate)."""
    cdef const char* data
    if type(text) is not str:
        return NULL
    try:
        data = PyUnicode_AsUTF8AndSize(text, size)
    except UnicodeEncodeError:
        return NULL
    if size[0] and memchr(data, 10, size[0]) != NULL:
        return NULL
    return data


cdef _check_owner(TextJob job, object scorer):
    if job.owner is not scorer:  # its label ids and sizes are another model's
        raise ValueError("the job was made by another scorer")


cdef class TextJob:
    """Texts (their UTF-8, owned by the str objects kept here) and their best labels, scored by
    :meth:`Scorer.collect` (and :meth:`Scorer.score_chunks` on other threads) of the scorer that
    made it."""
    cdef object owner
    cdef list texts
    cdef vector[const unsigned char*] data
    cdef vector[Py_ssize_t] sizes
    cdef vector[int32_t] labels
    cdef vector[float] scores
    cdef vector[int32_t] counts
    cdef size_t k
    cdef Py_ssize_t chunk           # texts a claim scores
    cdef long long next_claim       # the next chunk to score, claimed atomically by the threads
    cdef vector[int] ready          # per chunk: scored (published with release semantics)

    def __len__(self):
        return self.sizes.size()


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
    cdef LineBuffers* warm[WARM_BUFFERS]  # buffers (and token caches) kept between calls, a thread each
    cdef unsigned char warm_busy[WARM_BUFFERS]
    cdef readonly list label_names  # set by the Python edge: the labels as str, for the text paths

    def __dealloc__(self):
        cdef int i
        for i in range(WARM_BUFFERS):
            del self.warm[i]

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
        for i in range(WARM_BUFFERS):
            self.warm[i] = new LineBuffers()
            self.warm[i].hidden.resize(input.rows.dim)
        self.label_names = labels.keys()
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
        cdef const MatrixView* m = &self.input_rows.rows
        cdef int dim = m.dim
        cdef size_t r
        memset(out, 0, dim * sizeof(float))
        for r in range(count):
            if m.codes == NULL and r + PREFETCH_AHEAD < count:  # rows lie all over the matrix
                gftx_prefetch_read_row(split_row(&m.dense, rows[r + PREFETCH_AHEAD]), dim)
            add_row(m, rows[r], out)
        if count:
            exact_scale(out, <float>(1.0 / <double>count), dim)

    cdef void rank_labels(self, size_t k, float threshold, LineBuffers* b) noexcept nogil:
        """Fill ``b.heap`` with the best ``k`` (log-probability, label) pairs, best first."""
        b.heap.clear()
        self.loss.rank(&self.ranking, b.hidden.data(), k, threshold, &b.heap, &b.output)
        rank(b.heap)

    cdef check_supervised(self):
        if self.output_rows is None or self.nlabels == 0:
            raise ValueError("Model needs to be supervised for prediction!")

    cdef size_t labels_wanted(self, k) except? 0:
        """fastText's ``k`` for a classifier: -1 for every label, else at least 1; more than there
        are is all of them."""
        self.check_supervised()
        if k == -1:
            return self.nlabels
        if k <= 0:
            raise ValueError("k needs to be 1 or higher!")
        return min(k, self.nlabels)

    cdef LineBuffers* acquire(self, LineBuffers* spare) noexcept nogil:
        """Warm buffers that no other thread holds, else ``spare`` (sized here)."""
        cdef int i
        for i in range(WARM_BUFFERS):
            if try_lock(&self.warm_busy[i]):
                return self.warm[i]
        spare.hidden.resize(self.input_rows.rows.dim)
        return spare

    cdef void release(self, LineBuffers* b) noexcept nogil:
        cdef int i
        for i in range(WARM_BUFFERS):
            if b == self.warm[i]:
                unlock(&self.warm_busy[i])

    cdef int score_line(self, const unsigned char* text, Py_ssize_t n, bint ended, size_t k, float threshold,
                        LineBuffers* b) noexcept nogil:
        """Read one line and rank its labels into ``b.heap``; the number ranked, or -1 for a line
        without input rows (fastText makes no prediction for it)."""
        self.reader.read_line(text, n, ended, &b.ids)
        if b.ids.rows.size() == 0:
            b.heap.clear()
            return -1
        self.mean_rows(b.ids.rows.data(), b.ids.rows.size(), b.hidden.data())
        self.rank_labels(k, threshold, b)
        return <int>b.heap.size()

    cdef int predict_range(self, const unsigned char* data, const int64_t* starts, const int64_t* ends,
                           const uint8_t* ended, Py_ssize_t lo, Py_ssize_t hi, size_t stride, size_t k,
                           float threshold, int32_t* labels, float* scores, int32_t* counts, int32_t* gold_counts,
                           vector[int32_t]* gold) noexcept nogil:
        """Lines ``lo..hi`` of a packed batch: best ``k`` labels (``k`` <= labels, rows ``stride``
        wide) and fastText's ``exp(log p)`` each."""
        cdef LineBuffers spare
        cdef LineBuffers* b = self.acquire(&spare)
        cdef Py_ssize_t line
        cdef size_t r
        for line in range(lo, hi):
            counts[line] = self.score_line(data + starts[line], ends[line] - starts[line], ended[line] != 0, k,
                                           threshold, b)
            if gold_counts != NULL:
                gold_counts[line] = <int32_t>b.ids.gold.size()
                for r in range(b.ids.gold.size()):
                    gold.push_back(b.ids.gold[r])
            copy_ranked(b, labels + line * stride, scores + line * stride)
        self.release(b)
        return 0

    def predict(self, data, starts, ends, ended, Py_ssize_t lo, Py_ssize_t hi, int k, float threshold,
                labels, scores, counts, bint want_gold=False):
        """Rank labels for lines ``lo..hi`` of a packed batch (see :func:`pack_lines`), GIL released.

        Writes rows ``lo..hi`` of ``labels`` (int32, ``(n, k)``), ``scores`` (float32) and
        ``counts`` (int32, how many labels each line got; -1 for a line without any input
        row). With ``want_gold`` returns
        ``(gold_counts[lo:hi], gold_ids)``: the known labels each line carries.
        """
        self.check_supervised()
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
        self.check_supervised()
        if k < 1:
            raise ValueError(f"k needs to be 1 or higher, got {k}")
        cdef LineBuffers spare
        cdef LineBuffers* b
        cdef const unsigned char* text = <const unsigned char*>(<char*>line)
        cdef Py_ssize_t n = len(line)
        cdef size_t r, kk = <size_t>min(k, self.nlabels)
        with nogil:
            b = self.acquire(&spare)
            self.score_line(text, n, True, kk, threshold, b)
        result = [b.heap[r].second for r in range(b.heap.size())], [expf(b.heap[r].first) for r in range(b.heap.size())]
        self.release(b)
        return result

    # -- texts as the fastText face hands them: str in, Python objects out ----------------------

    def predict_text(self, str text not None, k, float threshold):
        """fastText's ``predict(str)`` of one line (a newline after it): ``(labels, probabilities)``,
        a tuple of label strings and a float64 array, best first. None when the text needs the
        checked path (it holds a newline or cannot be UTF-8): the caller names the problem there."""
        cdef Py_ssize_t n = 0
        cdef LineBuffers spare
        cdef LineBuffers* b
        cdef size_t r, count
        cdef size_t kk = self.labels_wanted(k)
        cdef const char* data = utf8_line(text, &n)
        if data == NULL:
            return None
        if n > RELEASE_ABOVE:  # long texts let other threads run; for short ones the switch costs more
            with nogil:
                b = self.acquire(&spare)
                self.score_line(<const unsigned char*>data, n, True, kk, threshold, b)
        else:
            b = self.acquire(&spare)
            self.score_line(<const unsigned char*>data, n, True, kk, threshold, b)
        count = b.heap.size()
        names = PyTuple_New(count)
        probs = cnp.PyArray_EMPTY(1, [<cnp.npy_intp>count], cnp.NPY_FLOAT64, 0)
        cdef double* out = <double*>cnp.PyArray_DATA(probs)
        for r in range(count):
            name = self.label_names[b.heap[r].second]
            Py_INCREF(name)
            PyTuple_SET_ITEM(names, r, name)
            out[r] = expf(b.heap[r].first)
        self.release(b)
        return names, probs

    def text_job(self, list texts not None, k, Py_ssize_t chunk=512):
        """A :class:`TextJob` over ``texts`` (str each), scored ``chunk`` texts a claim, or None
        when one of them needs the checked path (not a str, a newline in it, not UTF-8)."""
        cdef TextJob job = TextJob.__new__(TextJob)
        cdef Py_ssize_t n = len(texts), i, size = 0
        cdef const char* data
        job.k = self.labels_wanted(k)
        job.owner = self
        job.texts = list(texts)  # a copy: the caller's list may change while threads read the UTF-8
        texts = job.texts
        job.data.resize(n)
        job.sizes.resize(n)
        for i in range(n):
            data = utf8_line(texts[i], &size)
            if data == NULL:
                return None
            job.data[i] = <const unsigned char*>data
            job.sizes[i] = size
        job.labels.resize(n * job.k)
        job.scores.resize(n * job.k)
        job.counts.resize(n)
        job.chunk = max(chunk, 1)
        job.ready.resize((n + job.chunk - 1) // job.chunk)
        return job

    cdef void score_texts(self, TextJob job, Py_ssize_t lo, Py_ssize_t hi, float threshold) noexcept nogil:
        cdef LineBuffers spare
        cdef LineBuffers* b = self.acquire(&spare)
        cdef Py_ssize_t line
        cdef size_t k = job.k
        for line in range(lo, hi):
            job.counts[line] = max(self.score_line(job.data[line], job.sizes[line], True, k, threshold, b), 0)
            copy_ranked(b, &job.labels[line * k], &job.scores[line * k])
        self.release(b)

    cdef bint score_claim(self, TextJob job, float threshold) noexcept nogil:
        """Claim the next unscored chunk and score it; False when none is left."""
        cdef long long c = claim(&job.next_claim)
        cdef Py_ssize_t n = job.sizes.size()
        if c >= <long long>job.ready.size():
            return False
        self.score_texts(job, c * job.chunk, min((c + 1) * job.chunk, n), threshold)
        publish(&job.ready[c])
        return True

    def score_chunks(self, TextJob job not None, float threshold) -> None:
        """A helper thread's part of :meth:`collect`: score unclaimed chunks until none is left,
        without the GIL throughout."""
        _check_owner(job, self)
        with nogil:
            while self.score_claim(job, threshold):
                pass

    def collect(self, TextJob job not None, list all_labels not None, list all_probs not None,
                float threshold) -> None:
        """Score ``job`` and write fastText's answers into ``all_labels``/``all_probs`` (one slot a
        text): chunk by chunk in order, each turned into Python objects as soon as it is scored.
        Helper threads running :meth:`score_chunks` meanwhile score the chunks this thread has not
        claimed, so building the objects, which needs the GIL, overlaps their scoring."""
        cdef Py_ssize_t n = job.sizes.size(), built, chunks = job.ready.size()
        for built in range(chunks):
            with nogil:
                while not published(&job.ready[built]):
                    if not self.score_claim(job, threshold):
                        sched_yield()  # a helper is scoring it
            self.job_results(job, all_labels, all_probs, built * job.chunk, min((built + 1) * job.chunk, n))

    def job_results(self, TextJob job not None, list all_labels not None, list all_probs not None,
                    Py_ssize_t lo, Py_ssize_t hi):
        """fastText's ``predict(list)`` answer for texts ``lo..hi`` of a scored job, written into
        ``all_labels[lo:hi]`` (label lists) and ``all_probs[lo:hi]`` (float32 probability arrays)."""
        cdef Py_ssize_t n = job.sizes.size(), line
        cdef size_t r, count, k = job.k
        cdef list names = self.label_names
        cdef list labels
        cdef cnp.npy_intp size
        _check_owner(job, self)
        if not 0 <= lo <= hi <= min(n, len(all_labels), len(all_probs)):
            raise ValueError(f"lo and hi must satisfy 0 <= lo <= hi <= {n} and fit the lists")
        cdef int collecting = PyGC_Disable()  # lists and arrays without cycles: nothing to collect
        for line in range(lo, hi):
            count = <size_t>job.counts[line]
            labels = PyList_New(count)
            for r in range(count):
                name = names[job.labels[line * k + r]]
                Py_INCREF(name)
                PyList_SET_ITEM(labels, r, name)
            all_labels[line] = labels
            size = count
            probs = cnp.PyArray_EMPTY(1, &size, cnp.NPY_FLOAT32, 0)
            if count:
                memcpy(cnp.PyArray_DATA(probs), &job.scores[line * k], count * sizeof(float))
            all_probs[line] = probs
        if collecting:
            PyGC_Enable()

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
