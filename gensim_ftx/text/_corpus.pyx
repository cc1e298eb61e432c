# cython: language_level=3
"""Corpus reading with fastText's tokenisation, on raw bytes and without the GIL.

A token is a maximal run of bytes other than space, ``\\n``, ``\\r``, ``\\t``, ``\\v``, ``\\f`` and
``\\0``; tokens are never decoded, so invalid UTF-8 and binary data are fine. Every ``\\n`` ends a
line and, in ``eos`` mode, is itself the token ``</s>`` (one per newline, empty lines included).

:func:`count_words` builds the vocabulary counts in one streaming pass, :class:`TokenCounter`
counts text given in pieces (a partition of a corpus) and merges in corpus order, :class:`WordTable` maps
words to ids, and :class:`ShardReader` turns a byte range of the file into lines of word ids for
the trainer.
"""
import os

import numpy as np

from gensim_ftx._checks import check_spans

cimport cython
cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.errno cimport EINTR, EIO, EISDIR, errno
from libc.limits cimport LLONG_MAX
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy
from libcpp.vector cimport vector
from posix.fcntl cimport O_CLOEXEC, O_RDONLY, POSIX_FADV_SEQUENTIAL, posix_fadvise
from posix.fcntl cimport open as c_open
from posix.stat cimport S_ISDIR, fstat, struct_stat
from posix.unistd cimport SEEK_SET, lseek, pread
from posix.unistd cimport close as c_close
from posix.unistd cimport read as c_read

from gensim_ftx.text._vocab cimport KeyStore

cnp.import_array()

DEFAULT_MAX_TOKEN_BYTES = 1 << 20
# count_words streams one file; a shard reader may exist per thread, so it reads less at once.
cdef Py_ssize_t COUNT_BUFFER_BYTES = 4 << 20
cdef Py_ssize_t SHARD_BUFFER_BYTES = 1 << 20
cdef const unsigned char* EOS_WORD = <const unsigned char*>b"</s>"

cdef enum TokenKind:
    TOK_END = 0
    TOK_WORD = 1
    TOK_NEWLINE = 2

SEPARATORS = b" \n\r\t\v\f\0"  # the bytes that end a token (fastText's readWord)
cdef unsigned char IS_SEP[256]
for _byte in range(256):
    IS_SEP[_byte] = _byte in SEPARATORS
del _byte


# ---------------------------------------------------------------------------------------------
# Buffered, GIL-free token stream over a file descriptor

cdef long long stream_open(TokenStream* s, object path, Py_ssize_t cap) except -1:
    """Open ``path`` for ``s`` and return the file size; raises ``OSError`` naming the path."""
    cdef bytes encoded = os.fsencode(path)
    cdef const char* cpath = encoded
    cdef struct_stat st
    cdef int fd, err = 0
    with nogil:
        fd = c_open(cpath, O_RDONLY | O_CLOEXEC)
        if fd < 0:
            err = errno
        elif fstat(fd, &st) != 0:
            err = errno
        elif S_ISDIR(st.st_mode):
            err = EISDIR
        if err and fd >= 0:
            c_close(fd)
    if err:
        # OSError picks the subclass from errno (FileNotFoundError, IsADirectoryError, ...).
        raise OSError(err, os.strerror(err), path)
    s.buf = <unsigned char*>malloc(cap)
    if s.buf == NULL:
        c_close(fd)
        raise MemoryError(f"cannot allocate a {cap}-byte read buffer for {path!r}")
    s.fd = fd
    s.cap = cap
    s.len = 0
    s.pos = 0
    s.buf_offset = 0
    s.err = 0
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)  # a hint only; failure is harmless
    return st.st_size


cdef void stream_close(TokenStream* s) noexcept nogil:
    if s.fd >= 0:
        c_close(s.fd)
        s.fd = -1
    free(s.buf)
    s.buf = NULL


