# cython: language_level=3
"""Counting the words of a corpus with fastText's tokenisation, without the GIL.

:func:`count_words` builds the vocabulary counts of a file in one streaming pass (fastText's
``Dictionary::readFromFile``); :class:`TokenCounter` counts text given in pieces (a partition of a
corpus) and merges in corpus order, so distributed counting equals one pass.
"""
import os

import numpy as np

from gensim_ftx._checks import check_spans

cimport cython
cimport numpy as cnp
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.limits cimport LLONG_MAX
from libc.stdint cimport int64_t
from libc.string cimport memcpy
from libcpp.vector cimport vector

from gensim_ftx.text._corpus cimport stream_close, stream_open
from gensim_ftx.text._tokens cimport TOK_NEWLINE, TOK_WORD, TokenStream, next_token
from gensim_ftx.text._vocab cimport KeyStore

from gensim_ftx.text._corpus import DEFAULT_MAX_TOKEN_BYTES

cnp.import_array()

# count_words streams one file, so it reads more at once than a shard reader (one a thread)
cdef Py_ssize_t COUNT_BUFFER_BYTES = 4 << 20
cdef const unsigned char* EOS_WORD = <const unsigned char*>b"</s>"


@cython.final
cdef class _Counter:
    """Growing word -> count table; words are numbered in order of first sight."""
    cdef KeyStore store
    cdef vector[int64_t] counts

    def __cinit__(self):
        self.store = KeyStore()
        self.store.reserve(1 << 15, 1 << 18)

    cdef int add(self, const unsigned char* word, Py_ssize_t n, int64_t count=1) except -1 nogil:
        cdef int64_t wid = self.store.find(word, n)
        if wid >= 0:
            self.counts[wid] += count
        else:
            self.store.push(word, n)
            self.counts.push_back(count)
        return 0

    cdef int add_all(self, _Counter other) except -1 nogil:
        """Add ``other``'s counts; its new words follow ours in its order of first sight."""
        cdef const unsigned char* arena = other.store.arena.data()
        cdef const int64_t* offsets = other.store.offsets.data()
        cdef Py_ssize_t i
        for i in range(other.store.size()):
            self.add(arena + offsets[i], offsets[i + 1] - offsets[i], other.counts[i])
        return 0

    cdef list words(self):
        cdef Py_ssize_t i
        cdef const char* arena = <const char*>self.store.arena.data()
        cdef const int64_t* offsets = self.store.offsets.data()
        return [PyBytes_FromStringAndSize(arena + offsets[i], offsets[i + 1] - offsets[i])
                for i in range(self.store.size())]

    cdef object count_array(self):
        cdef Py_ssize_t n = self.store.size()
        counts = np.empty(n, dtype=np.int64)
        if n:
            memcpy(cnp.PyArray_DATA(counts), self.counts.data(), n * sizeof(int64_t))
        return counts


cdef int count_tokens(TokenStream* s, _Counter counter, vector[unsigned char]* scratch, bint eos,
                      Py_ssize_t max_token_bytes, long long* ntokens, long long* newlines,
                      long long pause_at=LLONG_MAX) except -1 nogil:
    """Count the tokens of ``s`` into ``counter`` (one ``</s>`` a newline in ``eos`` mode) up to the
    end (returns 0) or until ``ntokens`` reaches ``pause_at`` (returns 1; call again to go on)."""
    cdef const unsigned char* tok = NULL
    cdef Py_ssize_t n = 0
    cdef long long offset = 0
    cdef int kind
    while True:
        kind = next_token(s, scratch, max_token_bytes, &tok, &n, &offset)
        if kind == TOK_WORD:
            counter.add(tok, n)
            ntokens[0] += 1
        elif kind == TOK_NEWLINE:
            newlines[0] += 1
            if eos:
                counter.add(EOS_WORD, 4)
                ntokens[0] += 1
        else:
            return 0
        if ntokens[0] >= pause_at:
            return 1


def count_words(path, *, bint eos=True, Py_ssize_t max_token_bytes=DEFAULT_MAX_TOKEN_BYTES, progress=None,
                long long progress_every=1000000):
    """Count every token of a text file in one streaming pass, with fastText's tokenisation.

    Parameters
    ----------
    path : str or os.PathLike
        The corpus; read in 4 MiB chunks, so lines of any length take no extra memory.
    eos : bool
        Count one ``</s>`` for every newline (after the word the newline ends), as fastText does.
    max_token_bytes : int
        A longer token still counts as one token, but only its first ``max_token_bytes`` bytes
        are kept as the word (so binary garbage without separators cannot exhaust memory).
        :class:`ShardReader` applies the same cut before looking words up.
    progress : callable, optional
        Called as ``progress(ntokens)`` each time another ``progress_every`` tokens have been
        read (fastText's ``Read NM words`` while reading).
    progress_every : int
        Tokens between two ``progress`` calls.

    Returns
    -------
    words : list of bytes
        Distinct words in order of first occurrence.
    counts : numpy.ndarray of int64
        ``counts[i]`` is the number of occurrences of ``words[i]``.
    ntokens : int
        Total number of tokens, ``</s>`` included; equals ``counts.sum()``.

    Raises
    ------
    OSError
        If the file cannot be opened or read (``FileNotFoundError`` when it does not exist).
    """
    if max_token_bytes < 1:
        raise ValueError(f"max_token_bytes must be >= 1, got {max_token_bytes}")
    if progress_every < 1:
        raise ValueError(f"progress_every must be >= 1, got {progress_every}")
    path = os.fspath(path)
    cdef TokenStream s
    s.fd = -1
    s.buf = NULL
    stream_open(&s, path, COUNT_BUFFER_BYTES)
    cdef _Counter counter = _Counter()
    cdef vector[unsigned char] scratch
    cdef long long ntokens = 0, newlines = 0
    cdef long long pause_at = progress_every if progress is not None else LLONG_MAX
    cdef int paused = 1
    try:
        while paused:
            with nogil:
                paused = count_tokens(&s, counter, &scratch, eos, max_token_bytes, &ntokens, &newlines, pause_at)
            if s.err:
                raise OSError(s.err, os.strerror(s.err), path)
            if paused:
                progress(ntokens)
                pause_at += progress_every
    finally:
        stream_close(&s)
    return counter.words(), counter.count_array(), ntokens


