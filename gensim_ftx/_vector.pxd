# The vector primitives and fastText's lookup tables every kernel uses, written once: inline, so each module that cimports
# this file compiles them with its own flags.
#
# The fast set (gftx_*) lets the compiler vectorise sums in any order and fuse multiply-adds: the
# training kernels and the composite word vectors use it. The exact set (exact_*) adds and
# multiplies in fastText's order, one float at a time: the scorer uses it, and is compiled with
# -ffp-contract=off (setup.py) so that no multiply-add is fused, which keeps its probabilities
# equal to fastText's bit for bit.
from libc.math cimport expf, logf
from libc.stdint cimport int64_t, uint8_t


cdef extern from *:
    """
    #if defined(__SSE__)
    #include <immintrin.h>
    #endif
    #include <stdint.h>
    #include <string.h>

    /* every cache line of a row: random rows defeat the hardware prefetcher */
    static inline void gftx_prefetch_read_row(const float* row, long n) {
        const char* p = (const char*)row;
        for (long off = 0; off < n * 4; off += 64) __builtin_prefetch(p + off, 0, 0);
    }

    /* A large result is written once and read later: streaming stores skip reading each
       destination line into the cache first (about a tenth of the traffic of a lookup). */
    static inline void gftx_store_row(float* dst, const float* src, long n, int stream) {
    #if defined(__SSE__)
        if (stream && ((uintptr_t)dst & 15) == 0) {
            long d = 0;
            for (; d + 4 <= n; d += 4) _mm_stream_ps(dst + d, _mm_loadu_ps(src + d));
            for (; d < n; d++) dst[d] = src[d];
            return;
        }
    #endif
        memcpy(dst, src, (size_t)n * sizeof(float));
    }

    static inline void gftx_store_fence(void) {
    #if defined(__SSE__)
        _mm_sfence();
    #endif
    }
    /* the sum of a vector's lanes, halves added to halves */
    #if defined(__SSE2__)
    static inline float gftx_fold128(__m128 h) {
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        return _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)));
    }
    #endif
    #if defined(__AVX2__)
    static inline float gftx_fold256(__m256 s) {
        return gftx_fold128(_mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1)));
    }
    #endif
    /* Two vector accumulators folded as a tree: GCC's `omp simd reduction` folded its sixteen
       lanes one after another through the stack, a chain of dependent adds on every dot product
       of the training step (about twice this version's latency at dim 100 and 300). */
    static inline float gftx_dot(const float* __restrict a, const float* __restrict b, int n) {
    #if defined(__AVX512F__)
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            s0 = _mm512_add_ps(s0, _mm512_mul_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
            s1 = _mm512_add_ps(s1, _mm512_mul_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16)));
        }
        for (; i < n; i += 16) {  /* masked lanes are never read: no load past the row */
            __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
            s1 = _mm512_add_ps(s1, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i)));
        }
        __m512 s = _mm512_add_ps(s0, s1);
        /* halves by shuffle, not by intrinsics: GCC 12's use an undefined vector and warn */
        return gftx_fold256(_mm256_add_ps(__builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7),
                                          __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15)));
    #elif defined(__AVX2__)
        static const int lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
            s1 = _mm256_add_ps(s1, _mm256_mul_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8)));
        }
        for (; i + 8 <= n; i += 8)
            s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
        if (i < n) {
            __m256i k = _mm256_loadu_si256((const __m256i*)(lanes + 8 - (n - i)));
            s1 = _mm256_add_ps(s1, _mm256_mul_ps(_mm256_maskload_ps(a + i, k), _mm256_maskload_ps(b + i, k)));
        }
        return gftx_fold256(_mm256_add_ps(s0, s1));
    #elif defined(__SSE2__)
        __m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
        }
        float s = gftx_fold128(_mm_add_ps(s0, s1));
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    #else
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    #endif
    }
    static inline void gftx_axpy(float* __restrict y, float a, const float* __restrict x, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] += a * x[i];
    }
    static inline void gftx_scale(float* __restrict y, float a, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] *= a;
    }
    /* y += a * x and z += x: one pass over x */
    static inline void gftx_axpy_add(float* __restrict y, float a, float* __restrict z,
                                     const float* __restrict x, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { y[i] += a * x[i]; z[i] += x[i]; }
    }
    /* y += a * (u * v), elementwise: position-weighted CBOW's weights meet its rows */
    static inline void gftx_mul_axpy(float* __restrict y, float a, const float* __restrict u,
                                     const float* __restrict v, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] += a * u[i] * v[i];
    }
    /* y = a * (u * v), elementwise */
    static inline void gftx_mul(float* __restrict y, float a, const float* __restrict u,
                                const float* __restrict v, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) y[i] = a * u[i] * v[i];
    }
    /* grad += alpha * out (before the update), out += alpha * hidden: one pass over out. */
    static inline void gftx_pair_update(float* __restrict grad, float* __restrict out,
                                        const float* __restrict hidden, float alpha, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { grad[i] += alpha * out[i]; out[i] += alpha * hidden[i]; }
    }
    /* grad += alpha * out, delta += alpha * hidden: the row's update held back in a private buffer */
    static inline void gftx_pair_delay(float* __restrict grad, const float* __restrict out,
                                       float* __restrict delta, const float* __restrict hidden, float alpha, int n) {
        #pragma omp simd
        for (int i = 0; i < n; i++) { grad[i] += alpha * out[i]; delta[i] += alpha * hidden[i]; }
    }
    static inline long long gftx_atomic_add(long long* p, long long v) {
        return __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
    }
    static inline long long gftx_atomic_load(const long long* p) {
        return __atomic_load_n(p, __ATOMIC_RELAXED);
    }
    static inline void gftx_prefetch(const void* p) { __builtin_prefetch(p, 1, 1); }
    /* every cache line of a row: rows are 400 bytes at dim 100, the hardware fetches one line */
    static inline void gftx_prefetch_row(const float* row, int n) {
        const char* p = (const char*)row;
        for (int off = 0; off < n * 4; off += 64) __builtin_prefetch(p + off, 1, 1);
    }
    """
    void gftx_prefetch_read_row(const float* row, long n) noexcept nogil
    void gftx_store_row(float* dst, const float* src, long n, int stream) noexcept nogil
    void gftx_store_fence() noexcept nogil
    float gftx_dot(const float* a, const float* b, int n) noexcept nogil
    void gftx_axpy(float* y, float a, const float* x, int n) noexcept nogil
    void gftx_scale(float* y, float a, int n) noexcept nogil
    void gftx_axpy_add(float* y, float a, float* z, const float* x, int n) noexcept nogil
    void gftx_mul_axpy(float* y, float a, const float* u, const float* v, int n) noexcept nogil
    void gftx_mul(float* y, float a, const float* u, const float* v, int n) noexcept nogil
    void gftx_pair_update(float* grad, float* out, const float* hidden, float alpha, int n) noexcept nogil
    void gftx_pair_delay(float* grad, const float* out, float* delta, const float* hidden, float alpha,
                         int n) noexcept nogil
    long long gftx_atomic_add(long long* p, long long v) noexcept nogil
    long long gftx_atomic_load(const long long* p) noexcept nogil
    void gftx_prefetch(const void* p) noexcept nogil
    void gftx_prefetch_row(const float* row, int n) noexcept nogil


