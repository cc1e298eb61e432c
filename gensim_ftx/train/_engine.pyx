# cython: language_level=3
"""The objects that drive the kernels: :class:`KernelModel`, a view of a model's matrices and
training tables (it keeps the arrays alive, and checks them before any kernel reads them), and
:class:`Worker`, one thread's scratch memory, random state and loops (over sentences, a corpus
shard or encoded classifier lines), each running without the GIL on ``_kernels``' line
functions.
"""
import numpy as np

from .._checks import check_offsets
from ..args import MAX_NEGATIVES
from ..text.vocab import compact_store
from ._kernels import duplicate_factors
from ._losses import LOSSES

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy

from .._vector cimport gftx_atomic_add, gftx_atomic_load
from ..text._corpus cimport ShardReader
from ..text._vocab cimport KeyStore
from ._kernels cimport flush_input, subsample, supervised_line, train_line
from ._window cimport window_room
from ._losses cimport flush_output, loss_for
from ._views cimport ModelView, WorkerView, vector_stride

cnp.import_array()


cdef _check_flag(long long[::1] flag, str name):
    if flag.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one element")


cdef _check_counter(long long[::1] counter):
    """The threads' shared token counter: one element, not below 0 (from far below, the loop
    would take for ever to reach its budget)."""
    _check_flag(counter, "counter")
    if counter[0] < 0:
        raise ValueError(f"counter must start at 0 or above, got {counter[0]}")


cdef float* _ptr(object array, object dtype, str name, list keep) except? NULL:
    if array is None:
        return NULL
    arr = np.asarray(array)
    if arr.dtype != dtype or not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous {np.dtype(dtype).name} array")
    keep.append(arr)
    return <float*>cnp.PyArray_DATA(arr)


