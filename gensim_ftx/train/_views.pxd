# What the kernels and the losses work on: the model's view, a thread's view, the loss interface
# (training's forward step and prediction's ranking, one struct a loss) and the per-thread random
# numbers. Declarations and inline helpers only: every module of the engine cimports this file.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libcpp.vector cimport vector

from .._vector cimport MatrixView, SplitRows, split_row

cdef extern from *:
    """
    #include <algorithm>
    #include <utility>
    #include <vector>
    typedef std::pair<float, int32_t> gftx_scored;
    /* fastText ranks (log-probability, label) pairs in a heap whose front is the worst kept. */
    static inline bool gftx_worse_first(const gftx_scored& a, const gftx_scored& b) {
        return a.first > b.first;
    }
    static inline void gftx_keep_best(std::vector<gftx_scored>& heap, float score, int32_t id, size_t k) {
        heap.push_back(gftx_scored(score, id));
        std::push_heap(heap.begin(), heap.end(), gftx_worse_first);
        if (heap.size() > k) {
            std::pop_heap(heap.begin(), heap.end(), gftx_worse_first);
            heap.pop_back();
        }
    }
    static inline void gftx_rank(std::vector<gftx_scored>& heap) {
        std::sort_heap(heap.begin(), heap.end(), gftx_worse_first);
    }
    """
    cdef cppclass scored "gftx_scored":
        float first
        int32_t second
    void keep_best "gftx_keep_best"(vector[scored]& heap, float score, int32_t id, size_t k) noexcept nogil
    void rank "gftx_rank"(vector[scored]& heap) noexcept nogil


cdef struct ModelView
cdef struct WorkerView
cdef struct RankView

# Training: the loss at ``targets[index]`` (one-vs-all: every target is a positive) for the hidden
# vector in ``w.hidden``; adds the gradient to ``w.grad``, updates the output rows, returns the loss.
ctypedef float (*ForwardFn)(const ModelView* m, WorkerView* w, const int32_t* targets, int64_t ntargets,
                            int64_t index, float lr) noexcept nogil
# Prediction: push the (log-probability, label) pairs of the best ``k`` labels at or above
# ``threshold`` for ``hidden`` onto ``heap`` (unordered); ``scratch`` is the caller's buffer.
ctypedef void (*RankFn)(const RankView* r, const float* hidden, size_t k, float threshold,
                        vector[scored]* heap, vector[float]* scratch) noexcept nogil


cdef struct Loss:
    const char* name
    ForwardFn forward
    RankFn rank           # NULL: the loss ranks no labels (gensim's 'hs+ns')


cdef struct ModelView:
    SplitRows input               # fastText ids below nwords are the words' rows, the rest n-grams'
    int dim
    const int64_t* sub_indptr
    const int32_t* sub_ids
    const float* dup_factor       # sum of squared row multiplicities / rows, per word
    # output side
    float* output                 # hs nodes or softmax words (or ns words)
    float* neg_output             # negative sampling's output rows
    int64_t nout
    const Loss* loss
    int neg
    const uint64_t* neg_alias     # alias table over the ns output rows (see alias_table)
    int64_t neg_words
    bint neg_redraw               # fastText redraws a negative equal to the target; gensim skips it
    const int64_t* path_indptr    # hierarchical softmax: nodes and codes per word
    const int32_t* path_nodes
    const uint8_t* path_codes
    # context
    bint sg
    int window
    bint shrink_windows
    bint cbow_mean                # else gensim's sum mode, which also divides the gradient by the rows
    float* positions              # position-weighted CBOW: a weight vector per window offset
                                  # (2 x window rows of dim: -window..-1, then 1..window), or NULL
    int position_dims             # ... of which the first position_dims columns are trained
    const float* keep_prob        # NULL: no subsampling
    bint compute_loss


cdef enum:
    SIGN_BITS_LOG2 = 12           # CBOW's row signatures: 4096 bits, ...
    SIGN_WORDS = 64               # ... in 64 words