cdef inline void exact_add(float* x, const float* row, int n) noexcept nogil:
    """``x += row``, in order (fastText's ``Vector::addRow``)."""
    cdef int j
    for j in range(n):
        x[j] += row[j]


cdef inline void exact_axpy(float* x, float a, const float* row, int n) noexcept nogil:
    """``x += a * row``, in order."""
    cdef int j
    for j in range(n):
        x[j] += a * row[j]


cdef inline float exact_dot(const float* a, const float* b, int n) noexcept nogil:
    """``sum(a[j] * b[j])`` in float32, summed in order (fastText's ``Matrix::dotRow``)."""
    cdef int j
    cdef float total = 0.0
    for j in range(n):
        total += a[j] * b[j]
    return total


cdef inline void exact_scale(float* x, float a, int n) noexcept nogil:
    """``x *= a``, in order."""
    cdef int j
    for j in range(n):
        x[j] *= a


# fastText's lookup tables (Loss::Loss): sigmoid on [-8, 8] in 512 steps, log on (0, 1]
cdef enum:
    SIGMOID_TABLE_SIZE = 512
    MAX_SIGMOID = 8
    LOG_TABLE_SIZE = 512


cdef inline void fill_sigmoid_table(float* table) noexcept nogil:
    """``table[0..512]``: fastText's ``t_sigmoid_``, in its float arithmetic (``expf``)."""
    cdef int i
    cdef float x
    for i in range(SIGMOID_TABLE_SIZE + 1):
        x = <float>(i * 2 * MAX_SIGMOID) / SIGMOID_TABLE_SIZE - MAX_SIGMOID
        table[i] = <float>(1.0 / (1.0 + <double>expf(-x)))