cdef class KernelModel:
    """Raw view of a model's matrices and training tables for the kernels.

    Parameters
    ----------
    vocab, ngrams : float32 arrays (nwords x dim, nbuckets x dim)
        Input matrices, updated in place; must be writeable.
    output : float32 array
        Output matrix: hs internal nodes, softmax words, or negative sampling's words when
        ``neg_output`` is not given.
    neg_output : float32 array, optional
        Negative sampling's output matrix when the loss is ``'hs+ns'``.
    sub_indptr, sub_ids : int64 / int32 arrays
        Subword CSR in fastText ids (see :class:`~gensim_ftx.keyedvectors.FastTextKeyedVectors`).
    loss : {'ns', 'hs', 'softmax', 'hs+ns', 'ova'}
    targets : int, optional
        Number of targets when they are not the words (a classifier's labels).
    position_weights : float32 array (2 x window, dim), optional
        CBOW only: a weight vector per window offset (-window..-1, then 1..window), trained in
        place; see :func:`gensim_ftx.train._window.cbow_line`.
    position_dims : int, optional
        Train only the first ``position_dims`` columns of ``position_weights`` (default: all).
    """

    def __init__(self, vocab, ngrams, output, sub_indptr, sub_ids, *, str loss, neg_output=None, int neg=5,
                 neg_alias=None,
                 bint neg_redraw=True, path_indptr=None, path_nodes=None, path_codes=None, bint sg=True,
                 int window=5, bint shrink_windows=True, bint cbow_mean=True,
                 keep_prob=None, bint compute_loss=False, targets=None, position_weights=None,
                 position_dims=None):
        keep = []
        if neg_output is None:
            neg_output = output
        for name, arr in (("vocab", vocab), ("ngrams", ngrams), ("output", output), ("neg_output", neg_output)):
            if not np.asarray(arr).flags.writeable:
                raise ValueError(f"{name} matrix is read-only (memory-mapped with mmap='r'?); "
                                 f"load with mmap=None or 'c' to train")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
        vocab = np.asarray(vocab)
        ngrams = np.asarray(ngrams)
        output = np.asarray(output)
        neg_output = np.asarray(neg_output)
        dim = vocab.shape[1]
        ntargets = vocab.shape[0] if targets is None else int(targets)  # labels, for a classifier
        if ngrams.shape[1] != dim or output.shape[1] != dim or neg_output.shape[1] != dim:
            raise ValueError("vocab, ngrams and output matrices differ in width")
        self.view.input.head = _ptr(vocab, np.float32, "vocab", keep)
        self.view.input.tail = _ptr(ngrams, np.float32, "ngrams", keep) if len(ngrams) else NULL
        self.view.input.split = vocab.shape[0]
        self.view.input.nrows = vocab.shape[0] + ngrams.shape[0]
        self.view.input.dim = self.view.dim = dim
        self.view.output = _ptr(output, np.float32, "output", keep)
        self.view.neg_output = _ptr(neg_output, np.float32, "neg_output", keep)
        self.view.nout = output.shape[0]
        indptr = np.ascontiguousarray(sub_indptr, dtype=np.int64)
        ids = np.ascontiguousarray(sub_ids, dtype=np.int32)
        if len(indptr) != vocab.shape[0] + 1:
            raise ValueError(f"subword table covers {len(indptr) - 1} words, vocab has {vocab.shape[0]}")
        check_offsets(indptr, len(ids), "sub_indptr", "sub_ids")
        if len(ids) and (ids.min() < 0 or ids.max() >= vocab.shape[0] + ngrams.shape[0]):
            raise ValueError("subword ids fall outside the input matrices")
        factors = duplicate_factors(indptr, ids)
        keep += [indptr, ids, factors]
        self.view.sub_indptr = <const int64_t*>cnp.PyArray_DATA(indptr)
        self.view.sub_ids = <const int32_t*>cnp.PyArray_DATA(ids)
        self.view.dup_factor = <const float*>cnp.PyArray_DATA(factors)
        self.view.loss = loss_for(LOSSES[loss])
        if not 0 <= neg <= MAX_NEGATIVES:
            raise ValueError(f"neg (negative samples a target) must be in [0, {MAX_NEGATIVES}], got {neg}")
        self.view.neg = neg
        self.view.neg_redraw = neg_redraw
        if "ns" in loss:
            table = np.ascontiguousarray(neg_alias, dtype=np.uint64)
            if neg > 0 and (len(table) != neg_output.shape[0] or len(table) >= 1 << 31
                            or np.any((table & 0xFFFFFFFF) >= len(table))):
                raise ValueError("the negative-sampling alias table does not match the output matrix")
            keep.append(table)
            self.view.neg_alias = <const uint64_t*>cnp.PyArray_DATA(table)
            self.view.neg_words = len(table)
        if "hs" in loss:
            pind = np.ascontiguousarray(path_indptr, dtype=np.int64)
            nodes = np.ascontiguousarray(path_nodes, dtype=np.int32)
            codes = np.ascontiguousarray(path_codes, dtype=np.uint8)
            if len(pind) != ntargets + 1 or len(codes) != len(nodes) or \
                    (len(nodes) and (nodes.min() < 0 or nodes.max() >= output.shape[0])):
                raise ValueError("hierarchical-softmax paths do not match the vocabulary/output matrix")
            check_offsets(pind, len(nodes), "path_indptr", "path_nodes")
            keep += [pind, nodes, codes]
            self.view.path_indptr = <const int64_t*>cnp.PyArray_DATA(pind)
            self.view.path_nodes = <const int32_t*>cnp.PyArray_DATA(nodes)
            self.view.path_codes = <const uint8_t*>cnp.PyArray_DATA(codes)
        if loss in ("softmax", "ova") and output.shape[0] < ntargets:
            raise ValueError(f"{loss} needs one output row per target")
        if "ns" in loss and neg_output.shape[0] < ntargets:
            raise ValueError("negative sampling needs one output row per target")
        self.ntargets = ntargets
        self.view.sg = sg
        self.view.window = max(window, 0)
        self.view.shrink_windows = shrink_windows
        self.view.cbow_mean = cbow_mean
        if keep_prob is not None:
            probs = np.ascontiguousarray(keep_prob, dtype=np.float32)
            if len(probs) != vocab.shape[0]:
                raise ValueError("keep_prob needs one entry per word")
            keep.append(probs)
            self.view.keep_prob = <const float*>cnp.PyArray_DATA(probs)
        else:
            self.view.keep_prob = NULL
        self.view.compute_loss = compute_loss
        self.view.positions = NULL
        self.view.position_dims = 0
        if position_weights is not None:
            self._set_positions(position_weights, position_dims, keep)
        self._keep = keep

    def _set_positions(self, weights, dims, list keep):
        if self.view.sg:
            raise ValueError("position weights belong to CBOW: a skip-gram model has none")
        weights = np.asarray(weights)
        shape = (2 * self.view.window, self.view.dim)
        if weights.shape != shape:
            raise ValueError(f"position_weights must have shape {shape} (2 x window, dim), got {weights.shape}")
        if not weights.flags.writeable:
            raise ValueError("position_weights is read-only")
        if not np.isfinite(weights).all():
            raise ValueError("position_weights holds NaN or infinity")
        dims = self.view.dim if dims is None else dims
        if not 1 <= dims <= self.view.dim:
            raise ValueError(f"position_dims must be in [1, {self.view.dim}], got {dims}")
        self.view.positions = _ptr(weights, np.float32, "position_weights", keep)
        self.view.position_dims = dims

    @property
    def dim(self):
        return self.view.dim

    @property
    def nout(self):
        return self.view.nout


