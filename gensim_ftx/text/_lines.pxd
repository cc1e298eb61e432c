# fastText's supervised line reading (Dictionary::getLine): tokens to input rows and labels.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libcpp.vector cimport vector

from gensim_ftx.text._subwords cimport SubwordHasher, SubwordSpec
from gensim_ftx.text._vocab cimport KeyStore

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #include <vector>
    /* What the reader made of a token, remembered: text repeats its tokens (Zipf), and an unknown
       word costs a dictionary probe, a label probe and some 20 n-gram hashes and pruning lookups.
       A hit appends the same rows in the same order, so results do not change. */
    struct gftx_token_entry {
        uint64_t key_hash;
        uint32_t key_at, key_len;   /* the token's bytes in keys */
        uint32_t rows_at, nrows;    /* its input rows in rows */
        int32_t gold;               /* >= 0: a known label; -1: a word (known or not); -2: an unknown label */
        int32_t hash;               /* fastText's FNV-1a hash of the token, for word n-grams */
    };
    struct gftx_token_cache {
        std::vector<int32_t> slots;            /* entry index + 1; 0 empty */
        std::vector<gftx_token_entry> entries;
        std::vector<unsigned char> keys;
        std::vector<int32_t> rows;
        static const uint32_t MAX_TOKEN = 64;  /* longer tokens are rare and unique: not kept */
        static const size_t MAX_ENTRIES = 1 << 18, MAX_ROWS = 1 << 22, MAX_KEYS = 1 << 23;

        static uint64_t hash(const unsigned char* s, size_t n) {
            if (n > MAX_TOKEN) return 0;  /* never kept: not worth hashing */
            uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
            while (n >= 8) { memcpy(&w, s, 8); h = (h ^ w) * 0xFF51AFD7ED558CCDULL; h ^= h >> 32; s += 8; n -= 8; }
            w = 0;
            memcpy(&w, s, n);
            h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
            return h ^ (h >> 29);
        }
        const gftx_token_entry* find(const unsigned char* s, size_t n, uint64_t h) const {
            if (slots.empty() || n > MAX_TOKEN) return NULL;
            size_t mask = slots.size() - 1, i = (size_t)(h >> 20) & mask;
            for (;; i = (i + 1) & mask) {
                int32_t e = slots[i];
                if (e == 0) return NULL;
                const gftx_token_entry& entry = entries[e - 1];
                if (entry.key_hash == h && entry.key_len == n && same(&keys[entry.key_at], s, n))
                    return &entry;
            }
        }
        static bool same(const unsigned char* a, const unsigned char* b, size_t n) {
            uint64_t x, y;  /* tokens are short: 8 bytes a step, no call to memcmp */
            for (; n >= 8; a += 8, b += 8, n -= 8) {
                memcpy(&x, a, 8); memcpy(&y, b, 8);
                if (x != y) return false;
            }
            for (; n; a++, b++, n--) if (*a != *b) return false;
            return true;
        }
        void clear() { slots.clear(); entries.clear(); keys.clear(); rows.clear(); }
        void insert(const unsigned char* s, size_t n, uint64_t h, const int32_t* r, size_t nr, int32_t gold,
                    int32_t fnv) {
            if (n > MAX_TOKEN) return;
            try { add(s, n, h, r, nr, gold, fnv); } catch (...) { clear(); }  /* out of memory: forget */
        }
        void add(const unsigned char* s, size_t n, uint64_t h, const int32_t* r, size_t nr, int32_t gold,
                 int32_t fnv) {
            if (entries.size() >= MAX_ENTRIES || rows.size() + nr > MAX_ROWS || keys.size() + n > MAX_KEYS) clear();
            if (2 * (entries.size() + 1) > slots.size()) grow();
            gftx_token_entry entry = {h, (uint32_t)keys.size(), (uint32_t)n, (uint32_t)rows.size(), (uint32_t)nr,
                                      gold, fnv};
            keys.insert(keys.end(), s, s + n);
            rows.insert(rows.end(), r, r + nr);
            entries.push_back(entry);
            size_t mask = slots.size() - 1, i = (size_t)(h >> 20) & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = (int32_t)entries.size();
        }
        void grow() {
            size_t size = slots.empty() ? 4096 : 2 * slots.size();
            slots.assign(size, 0);
            for (size_t e = 0; e < entries.size(); e++) {
                size_t i = (size_t)(entries[e].key_hash >> 20) & (size - 1);
                while (slots[i] != 0) i = (i + 1) & (size - 1);
                slots[i] = (int32_t)(e + 1);
            }
        }
    };
    """
    cdef cppclass token_entry "gftx_token_entry":
        uint32_t rows_at
        uint32_t nrows
        int32_t gold
        int32_t hash
    cdef cppclass TokenCache "gftx_token_cache":
        vector[int32_t] rows
        @staticmethod
        uint64_t hash(const unsigned char* s, size_t n) noexcept nogil
        const token_entry* find(const unsigned char* s, size_t n, uint64_t h) noexcept nogil
        void insert(const unsigned char* s, size_t n, uint64_t h, const int32_t* r, size_t nr, int32_t gold,
                    int32_t fnv) noexcept nogil
        void clear() noexcept nogil


cdef struct LineIds:
    vector[int32_t] rows          # input rows: words' subwords, then word n-grams
    vector[int32_t] gold          # known labels
    vector[int32_t] hashes        # the words' FNV-1a hashes, kept as int32 as fastText does
    vector[unsigned char] scratch
    int64_t tokens                # every token read, labels, unknown words and </s> included
    TokenCache cache              # tokens already read through these buffers


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
