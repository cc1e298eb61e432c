# cython: language_level=3
"""Bulk parse and encode of the dictionary block of a fastText ``.bin`` file.

An entry is the word's bytes, a NUL, an int64 count and an int8 type (0 word, 1 label).
"""

import numpy as np

from gensim_ftx._checks import check_spans

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_Decode
from libc.stdint cimport int8_t, int64_t
from libc.string cimport memchr, memcpy

cnp.import_array()


cdef enum ScanStatus:
    COMPLETE = 0
    NEED_MORE = 1
    BAD_TYPE = 2

SCAN_COMPLETE = COMPLETE
SCAN_NEED_MORE = NEED_MORE
SCAN_BAD_TYPE = BAD_TYPE


def scan_entries(const unsigned char[::1] buf, Py_ssize_t pos, Py_ssize_t done, Py_ssize_t size,
                 int64_t[::1] starts, int64_t[::1] ends, int64_t[::1] counts, int8_t[::1] types):
    """Parse entries ``done..size-1`` from ``buf[pos:]`` into the output arrays.

    Returns ``(status, done, pos)``: ``SCAN_COMPLETE`` when all entries are parsed,
    ``SCAN_NEED_MORE`` when the entry at ``pos`` runs past the end of ``buf``, and
    ``SCAN_BAD_TYPE`` when entry ``done`` has a type byte other than 0 or 1.
    """
    cdef Py_ssize_t n = buf.shape[0]
    cdef const unsigned char* base = &buf[0] if n else <const unsigned char*>b""
    cdef const unsigned char* nul
    cdef Py_ssize_t limit = min(size, starts.shape[0])
    cdef int status = NEED_MORE
    with nogil:
        while done < limit:
            if pos >= n:
                break
            nul = <const unsigned char*>memchr(base + pos, 0, n - pos)
            if nul == NULL or (nul - base) + 9 >= n:
                break
            starts[done] = pos
            ends[done] = nul - base
            memcpy(&counts[done], nul + 1, 8)
            types[done] = <int8_t>nul[9]
            if types[done] != 0 and types[done] != 1:
                status = BAD_TYPE
                break
            pos = (nul - base) + 10
            done += 1
        if done == size:
            status = COMPLETE
    return status, done, pos


def decode_words(const unsigned char[::1] buf, const int64_t[::1] starts, const int64_t[::1] ends,
                 str encoding="utf-8"):
    """Decode each entry's bytes; undecodable ones use ``backslashreplace`` like gensim.

    Returns ``(words, raw)`` where ``raw`` maps the index of every entry that did not decode
    cleanly to its original bytes, so that saving can write them back unchanged.
    """
    cdef Py_ssize_t count = starts.shape[0], k
    check_spans(starts, ends, buf.shape[0], "word")
    cdef const char* base = <const char*>&buf[0] if buf.shape[0] else <const char*>b""
    cdef bytes enc = encoding.encode("ascii")
    words = [None] * count
    raw = {}
    for k in range(count):
        try:
            words[k] = PyUnicode_Decode(base + starts[k], ends[k] - starts[k], enc, NULL)
        except UnicodeDecodeError:
            original = bytes(buf[starts[k]:ends[k]])
            words[k] = original.decode(encoding, errors="backslashreplace")
            raw[k] = original
    return words, raw


def encode_entries(words, const int64_t[::1] counts, const int8_t[::1] types, str encoding="utf-8",
                   raw=None):
    """Encode dictionary entries into the on-disk layout; ``raw`` overrides entries by index."""
    cdef Py_ssize_t count = len(words), k, total = 0, pos = 0, length
    if counts.shape[0] != count or types.shape[0] != count:
        raise ValueError(f"{count} words but {counts.shape[0]} counts and {types.shape[0]} types")
    raw = raw or {}
    encoded = [None] * count
    for k in range(count):
        if k in raw:
            data = raw[k]
        else:
            data = words[k].encode(encoding)
        if b"\0" in data:
            raise ValueError(f"dictionary entry {k} ({words[k]!r}) contains a NUL byte")
        encoded[k] = data
        total += len(data) + 10
    out = bytearray(total)
    cdef char* dst = out
    cdef bytes item
    for k in range(count):
        item = encoded[k]
        length = PyBytes_GET_SIZE(item)
        memcpy(dst + pos, PyBytes_AS_STRING(item), length)
        pos += length
        dst[pos] = 0
        memcpy(dst + pos + 1, &counts[k], 8)
        dst[pos + 9] = <char>types[k]
        pos += 10
    return bytes(out)
