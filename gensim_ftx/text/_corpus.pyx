# cython: language_level=3
"""Corpus reading with fastText's tokenisation, on raw bytes and without the GIL.

A token is a maximal run of bytes other than space, ``\\n``, ``\\r``, ``\\t``, ``\\v``, ``\\f`` and
``\\0`` (the tokeniser is ``_tokens.pxd``); tokens are never decoded, so invalid UTF-8 and binary
data are fine. Every ``\\n`` ends a line and, in ``eos`` mode, is itself the token ``</s>`` (one
per newline, empty lines included).

:class:`WordTable` maps words to ids, and :class:`ShardReader` turns a byte range of the file into
lines of word ids for the trainer; counting is :mod:`gensim_ftx.text._counts`.
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

from gensim_ftx.text._tokens cimport (TOK_END, TOK_NEWLINE, TOK_WORD, TokenStream, is_separator, next_token,
                                      skip_partial_word, stream_seek)
from gensim_ftx.text._vocab cimport KeyStore

cnp.import_array()

DEFAULT_MAX_TOKEN_BYTES = 1 << 20
# a shard reader may exist per thread, so it reads less at once than the counter
cdef Py_ssize_t SHARD_BUFFER_BYTES = 1 << 20
cdef const unsigned char* EOS_WORD = <const unsigned char*>b"</s>"

# the bytes that end a token (fastText's readWord), from the tokeniser itself
SEPARATORS = bytes([c for c in range(256) if is_separator(c)])


# ---------------------------------------------------------------------------------------------
# Opening a token stream over a file

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
            if not is_separator(before):
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