cdef class Worker:
    """One training thread's scratch vectors, random state and loss tally."""

    def __cinit__(self, KernelModel model, uint64_t seed):
        cdef int dim = model.view.dim
        # Each vector starts on its own cache line and the block is padded by a line on each
        # side: another thread's scratch must never share a line with these (false sharing).
        cdef Py_ssize_t stride = vector_stride(dim)
        cdef Py_ssize_t nscores = model.view.nout if model.view.loss == loss_for(LOSSES['softmax']) else 0
        self._keep = np.zeros(3 * stride + nscores + 3 * 16, dtype=np.float32)
        cdef size_t address = <size_t>cnp.PyArray_DATA(self._keep)
        cdef float* base = <float*>((address + 64 + 63) & ~(<size_t>63))
        self.view.hidden = base
        self.view.grad = base + stride
        self.view.acc = base + 2 * stride
        self.view.scores = base + 3 * stride
        self.view.rows_cap = 4096
        self.view.rows = <int32_t*>malloc(self.view.rows_cap * sizeof(int32_t))
        if self.view.rows == NULL:
            raise MemoryError()
        # splitmix64 of the seed so that nearby seeds give unrelated streams; never zero
        cdef uint64_t z = seed + <uint64_t>0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
        self.view.rng = (z ^ (z >> 31)) | 1
        self.view.loss = 0.0
        self.view.examples = 0
        self.view.nan_seen = False
        self.view.ndrawn = 0

    def __dealloc__(self):
        free(self.view.rows)
        free(self.view.delta)
        free(self.view.hot)
        free(self.view.hot_rows)
        free(self.view.hot_mark)
        free(self.view.slots)
        free(self.view.ring)
        free(self.view.shared)
        free(self.view.pos_local)
        free(self.view.pos_start)
        free(self.view.pos_grad)

    def hold_output_updates(self, KernelModel model, int64_t batch=16):
        """Hold this thread's output-row updates back and apply them every few examples.

        Softmax and one-vs-all update every output row for every example; threads doing so at
        once pass the whole matrix between their caches for each example, and two threads ran 3x
        slower than one. Held back for ``batch`` examples, the rows move between caches
        that much less often; a thread's own last updates are then missing from at most that
        many of its next examples (the other threads' are as late as under Hogwild anyway).
        """
        cdef size_t size = <size_t>(model.view.nout * model.view.dim)
        if self.view.delta == NULL:
            self.view.delta = <float*>calloc(size, sizeof(float))
            if self.view.delta == NULL:
                raise MemoryError()
        self.view.pending = 0
        self.view.hold = max(batch, 1)

    def hold_input_updates(self, KernelModel model, int64_t rows, int64_t batch=8):
        """Hold this thread's updates of input rows ``[0, rows)`` back and apply them every ``batch`` lines.

        A classifier updates every input row of a line, and a dictionary's first rows are its most
        frequent words ("the" is in nearly every line): threads writing them at once pass their
        cache lines back and forth for each line, and two threads trained little faster than
        one. Held back, those rows move between caches once a batch; this thread reads them with
        its own held updates added, so only the other threads see them late (as under Hogwild).
        """
        rows = max(0, min(rows, model.view.input.nrows))
        free(self.view.hot)
        free(self.view.hot_rows)
        free(self.view.hot_mark)
        self.view.hot = <float*>calloc(max(rows * model.view.dim, 1), sizeof(float))
        self.view.hot_rows = <int32_t*>malloc(max(rows, 1) * sizeof(int32_t))
        self.view.hot_mark = <uint8_t*>calloc(max(rows, 1), sizeof(uint8_t))
        self.view.nhot = 0
        self.view.nhot_rows = 0
        self.view.hot_pending = 0
        if self.view.hot == NULL or self.view.hot_rows == NULL or self.view.hot_mark == NULL:
            raise MemoryError()
        self.view.nhot = rows
        self.view.hot_hold = max(batch, 1)

    @property
    def nan_seen(self) -> bool:
        return self.view.nan_seen

    @property
    def nan_lr(self) -> float:
        """The learning rate of the line where training met a NaN (meaningful once ``nan_seen``)."""
        return self.view.nan_lr

    def take_loss(self):
        """Return and reset ``(loss sum, examples)`` accumulated since the last call."""
        result = (self.view.loss, self.view.examples)
        self.view.loss = 0.0
        self.view.examples = 0
        return result

    cdef int reserve(self, KernelModel model, int64_t longest) except -1:
        """Room for lines of up to ``longest`` words (CBOW's window grows with the line)."""
        if not window_room(&model.view, &self.view, longest):
            raise MemoryError(f"no memory for a CBOW window of {model.view.window} words on lines of {longest}")
        return 0

    cdef bint diverged(self, double lr) noexcept nogil:
        """Whether the last line met a NaN; if so, remember its learning rate (fastText's error names it)."""
        if self.view.nan_seen:
            self.view.nan_lr = <float>lr
            return True
        return False

    cdef int64_t train_words(self, KernelModel model, int32_t* ids, int64_t n, double lr) noexcept nogil:
        """Subsample a line of word ids in place and train on it at ``lr``: the words kept, or -1
        when training diverged."""
        cdef int64_t kept = subsample(&model.view, &self.view, ids, n)
        train_line(&model.view, &self.view, ids, kept, <float>lr)
        return -1 if self.diverged(lr) else kept

    def train_batch(self, KernelModel model, const int32_t[::1] ids, const int64_t[::1] bounds,
                    double alpha, double alpha_step, double min_alpha, long long[::1] stop):
        """Train on sentences ``ids[bounds[k]:bounds[k+1]]`` (GIL released).

        The learning rate starts at ``alpha`` and falls by ``alpha_step`` per word (not below
        ``min_alpha``). Returns ``(effective_words, words)``: words kept by subsampling, words seen.
        """
        cdef Py_ssize_t nsent = bounds.shape[0] - 1, s
        cdef int64_t start, length, kept, effective = 0, seen = 0
        cdef int64_t longest = 0
        _check_flag(stop, "stop")
        check_offsets(bounds, ids.shape[0], "bounds", "ids")
        for s in range(nsent):
            longest = max(longest, bounds[s + 1] - bounds[s])
        scratch = np.empty(max(longest, 1), dtype=np.int32)
        cdef int32_t[::1] buf = scratch
        self.reserve(model, longest)
        cdef double lr
        if ids.shape[0] and (np.min(ids) < 0 or np.max(ids) >= model.view.input.split):
            raise ValueError("word ids outside the vocabulary")
        with nogil:
            for s in range(nsent):
                if stop[0]:
                    break
                start = bounds[s]
                length = bounds[s + 1] - start
                if length == 0:
                    continue
                memcpy(&buf[0], &ids[start], length * sizeof(int32_t))
                lr = alpha - alpha_step * seen
                if lr < min_alpha:
                    lr = min_alpha
                kept = self.train_words(model, &buf[0], length, lr)
                if kept < 0:
                    break
                effective += kept
                seen += length
        return effective, seen

    def train_shard(self, KernelModel model, ShardReader reader, long long[::1] counter, long long budget,
                    double alpha, double min_alpha, Py_ssize_t max_line, long long[::1] stop,
                    double[::1] board=None, long long until=-1):
        """Train on every line of ``reader`` (GIL released), with a learning rate set per line
        from the shared word ``counter`` (``alpha`` at 0 to ``min_alpha`` at ``budget``).

        ``until`` >= 0 also stops the worker, before its next line, once ``counter`` has reached
        it: how fastText's threads stop on a wrapping reader. ``board``, if given, receives this
        worker's running ``(loss sum, examples)`` after each line, for progress displays.
        Returns ``(lines, effective_words, words, raw_tokens)``.
        """
        cdef double* slot = &board[0] if board is not None and board.shape[0] >= 2 else NULL
        _check_flag(stop, "stop")
        _check_counter(counter)
        if max_line < 1:
            raise ValueError(f"max_line must be >= 1, got {max_line}")
        if len(reader.table) > model.view.input.split:
            raise ValueError(f"the reader's word table has {len(reader.table)} words, the model {model.view.input.split}")
        scratch = np.empty(max_line, dtype=np.int32)
        cdef int32_t[::1] buf = scratch
        self.reserve(model, max_line)
        cdef Py_ssize_t n
        cdef long long raw = 0, done
        cdef int64_t kept, lines = 0, effective = 0, seen = 0
        cdef double lr, progress
        with nogil:
            while not stop[0]:
                if until >= 0 and gftx_atomic_load(&counter[0]) >= until:
                    break
                n = reader.next_line(&buf[0], max_line, &raw)
                if n < 0:
                    break
                lines += 1
                if n == 0:
                    continue
                done = gftx_atomic_add(&counter[0], n) - n
                progress = (<double>done) / budget if budget > 0 else 1.0
                lr = alpha + (min_alpha - alpha) * progress
                if lr < min_alpha:
                    lr = min_alpha
                kept = self.train_words(model, &buf[0], n, lr)
                if kept < 0:
                    break
                effective += kept
                seen += n
                if slot != NULL:
                    slot[0] = self.view.loss
                    slot[1] = <double>self.view.examples
        return lines, effective, seen, raw


    def train_lines(self, KernelModel model, const int64_t[::1] row_indptr, const int32_t[::1] rows,
                    const int64_t[::1] label_indptr, const int32_t[::1] labels, const int32_t[::1] tokens,
                    Py_ssize_t start, long long[::1] counter, long long budget, double alpha, double min_alpha,
                    long long[::1] stop, double[::1] board=None):
        """Supervised training over encoded lines (see :meth:`gensim_ftx.text._lines.LineReader.encode`),
        GIL released: from line ``start`` on, wrapping at the end, as fastText's threads stream the
        file from their offsets, until the shared token ``counter`` reaches ``budget``. The learning
        rate falls from ``alpha`` to ``min_alpha`` with the counter. Returns ``(lines, tokens)``.
        """
        cdef Py_ssize_t nlines = tokens.shape[0], line = start
        cdef double* slot = &board[0] if board is not None and board.shape[0] >= 2 else NULL
        cdef long long done, count
        cdef int64_t seen = 0, trained = 0
        cdef double lr
        _check_flag(stop, "stop")
        _check_counter(counter)
        if row_indptr.shape[0] != nlines + 1 or label_indptr.shape[0] != nlines + 1:
            raise ValueError("line tables differ in length")
        check_offsets(row_indptr, rows.shape[0], "row_indptr", "rows")
        check_offsets(label_indptr, labels.shape[0], "label_indptr", "labels")
        if rows.shape[0] and (np.min(rows) < 0 or np.max(rows) >= model.view.input.nrows):
            raise ValueError("input rows outside the input matrix")
        if labels.shape[0] and (np.min(labels) < 0 or np.max(labels) >= model.ntargets):
            raise ValueError(f"labels outside the {model.ntargets} targets of the model")
        if nlines == 0:
            return 0, 0
        if not 0 <= start < nlines:
            raise ValueError(f"start must be a line in [0, {nlines}), got {start}")
        with nogil:
            while not stop[0]:
                count = tokens[line] if tokens[line] > 0 else 1  # an empty file must still end
                done = gftx_atomic_add(&counter[0], count) - count
                if done >= budget:
                    break
                lr = alpha + (min_alpha - alpha) * ((<double>done) / budget)
                supervised_line(&model.view, &self.view, &rows[row_indptr[line]],
                                row_indptr[line + 1] - row_indptr[line], &labels[label_indptr[line]],
                                label_indptr[line + 1] - label_indptr[line], <float>lr)
                if self.diverged(lr):
                    break
                if self.view.delta != NULL:
                    self.view.pending += 1
                    if self.view.pending >= self.view.hold:
                        flush_output(&model.view, &self.view)
                if self.view.nhot:
                    self.view.hot_pending += 1
                    if self.view.hot_pending >= self.view.hot_hold:
                        flush_input(&model.view, &self.view)
                trained += 1
                seen += count
                if slot != NULL:
                    slot[0] = self.view.loss
                    slot[1] = <double>self.view.examples
                line += 1
                if line == nlines:
                    line = 0
            flush_output(&model.view, &self.view)
            flush_input(&model.view, &self.view)
        return trained, seen