@cython.final
cdef class TokenCounter:
    """Token counts of a text given in pieces, with fastText's tokenisation (as :func:`count_words`).

    The counter behind distributed vocabulary counting: each partition of a corpus is counted
    into its own ``TokenCounter`` and the counters are merged in corpus order, so the words,
    their order of first occurrence and the counts equal one pass over the whole corpus.
    Counters pickle compactly (the words' bytes back to back).

    Parameters
    ----------
    eos : bool, keyword-only
        Count one ``</s>`` for every newline.
    max_token_bytes : int, keyword-only
        Longer tokens keep only their first ``max_token_bytes`` bytes (see :func:`count_words`).
    """
    cdef _Counter counter
    cdef vector[unsigned char] scratch
    cdef readonly bint eos
    cdef readonly Py_ssize_t max_token_bytes
    cdef readonly long long ntokens
    cdef readonly long long newlines
    cdef readonly bint open_line  # bytes after the last newline seen (a last line without one)

    def __cinit__(self, *, bint eos=True, Py_ssize_t max_token_bytes=DEFAULT_MAX_TOKEN_BYTES):
        if max_token_bytes < 1:
            raise ValueError(f"max_token_bytes must be >= 1, got {max_token_bytes}")
        self.counter = _Counter()
        self.eos = eos
        self.max_token_bytes = max_token_bytes

    @property
    def nlines(self) -> int:
        """Lines seen, a last line without a newline included (as a file's line count)."""
        return self.newlines + self.open_line

    def __len__(self) -> int:
        return self.counter.store.size()

    def update(self, const unsigned char[::1] data not None):
        """Count the tokens of ``data`` (bytes-like). A piece must end where a token ends (at a
        separator or the end of the text): a token split between two pieces counts as two."""
        cdef TokenStream s
        cdef Py_ssize_t n = data.shape[0]
        if n == 0:
            return
        s.fd = -1
        s.buf = <unsigned char*>&data[0]  # read only: a memory stream never writes its buffer
        s.cap = n
        s.len = n
        s.pos = 0
        s.buf_offset = 0
        s.err = 0
        with nogil:
            count_tokens(&s, self.counter, &self.scratch, self.eos, self.max_token_bytes, &self.ntokens,
                         &self.newlines)
        self.open_line = data[n - 1] != b'\n'

    def merge(self, TokenCounter other not None):
        """Add ``other`` (the text that follows ours): its new words come after ours."""
        if other.eos != self.eos:
            raise ValueError("cannot merge counters with different eos settings")
        with nogil:
            self.counter.add_all(other.counter)
        self.ntokens += other.ntokens
        self.newlines += other.newlines
        if other.newlines or other.open_line:  # other holds text: its end is the end
            self.open_line = other.open_line
        return self

    def result(self) -> tuple:
        """``(words, counts, ntokens)`` as :func:`count_words` returns them."""
        return self.counter.words(), self.counter.count_array(), self.ntokens

    def __reduce__(self):
        words, counts, _ = self.result()
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        state = (b"".join(words), lengths, counts, self.ntokens, self.newlines, self.open_line)
        return _restore_counter, (self.eos, self.max_token_bytes, state)


def _restore_counter(bint eos, Py_ssize_t max_token_bytes, tuple state) -> TokenCounter:
    # a pickle is outside data: its lengths are checked against its blob before they are read
    if len(state) != 6:
        raise ValueError(f"a TokenCounter pickle holds 6 fields, this one {len(state)}")
    cdef TokenCounter counter = TokenCounter(eos=eos, max_token_bytes=max_token_bytes)
    cdef const unsigned char[::1] blob = state[0]
    cdef const int64_t[::1] lengths = state[1]
    cdef const int64_t[::1] counts = state[2]
    cdef Py_ssize_t i, start = 0
    if counts.shape[0] != lengths.shape[0]:
        raise ValueError(f"a TokenCounter pickle has {lengths.shape[0]} words but {counts.shape[0]} counts")
    ends = np.cumsum(lengths, dtype=np.int64)
    check_spans(ends - np.asarray(lengths), ends, blob.shape[0], "TokenCounter pickle word")
    cdef const unsigned char* base = &blob[0] if blob.shape[0] else <const unsigned char*>b""
    for i in range(lengths.shape[0]):
        counter.counter.store.push(base + start, lengths[i])
        counter.counter.counts.push_back(counts[i])
        start += lengths[i]
    counter.ntokens, counter.newlines, counter.open_line = state[3], state[4], state[5]
    return counter
