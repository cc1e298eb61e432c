# Training kernels: shared model view, per-thread state, and the loss interface.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

cdef struct ModelView
cdef struct WorkerView

# The loss interface: add alpha-weighted output rows to w.grad, update them, return the loss.
ctypedef float (*LossFn)(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil


cdef struct ModelView:
    # input side: fastText ids below nwords index `vocab`, the rest `ngrams`
    float* vocab
    float* ngrams
    int64_t nwords
    int64_t nngrams
    int dim
    const int64_t* sub_indptr
    const int32_t* sub_ids
    const float* dup_factor       # sum of squared row multiplicities / rows, per word
    # output side
    float* output                 # hs nodes or softmax words (or ns words)
    float* neg_output             # negative sampling's output rows
    int64_t nout
    LossFn loss
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
    const float* keep_prob        # NULL: no subsampling
    bint compute_loss


cdef struct WorkerView:
    # Padded on both sides: the views of two threads must not share a cache line.
    char pad_front[64]
    float* hidden
    float* grad
    float* acc
    float* scores                 # softmax: one per output row
    int32_t* rows                 # CBOW: gathered subword ids
    int64_t rows_cap
    uint64_t rng
    int32_t drawn[32]             # ns: negatives drawn (and their rows requested) one call ahead
    const int32_t* targets        # one-vs-all: every label of the line is a positive
    int64_t ntargets
    float* delta                  # dense-output losses with threads: output updates held back, or NULL
    int64_t pending               # examples whose output updates wait in delta
    int64_t hold                  # ... applied every this many examples
    int ndrawn
    double loss
    int64_t examples
    bint nan_seen
    float nan_lr                  # the learning rate of the line where training diverged
    char pad_back[64]


cdef float ns_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil
cdef float hs_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil
cdef float softmax_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil
cdef float ova_loss(const ModelView* m, WorkerView* w, int32_t target, float lr) noexcept nogil

cdef LossFn loss_function(int code) noexcept nogil
cdef void flush_output(const ModelView* m, WorkerView* w) noexcept nogil

cdef int64_t subsample(const ModelView* m, WorkerView* w, int32_t* ids, int64_t n) noexcept nogil
cdef void train_line(const ModelView* m, WorkerView* w, const int32_t* ids, int64_t n, float lr) noexcept nogil
cdef void supervised_line(const ModelView* m, WorkerView* w, const int32_t* rows, int64_t n,
                          const int32_t* labels, int64_t nlabels, float lr) noexcept nogil