cdef struct Slot:
    # CBOW: a word of the sliding window (see _window.cbow_line)
    int32_t word
    int32_t count                 # its subword rows
    int64_t begin                 # its subword ids, sorted, at WorkerView.rows[begin:begin + count]
    bint touched                  # it has received a gradient since it entered
    uint64_t sign[SIGN_WORDS]     # a bit per row id (hashed): two words whose bits do not meet share no row


cdef struct WorkerView:
    # Padded on both sides: the views of two threads must not share a cache line.
    char pad_front[64]
    float* hidden
    float* grad
    float* acc
    float* scores                 # softmax: one per output row
    int32_t* rows                 # CBOW: the line's subword ids, sorted a word at a time
    int64_t rows_cap
    # CBOW's sliding window, a ring of ``ring_cap`` slots: a slot's words and, per slot, the current
    # sum of its rows then its pending gradient (2 x vector_stride floats), and the rows shared by
    # two slots (ring_cap x ring_cap)
    Slot* slots
    float* ring
    float* shared
    int64_t ring_cap
    # position-weighted CBOW: this thread's copy of the weights (trained during a line, added to the
    # shared ones at its end), the copy as the line started, and per slot the gradient its rows get
    float* pos_local
    float* pos_start
    float* pos_grad
    int64_t pos_rows              # rows of pos_local / pos_start
    uint64_t rng
    int32_t drawn[32]             # ns: negatives drawn (and their rows requested) one call ahead
    float* delta                  # dense-output losses with threads: output updates held back, or NULL
    int64_t pending               # examples whose output updates wait in delta
    int64_t hold                  # ... applied every this many examples
    float* hot                    # classifier with threads: updates of input rows [0, nhot) held back, or NULL
    int32_t* hot_rows             # ... the rows whose updates wait in hot
    uint8_t* hot_mark             # ... 1 for those rows
    int64_t nhot
    int64_t nhot_rows
    int64_t hot_pending           # examples whose input updates wait in hot
    int64_t hot_hold              # ... applied every this many examples
    int ndrawn
    double loss
    int64_t examples
    bint nan_seen
    float nan_lr                  # the learning rate of the line where training diverged
    char pad_back[64]


cdef struct RankView:
    # what ranking reads: the output matrix (dense or quantised), read-only
    MatrixView output
    const float* output_t         # dense output transposed (dim x nlabels), or NULL
    int32_t nlabels
    const int32_t* left           # hierarchical softmax: children of the 2 * nlabels - 1 tree nodes
    const int32_t* right


cdef inline Py_ssize_t vector_stride(int dim) noexcept nogil:
    """Floats a thread's scratch vector takes: ``dim`` rounded up to whole 64-byte cache lines."""
    return (dim + 15) // 16 * 16


cdef inline float* input_row(const ModelView* m, int64_t row) noexcept nogil:
    """A writable input row (the caller has checked ``row``)."""
    return <float*>split_row(&m.input, row)


cdef inline uint64_t next_random(WorkerView* w) noexcept nogil:
    # xorshift64*: fast, per thread, good enough for sampling and windows
    w.rng ^= w.rng >> 12
    w.rng ^= w.rng << 25
    w.rng ^= w.rng >> 27
    return w.rng * <uint64_t>2685821657736338717


cdef inline uint64_t scale_below(uint64_t r, uint64_t n) noexcept nogil:
    # uniform in [0, n) from r's high 32 bits, for n < 2**32: multiply-shift, not a 64-bit division
    return ((r >> 32) * n) >> 32


cdef inline uint64_t draw_below(WorkerView* w, uint64_t n) noexcept nogil:
    return scale_below(next_random(w), n)


cdef inline float uniform01(WorkerView* w) noexcept nogil:
    return (next_random(w) >> 40) * (1.0 / 16777216.0)
