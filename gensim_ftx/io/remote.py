"""Copying a remote file to local disk: the package's one download.

``http(s)://`` and ``ftp://`` go through the standard library (no extra dependency, and the
server's ``Content-Length`` feeds a progress display); every other scheme (``s3://``, ``gs://``,
``azure://``, ...) through smart_open, which knows them. The copy appears under its name only
when complete.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
from collections.abc import Callable
from typing import BinaryIO

from .atomic import write_atomically

CHUNK = 1 << 20
_DECOMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}  # each takes a stream

Progress = Callable[[int, "int | None"], None]


def _open(url: str) -> tuple[BinaryIO, int | None]:
    """The response stream of ``url`` and its size in bytes where the server says it."""
    if url.split("://", 1)[0].lower() in ("http", "https", "ftp"):
        import urllib.error
        import urllib.request  # here, not at the top: it costs a predict-only script 25 ms

        try:
            response = urllib.request.urlopen(url)
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise OSError(f"cannot download {url}: {getattr(err, 'reason', err)}") from err
        total = response.headers.get("Content-Length")
        return response, int(total) if total and total.strip().isdigit() else None
    import smart_open  # s3, gs, azure, hdfs, ...: 0.2 s to import, so only here

    try:
        return smart_open.open(url, "rb", compression="disable"), None
    except Exception as err:  # smart_open raises its transports' own types
        raise OSError(f"cannot download {url}: {err}") from err


def download(url: str, target: str | os.PathLike, *, decompress: bool = False,
             progress: Progress | None = None) -> None:
    """Copy ``url`` into ``target``; a partial or failed download never takes its place.

    Parameters
    ----------
    url : str
        ``http(s)://``, ``ftp://`` or any scheme smart_open reads.
    target : path
        The local file to write.
    decompress : bool
        Write the content decompressed when the URL ends in ``.gz``, ``.bz2``, ``.xz`` or ``.lzma``.
    progress : callable, optional
        Called as ``progress(bytes_done, bytes_total_or_None)`` after each chunk received.

    Raises
    ------
    OSError
        Naming the URL when it cannot be reached or found, or when the transfer ends early.
    """
    stream, total = _open(url)
    suffix = os.path.splitext(url.split("?", 1)[0])[1].lower()

    def write(out: BinaryIO) -> None:
        done = 0
        while chunk := stream.read(CHUNK):
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        if total is not None and done != total:
            raise OSError(f"{url}: download ended after {done} of {total} bytes")

    def write_decompressed(out: BinaryIO) -> None:
        try:
            with _DECOMPRESSORS[suffix](stream, "rb") as raw:
                while chunk := raw.read(CHUNK):
                    out.write(chunk)
        except (EOFError, OSError, lzma.LZMAError) as err:
            raise OSError(f"{url}: not a complete {suffix[1:]} file ({err})") from err

    with stream:
        write_atomically(target, write_decompressed if decompress and suffix in _DECOMPRESSORS else write)