def encode_sentences(list sentences, key_to_index, int eos_id=-1, Py_ssize_t max_line=10000):
    """Turn token lists into word ids for :meth:`Worker.train_batch`.

    ``key_to_index`` is a ``dict``, a compact :class:`~gensim_ftx.text.vocab.KeyToIndex` (looked up
    in C) or any mapping. Unknown tokens are dropped; ``eos_id`` >= 0 is appended to every
    sentence; sentences longer than ``max_line`` ids are split. Returns ``(ids, bounds,
    raw_words)`` where ``raw_words`` counts every token given (plus the end-of-sentence tokens).
    """
    cdef list ids = []
    cdef list bounds = [0]
    cdef Py_ssize_t raw = 0, since_bound = 0
    cdef object index
    cdef dict table = key_to_index if type(key_to_index) is dict else None
    cdef KeyStore store = None
    cdef int64_t position, limit = 0
    compact = compact_store(key_to_index)
    if compact is not None:
        store, limit = compact
    for sentence in sentences:
        for token in sentence:
            raw += 1
            if table is not None:
                index = table.get(token)
            elif store is not None:
                position = store.find_object(token)
                index = position if 0 <= position < limit else None
            else:
                index = key_to_index.get(token)
            if index is None:
                continue
            ids.append(index)
            since_bound += 1
            if since_bound == max_line:
                bounds.append(len(ids))
                since_bound = 0
        if eos_id >= 0:
            raw += 1
            ids.append(eos_id)
            since_bound += 1
        if since_bound:
            bounds.append(len(ids))
            since_bound = 0
    return np.asarray(ids, dtype=np.int32), np.asarray(bounds, dtype=np.int64), raw
