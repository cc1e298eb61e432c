"""Reading standard input the way fastText's ``std::cin >> word`` and ``getline`` do.

The query and classifier commands read their words or lines in batches, one per chunk that arrives
on the stream, so that interactive use answers each line as it is typed and a large pipe is
answered with one bulk call per batch. ``_READ_CHUNK`` (the most bytes read at once) is a module
global so that tests can shrink it to exercise tokens and lines cut across chunk boundaries.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

_READ_CHUNK = 1 << 16


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """What is available on ``stream``, as it arrives (so interactive use answers each line)."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_READ_CHUNK):
        yield chunk


def token_batches(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Whitespace-separated tokens of ``stream`` (C ``isspace``), a batch per chunk read."""
    pending = bytearray()
    for chunk in _chunks(stream):
        pending += chunk
        tokens = pending.split()
        if tokens and not pending[-1:].isspace():
            tail = tokens.pop()  # may continue in the next chunk
        else:
            tail = b""
        pending = bytearray(tail)
        if tokens:
            yield [bytes(token) for token in tokens]
    if pending:
        yield [bytes(pending)]


def line_batches(stream: BinaryIO) -> Iterator[list[tuple[bytes, bool]]]:
    """Lines of ``stream`` as ``(line, ended_by_newline)``, a batch per chunk read.

    A last line without a newline is a line too; an empty stream has none (fastText's
    ``while (cin.peek() != EOF)``).
    """
    pending = bytearray()
    for chunk in _chunks(stream):
        pending += chunk
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue
        lines = bytes(pending[:cut]).split(b"\n")
        del pending[:cut + 1]
        yield [(line, True) for line in lines]
    if pending:
        yield [(bytes(pending), False)]


def _write_prompt(out: BinaryIO, prompt: bytes) -> None:
    out.write(prompt)
    out.flush()