cdef bint stream_seek(TokenStream* s, long long offset) noexcept nogil:
    s.pos = 0
    s.len = 0
    s.buf_offset = offset
    if lseek(s.fd, offset, SEEK_SET) < 0:
        if not s.err:
            s.err = errno
        return False
    return True


cdef bint refill(TokenStream* s) noexcept nogil:
    """Replace the (fully consumed) buffer with the next bytes; False at end of file or on error."""
    cdef ssize_t got
    s.buf_offset += s.len
    s.pos = 0
    s.len = 0
    if s.err or s.fd < 0:  # fd -1: a stream over a memory buffer (TokenCounter.update)
        return False
    while True:
        got = c_read(s.fd, s.buf, s.cap)
        if got >= 0:
            break
        if errno != EINTR:
            s.err = errno
            return False
    s.len = got
    return got > 0


cdef inline int next_token(TokenStream* s, vector[unsigned char]* scratch, Py_ssize_t max_bytes,
                           const unsigned char** tok, Py_ssize_t* n, long long* offset) noexcept nogil:
    """Read the next word or newline; sets ``offset`` to the file offset of its first byte.

    A word is returned as ``tok[0][:n[0]]``, valid until the next call: a pointer into the read
    buffer, or into ``scratch`` when the word straddles two reads. Words longer than
    ``max_bytes`` are cut to that length but still count as one word.
    """
    cdef const unsigned char* buf
    cdef Py_ssize_t i, begin, take, kept
    cdef unsigned char c
    while True:
        if s.pos >= s.len and not refill(s):
            return TOK_END
        c = s.buf[s.pos]
        if not IS_SEP[c]:
            break
        s.pos += 1
        if c == b'\n':
            offset[0] = s.buf_offset + s.pos - 1
            return TOK_NEWLINE
    offset[0] = s.buf_offset + s.pos
    buf = s.buf
    begin = s.pos
    i = begin
    while i < s.len and not IS_SEP[buf[i]]:
        i += 1
    if i < s.len:
        s.pos = i
        tok[0] = buf + begin
        n[0] = min(i - begin, max_bytes)
        return TOK_WORD
    # The word reaches the end of the buffer, so it may go on in the next read.
    scratch.clear()
    while True:
        kept = scratch.size()
        take = min(i - begin, max_bytes - kept)
        if take > 0:
            scratch.resize(kept + take)
            memcpy(scratch.data() + kept, buf + begin, take)
        s.pos = i
        if i < s.len or not refill(s):
            break
        begin = 0
        i = 0
        while i < s.len and not IS_SEP[buf[i]]:
            i += 1
    tok[0] = scratch.data()
    n[0] = scratch.size()
    return TOK_WORD


cdef void skip_partial_word(TokenStream* s) noexcept nogil:
    """Advance to the next separator (or end of file) without reading a token."""
    while True:
        if s.pos >= s.len and not refill(s):
            return
        if IS_SEP[s.buf[s.pos]]:
            return
        s.pos += 1


cdef class WordTable:
    """Read-only map from word bytes to int32 ids (the word's position in ``words``).

    Parameters
    ----------
    words : sequence of bytes
        The vocabulary; ``words[i]`` gets id ``i``. If a word occurs more than once, the last
        occurrence's id wins (earlier ids become unreachable but still count in ``len``).

    Notes
    -----
    The words live in a :class:`~gensim_ftx.text._vocab.KeyStore` (fastText's FNV-1a, words back to
    back in one buffer). :meth:`lookup` needs no GIL, so one table can serve any number of
    reader threads.
    """

    def __cinit__(self, words):
        words = list(words)
        cdef Py_ssize_t nids = len(words), i, total = 0
        cdef object w
        if nids >= 0x7FFFFFFF:
            raise ValueError(f"too many words for int32 ids: {nids}")
        for i in range(nids):
            w = words[i]
            if type(w) is not bytes:
                raise TypeError(f"words must be bytes, got {type(w).__name__} at position {i}")
            total += PyBytes_GET_SIZE(w)
        self.store = KeyStore()
        self.store.reserve(nids, total)
        for w in words:
            self.store.push(<const unsigned char*>PyBytes_AS_STRING(w), PyBytes_GET_SIZE(w))

    cdef int32_t lookup(self, const unsigned char* word, Py_ssize_t n) noexcept nogil:
        """Id of ``word[:n]``, or -1 if it is not in the table."""
        return <int32_t>self.store.find(word, n)

    def get(self, bytes word not None) -> int:
        """Id of ``word``, or -1 if it is not in the table."""
        return self.lookup(<const unsigned char*>PyBytes_AS_STRING(word), PyBytes_GET_SIZE(word))

    def __len__(self):
        """Number of ids, i.e. ``len(words)`` including duplicates."""
        return len(self.store)


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


