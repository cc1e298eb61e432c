"""A byte stream that knows its offset and turns short reads into precise errors."""
from __future__ import annotations

import io
import os
import struct
from typing import BinaryIO

import numpy as np

from .errors import FacebookFormatError

_CHUNK = 1 << 24
# Suffixes smart_open decompresses on the fly: such files can be neither mapped nor read by offset.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".lzma")


def is_plain_local(path: str) -> bool:
    """Whether ``path`` names an uncompressed local file (one that can be memory-mapped or read
    from any offset), not a URL or a compressed file."""
    return "://" not in path and not path.endswith(COMPRESSED_SUFFIXES)


class ByteSource:
    """Sequential reader over a binary stream for the ``.bin`` parser.

    Parameters
    ----------
    stream : binary file object
        Open for reading; seekable streams let large blocks be skipped without reading.
    name : str
        File name used in error messages.
    size : int or None
        Total size in bytes when known; used to reject sizes larger than the file before
        allocating anything.
    """

    def __init__(self, stream: BinaryIO, name: str, size: int | None = None):
        self.stream = stream
        self.name = name
        self.size = size
        self.offset = 0
        self._pending = b""

    @classmethod
    def for_stream(cls, stream: BinaryIO, name: str) -> ByteSource:
        size = None
        try:
            if stream.seekable() and isinstance(stream, (io.BufferedReader, io.FileIO)):
                size = os.fstat(stream.fileno()).st_size - stream.tell()
        except (OSError, ValueError, AttributeError):
            size = None
        return cls(stream, name, size)

    def error(self, field: str, problem: str, offset: int | None = None) -> FacebookFormatError:
        return FacebookFormatError(self.name, field, self.offset if offset is None else offset, problem)

    def remaining(self) -> int | None:
        return None if self.size is None else self.size - self.offset

    def check_fits(self, nbytes: int, field: str) -> None:
        """Fail early when a declared size cannot fit in what is left of the file."""
        left = self.remaining()
        if nbytes < 0:
            raise self.error(field, f"negative size {nbytes}")
        if left is not None and nbytes > left:
            raise self.error(field, f"declares {nbytes} bytes but only {left} remain in the file")

    def read_some(self, n: int) -> bytes:
        """Read up to ``n`` bytes (fewer only at the end of the stream)."""
        if self._pending:
            data, self._pending = self._pending[:n], self._pending[n:]
            if len(data) < n:
                data += self.stream.read(n - len(data)) or b""
        else:
            data = self.stream.read(n) or b""
        self.offset += len(data)
        return data

    def unread(self, data: bytes) -> None:
        """Push back bytes read past the end of a block."""
        if data:
            self._pending = data + self._pending
            self.offset -= len(data)

    def read_exact(self, n: int, field: str) -> bytes:
        start = self.offset
        data = self.read_some(n)
        if len(data) != n:
            raise self.error(field, f"file ends after {len(data)} of {n} bytes (truncated?)", start)
        return data

    def unpack(self, fmt: str, field: str) -> tuple:
        return struct.unpack(fmt, self.read_exact(struct.calcsize(fmt), field))

    def read_array(self, dtype: str, count: int, field: str) -> np.ndarray:
        """Read ``count`` items of ``dtype`` into a fresh array, in chunks, without extra copies."""
        dt = np.dtype(dtype)
        nbytes = count * dt.itemsize
        self.check_fits(nbytes, field)
        try:
            out = np.empty(count, dtype=dt)
        except (MemoryError, ValueError) as err:
            # only reachable for streams of unknown size: files are checked against their size
            raise self.error(field, f"declares {nbytes} bytes, more than can be allocated "
                             f"(corrupt or truncated file?)") from err
        self.readinto_exact(memoryview(out).cast("B"), field)
        return out

    def readinto_exact(self, buf: memoryview, field: str) -> None:
        start = self.offset
        total = len(buf)
        done = 0
        if self._pending:
            take = min(len(self._pending), total)
            buf[:take] = self._pending[:take]
            self._pending = self._pending[take:]
            done = take
        while done < total:
            got = self.stream.readinto(buf[done:min(total, done + _CHUNK)])
            if not got:
                self.offset = start + done
                raise self.error(field, f"file ends after {done} of {total} bytes (truncated?)", start)
            done += got
        self.offset = start + total

    def skip(self, n: int, field: str) -> None:
        """Move past ``n`` bytes, seeking when the stream allows it."""
        self.check_fits(n, field)
        start = self.offset
        take = min(len(self._pending), n)
        self._pending = self._pending[take:]
        rest = n - take
        if rest and self.size is not None and self.stream.seekable():
            self.stream.seek(rest, io.SEEK_CUR)
        else:
            while rest:
                got = len(self.stream.read(min(rest, _CHUNK)) or b"")
                if not got:
                    raise self.error(field, f"file ends after {n - rest} of {n} bytes (truncated?)", start)
                rest -= got
        self.offset = start + n

    def at_end(self) -> bool:
        if self._pending:
            return False
        if self.size is not None:
            return self.offset >= self.size
        probe = self.stream.read(1)
        if probe:
            self._pending = probe
            return False
        return True
