# fastText's tokenisation, written once (its Dictionary::readWord): the separators and a buffered,
# GIL-free token stream. Inline, so each reader that cimports it (the corpus counter, the shard
# reader) compiles the loop into its own code.
from libc.errno cimport EINTR, errno
from libc.string cimport memcpy
from libcpp.vector cimport vector
from posix.unistd cimport SEEK_SET, lseek
from posix.unistd cimport read as c_read


cdef struct TokenStream:
    int fd                   # -1 when closed, or over a memory buffer
    unsigned char* buf
    Py_ssize_t cap           # bytes allocated for buf
    Py_ssize_t len           # bytes of buf holding data
    Py_ssize_t pos           # next unread byte of buf
    long long buf_offset     # file offset of buf[0]
    int err                  # errno of the first failed read, 0 if none


cdef enum TokenKind:
    TOK_END = 0
    TOK_WORD = 1
    TOK_NEWLINE = 2


cdef inline bint is_separator(unsigned char c) noexcept nogil:
    """Whether ``c`` ends a token: ' ', '\\t', '\\n', '\\v', '\\f', '\\r' or '\\0' (bits 32, 9-13, 0)."""
    cdef unsigned long long bits = 0x100003E01
    return c <= 32 and (bits >> c) & 1


cdef inline bint stream_seek(TokenStream* s, long long offset) noexcept nogil:
    s.pos = 0
    s.len = 0
    s.buf_offset = offset
    if lseek(s.fd, offset, SEEK_SET) < 0:
        if not s.err:
            s.err = errno
        return False
    return True


cdef inline bint refill(TokenStream* s) noexcept nogil:
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
        if not is_separator(c):
            break
        s.pos += 1
        if c == b'\n':
            offset[0] = s.buf_offset + s.pos - 1
            return TOK_NEWLINE
    offset[0] = s.buf_offset + s.pos
    buf = s.buf
    begin = s.pos
    i = begin
    while i < s.len and not is_separator(buf[i]):
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
        while i < s.len and not is_separator(buf[i]):
            i += 1
    tok[0] = scratch.data()
    n[0] = scratch.size()
    return TOK_WORD


cdef inline void skip_partial_word(TokenStream* s) noexcept nogil:
    """Advance to the next separator (or end of file) without reading a token."""
    while True:
        if s.pos >= s.len and not refill(s):
            return
        if is_separator(s.buf[s.pos]):
            return
        s.pos += 1