cdef class ShardReader:
    """Lines of word ids from one byte range of a corpus file, read without the GIL.

    Parameters
    ----------
    path : str or os.PathLike
        The corpus file.
    table : WordTable
        Vocabulary; out-of-vocabulary tokens are skipped (but counted as raw tokens).
    start, end : int
        Byte range ``[start, end)``; ``end = -1`` means the end of the file. A token belongs to
        the shard in which its first byte lies: a shard starting inside a token skips the rest
        of it, and a shard reads its last token to completion even past ``end``. Consecutive
        ranges therefore see every token of the file exactly once.
    eos : bool
        Every newline yields ``</s>`` (its id ends the line when ``</s>`` is in ``table``).
    max_line_tokens : int
        A line is cut after this many in-vocabulary ids; the rest of it becomes the next line.
    wrap : bool
        fastText mode: at end of file go on from offset 0, forever (``end`` is ignored). The
        caller stops by its own token budget. A whole pass that yields no in-vocabulary id ends
        the reader instead (a budget counted in ids could never be met).
    max_token_bytes : int
        Tokens are cut to this many bytes before lookup, as in :func:`count_words`.

    Notes
    -----
    Each reader owns its file descriptor and a 1 MiB buffer, so different readers can be used
    from different threads at once; one reader must not be used by two threads at a time.
    """

    def __cinit__(self, path, WordTable table not None, long long start, long long end, *, bint eos,
                  Py_ssize_t max_line_tokens, bint wrap=False, Py_ssize_t max_token_bytes=DEFAULT_MAX_TOKEN_BYTES):
        self.stream.fd = -1  # before anything can raise: __dealloc__ closes fd >= 0
        self.stream.buf = NULL
        if max_line_tokens < 1:
            raise ValueError(f"max_line_tokens must be >= 1, got {max_line_tokens}")
        if max_token_bytes < 1:
            raise ValueError(f"max_token_bytes must be >= 1, got {max_token_bytes}")
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        if end < -1:
            raise ValueError(f"end must be >= 0 or -1 (end of file), got {end}")
        self.path = os.fspath(path)
        self.size = stream_open(&self.stream, self.path, SHARD_BUFFER_BYTES)
        if start > self.size:
            raise ValueError(f"{self.path!r}: start offset {start} is beyond the end of the file "
                             f"({self.size} bytes)")
        if end == -1 or end > self.size:
            end = self.size
        if end < start:
            raise ValueError(f"{self.path!r}: end offset {end} is before start offset {start}")
        self.table = table
        self.start = start
        self.end = end
        self.eos = eos
        self.wrap = wrap
        self.max_line_tokens = max_line_tokens
        self.max_token_bytes = max_token_bytes
        self.eos_id = table.lookup(EOS_WORD, 4)
        self.rewind()

    def __dealloc__(self):
        stream_close(&self.stream)

    cdef bint reset(self) noexcept nogil:
        """Go back to the (aligned) start of the shard; False on an I/O error."""
        cdef unsigned char before
        self.exhausted = False
        self.empty_wraps = 0
        self.stream.err = 0
        if not stream_seek(&self.stream, self.start):
            return False
        if self.start > 0:
            if pread(self.stream.fd, &before, 1, self.start - 1) != 1:
                self.stream.err = errno if errno else EIO  # 0 bytes: the file shrank
                return False
            if not IS_SEP[before]:
                # The token around `start` began in the previous shard, which reads it.
                skip_partial_word(&self.stream)
        return self.stream.err == 0

    def rewind(self):
        """Start reading the shard again from its beginning."""
        cdef bint ok
        with nogil:
            ok = self.reset()
        if not ok:
            self._raise_io_error()

    def _raise_io_error(self):
        err = self.stream.err
        raise OSError(err, os.strerror(err), self.path)

    cdef Py_ssize_t next_line(self, int32_t* out, Py_ssize_t cap, long long* raw_tokens) noexcept nogil:
        """Write the ids of the next line's in-vocabulary tokens to ``out``; return their number.

        At most ``min(cap, max_line_tokens)`` ids are written. Every token read, out-of-vocabulary
        and ``</s>`` included, is added to ``raw_tokens[0]``. Returns -1 when the shard is
        exhausted and nothing was read; with ``wrap`` only after a whole pass over the file returned
        no id, or after a read error (``stream.err`` is then set).
        """
        cdef Py_ssize_t limit = min(cap, self.max_line_tokens), count = 0, n = 0
        cdef long long raw = 0, offset = 0
        cdef const unsigned char* tok = NULL
        cdef bint seen = False  # a token or a line end was read in this call
        cdef int kind
        cdef int32_t wid
        if self.exhausted or limit < 1:
            return -1 if self.exhausted else 0
        while True:
            kind = next_token(&self.stream, &self.scratch, self.max_token_bytes, &tok, &n, &offset)
            if kind == TOK_END:
                if not self.wrap or self.stream.err:
                    self.exhausted = True
                    break
                self.empty_wraps += 1
                if self.empty_wraps >= 2:
                    # A whole pass over the file found no token: stop rather than spin.
                    self.exhausted = True
                    break
                if not stream_seek(&self.stream, 0):
                    self.exhausted = True
                    break
                if seen:
                    break  # as in fastText, the end of the file also ends the line
                continue
            if not self.wrap and offset >= self.end:
                self.exhausted = True
                break
            seen = True
            if kind == TOK_NEWLINE:
                if self.eos:
                    raw += 1
                    if self.eos_id >= 0:
                        self.empty_wraps = 0
                        out[count] = self.eos_id
                        count += 1
                break
            raw += 1
            wid = self.table.lookup(tok, n)
            if wid >= 0:
                self.empty_wraps = 0
                out[count] = wid
                count += 1
                if count >= limit:
                    break
        raw_tokens[0] += raw
        if not seen and self.exhausted:
            return -1
        return count

    def read_line(self):
        """The next line as ``(ids, raw_tokens)``; ``ids`` is an int32 array, or None at the end."""
        ids = np.empty(self.max_line_tokens, dtype=np.int32)
        cdef int32_t[::1] view = ids
        cdef long long raw = 0
        cdef Py_ssize_t n
        with nogil:
            n = self.next_line(&view[0], view.shape[0], &raw)
        if self.stream.err:
            self._raise_io_error()
        return (None if n < 0 else ids[:n].copy()), raw

    def read_all(self, Py_ssize_t max_lines=-1):
        """All remaining lines of the shard as int32 arrays (at most ``max_lines`` if >= 0).

        With ``wrap`` the shard never ends, so ``max_lines`` is required.
        """
        if self.wrap and max_lines < 0:
            raise ValueError("a wrapping reader never ends: pass max_lines")
        buf = np.empty(self.max_line_tokens, dtype=np.int32)
        cdef int32_t[::1] view = buf
        cdef long long raw = 0
        cdef Py_ssize_t n
        lines = []
        while max_lines < 0 or len(lines) < max_lines:
            with nogil:
                n = self.next_line(&view[0], view.shape[0], &raw)
            if n < 0:
                break
            lines.append(buf[:n].copy())
        if self.stream.err:
            self._raise_io_error()
        return lines
