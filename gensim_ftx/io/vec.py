"""fastText's text vector format (``.vec``, and ``.output`` of ``-saveOutput``) and floret's
``.floret`` table.

A header ``"<count> <dim>"``, then one line per entry: the word, a space, and each value
printed with 5 significant digits and followed by a space (C++ ``setprecision(5)``).
:func:`read_vec` reads one back as fastText's ``-pretrainedVectors`` does. A ``.floret`` table
(:func:`save_floret_vectors`) has floret's header and the bucket rows, numbered, in the same format.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from typing import BinaryIO

import numpy as np

from ..text._subwords import MURMURHASH_SEED
from .atomic import write_atomically

_ROWS_PER_BLOCK = 4096


def read_vec(path: str | os.PathLike, dim: int) -> tuple[list[bytes], np.ndarray]:
    """The words and vectors of a ``.vec`` file, read as fastText reads ``-pretrainedVectors``
    (whitespace-separated tokens: the count, the width, then a word and its values per entry).

    Raises
    ------
    ValueError
        Naming the file: a width other than ``dim``, a malformed header or entry, a value that
        is not a number, or NaN/infinity.
    """
    with open(path, "rb") as stream:
        tokens = stream.read().split()
    name = os.fspath(path)
    try:
        count, width = int(tokens[0]), int(tokens[1])
    except (IndexError, ValueError):
        raise ValueError(f"{name}: a .vec file starts with '<count> <dim>'") from None
    if width != dim:
        raise ValueError(f"{name}: pretrained vectors have dimension {width}, but dim is {dim}")
    if count < 0 or len(tokens) < 2 + count * (dim + 1):
        raise ValueError(f"{name}: the header announces {count} vectors of {dim} values; the file holds fewer")
    entries = np.array(tokens[2:2 + count * (dim + 1)], dtype=object).reshape(count, dim + 1)
    try:
        vectors = entries[:, 1:].astype(np.float32) if count else np.zeros((0, dim), np.float32)
    except ValueError as err:
        raise ValueError(f"{name}: a value is not a number ({err})") from None
    if not np.isfinite(vectors).all():
        raise ValueError(f"{name}: pretrained vectors contain NaN or infinity")
    return list(entries[:, 0]), vectors


def write_vec(target: str | os.PathLike | BinaryIO, words: list, rows: Iterable[np.ndarray], dim: int, *,
              encoding: str = "utf-8", raw: dict | None = None, header: str | None = None) -> None:
    """Write ``words`` with their vectors; ``rows`` yields blocks of vectors in word order.

    ``raw`` maps a word to the bytes to write for it (keys that did not decode on load);
    ``header`` replaces the first line's ``"<count> <dim>"``.
    """
    raw = raw or {}
    template = "%.5g " * dim
    header = f"{len(words)} {dim}" if header is None else header

    def write(stream: BinaryIO) -> None:
        stream.write(f"{header}\n".encode())
        position = 0
        for block in rows:
            lines = []
            for vector in block.tolist():
                word = words[position]
                position += 1
                name = raw.get(word) or word.encode(encoding)
                lines.append(name + b" " + (template % tuple(vector)).encode() + b"\n")
            stream.write(b"".join(lines))
        if position != len(words):
            raise ValueError(f"{len(words)} words but {position} vectors")

    if hasattr(target, "write"):
        write(target)
    else:
        write_atomically(target, write)


def _blocks(matrix_rows, count: int):
    for begin in range(0, count, _ROWS_PER_BLOCK):
        yield matrix_rows(begin, min(count, begin + _ROWS_PER_BLOCK))


def save_word_vectors(wv, target, *, encoding: str | None = None) -> None:
    """Write every vocabulary word's vector as fastText's ``.vec`` (``</s>`` included)."""
    words = list(wv.index_to_key)
    encoding = encoding or getattr(wv, "encoding", "utf-8")
    write_vec(target, words, _blocks(lambda a, b: wv.get_vectors(words[a:b]), len(words)), wv.vector_size,
              encoding=encoding, raw=getattr(wv, "raw_keys", None))


def save_output_vectors(model, target, *, encoding: str | None = None) -> None:
    """Write the output matrix like fastText's ``-saveOutput``: one row per word (or label)."""
    output = model.output_matrix if hasattr(model, "output_matrix") else \
        (model.syn1neg if model.negative else model.syn1)
    if output is None:
        raise ValueError("the model has no output matrix")
    names = list(model.labels) if getattr(model, "supervised", False) else list(model.wv.index_to_key)
    encoding = encoding or getattr(model.wv, "encoding", "utf-8")
    write_vec(target, names, _blocks(lambda a, b: np.asarray(output[a:b], dtype=np.float32), len(names)),
              output.shape[1], encoding=encoding, raw=getattr(model.wv, "raw_keys", None))


def save_floret_vectors(wv, target) -> None:
    """Write the bucket table of a floret model as floret's ``save_floret_vectors`` does: the
    text spaCy imports with ``spacy init vectors LANG vectors.floret OUT --mode floret``.

    The header is ``"<bucket> <dim> <minn> <maxn> <hashCount> <seed> < >"`` (MurmurHash3's seed,
    the begin- and end-of-word markers), then each bucket row as ``"<index> <values>"``.

    Raises
    ------
    ValueError
        If ``wv`` was not trained or loaded in floret mode (its rows mean nothing to floret's
        lookups) or its n-gram table was pruned.
    """
    hash_count = int(getattr(wv, "floret_hash_count", 0) or 0)
    if not hash_count:
        raise ValueError("not a floret model: only a model trained in floret mode (floret_hash_count / "
                         "mode='floret') has a .floret table")
    if getattr(wv, "pruneidx", None) is not None:
        raise ValueError("a pruned (quantised) model has no full bucket table to write as .floret")
    table = wv.vectors_ngrams
    if table is None or len(table) != wv.bucket:
        raise ValueError(f"the model has {0 if table is None else len(table)} bucket rows, expected {wv.bucket}")
    header = f"{wv.bucket} {wv.vector_size} {wv.min_n} {wv.max_n} {hash_count} {MURMURHASH_SEED} < >"
    write_vec(target, [str(k) for k in range(len(table))],
              _blocks(lambda a, b: np.asarray(table[a:b], dtype=np.float32), len(table)), wv.vector_size,
              header=header)