cdef inline void fill_log_table(float* table) noexcept nogil:
    """``table[0..512]``: fastText's ``t_log_`` (``x`` is a float of ``(i + 1e-5) / 512``, ``logf``)."""
    cdef int i
    cdef float x
    for i in range(LOG_TABLE_SIZE + 1):
        x = <float>((<double><float>i + 1e-5) / LOG_TABLE_SIZE)
        table[i] = logf(x)


cdef inline float table_sigmoid(const float* table, float x) noexcept nogil:
    """fastText's ``Loss::sigmoid``: 0 below -8, 1 above 8, else the table's entry; a NaN comes
    back as itself (for the caller's divergence check), never as an index."""
    if x < -MAX_SIGMOID:
        return 0.0
    if x > MAX_SIGMOID:
        return 1.0
    if x != x:
        return x
    return table[<int>((x + MAX_SIGMOID) * SIGMOID_TABLE_SIZE / MAX_SIGMOID / 2)]


# fastText's input matrix as gensim keeps it, in two parts: rows below ``split`` (the words) in
# ``head``, the others (the n-gram buckets) in ``tail``
cdef struct SplitRows:
    const float* head
    const float* tail
    int64_t split
    int64_t nrows
    int dim


cdef inline const float* split_row(const SplitRows* m, int64_t row) noexcept nogil:
    """Row ``row``, which the caller has checked to lie in ``[0, nrows)``."""
    if row < m.split:
        return m.head + row * m.dim
    return m.tail + (row - m.split) * m.dim


cdef inline const float* split_row_or_null(const SplitRows* m, int64_t row) noexcept nogil:
    """Row ``row``, or NULL outside ``[0, nrows)``."""
    if 0 <= row < m.nrows:
        return split_row(m, row)
    return NULL


# A model matrix as prediction reads it: dense rows (in two parts, as above) or product-quantised
# codes, decoded on the fly as fastText scores ``.ftz`` models. Exact arithmetic: its users are
# compiled without fused multiply-adds.
cdef enum:
    KSUB = 256                    # centroids per sub-quantiser


cdef struct MatrixView:
    int dim
    int64_t nrows
    SplitRows dense               # the rows when not quantised
    const uint8_t* codes          # product quantisation: nsubq codes a row
    const float* centroids
    int nsubq
    int dsub
    int lastdsub
    const uint8_t* norm_codes     # NULL unless norms are quantised too
    const float* norm_centroids


cdef inline const float* centroid(const MatrixView* m, int sub, uint8_t code) noexcept nogil:
    if sub == m.nsubq - 1:
        return m.centroids + sub * KSUB * m.dsub + code * m.lastdsub
    return m.centroids + (sub * KSUB + code) * m.dsub


cdef inline void add_row(const MatrixView* m, int64_t i, float* x) noexcept nogil:
    """``x += row i`` (fastText's ``addRowToVector``; quantised rows decoded on the fly)."""
    cdef int sub, width
    cdef const uint8_t* code
    cdef float alpha = 1.0
    if m.codes == NULL:
        exact_add(x, split_row(&m.dense, i), m.dim)
        return
    if m.norm_codes != NULL:
        alpha = m.norm_centroids[m.norm_codes[i]]
    code = m.codes + i * m.nsubq
    for sub in range(m.nsubq):
        width = m.lastdsub if sub == m.nsubq - 1 else m.dsub
        exact_axpy(x + sub * m.dsub, alpha, centroid(m, sub, code[sub]), width)


cdef inline float dot_row(const MatrixView* m, const float* x, int64_t i) noexcept nogil:
    """Row i times ``x``, summed in order in float32 as fastText's ``dotRow``/``mulcode``."""
    cdef int j, sub, width
    cdef float total = 0.0, alpha = 1.0
    cdef const float* c
    cdef const uint8_t* code
    if m.codes == NULL:
        return exact_dot(split_row(&m.dense, i), x, m.dim)
    code = m.codes + i * m.nsubq
    for sub in range(m.nsubq):
        c = centroid(m, sub, code[sub])
        width = m.lastdsub if sub == m.nsubq - 1 else m.dsub
        for j in range(width):
            total += x[sub * m.dsub + j] * c[j]
    if m.norm_codes != NULL:
        alpha = m.norm_centroids[m.norm_codes[i]]
    return total * alpha
