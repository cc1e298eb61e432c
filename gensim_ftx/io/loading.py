"""Opening a model file (path, URI or file object) and reading it into a vocabulary and matrices.

Both faces load through :func:`read_file`: the gensim face into
:class:`gensim_ftx.FastTextKeyedVectors`, the ``fasttext`` face into the gensim-free
:class:`~gensim_ftx.text.vectors.SubwordVectors`. smart_open is imported only for remote or compressed
paths.
"""
from __future__ import annotations

import contextlib
import gzip
import logging
import lzma
import os
import zlib
from collections.abc import Iterator

import numpy as np

from ..text.vectors import REAL, SubwordVectors
from ..text.vocab import make_views
from .errors import FacebookFormatError
from .fbbin import FacebookArgs, FacebookModelFile, read_model
from .quant import QuantizedMatrix
from .source import ByteSource, is_plain_local

__all__ = ["MMAP_MODES", "open_source", "read_file", "set_input_rows", "source_name", "vocabulary_from_fields"]

logger = logging.getLogger("gensim_ftx.facebook")

MMAP_MODES = (None, "r", "r+", "c")


def source_name(path) -> str:
    """How errors and logs name ``path`` (a path, URI or binary file object)."""
    if hasattr(path, "read"):
        return str(getattr(path, "name", "<stream>"))
    return os.fspath(path)


@contextlib.contextmanager
def open_source(path, mmap: str | None) -> Iterator[tuple[ByteSource, str | None]]:
    """Open ``path`` (a path, URI or binary file object) as a :class:`ByteSource`, with the
    local path when there is one (for memory-mapping)."""
    if mmap not in MMAP_MODES:
        raise ValueError(f"mmap must be one of {MMAP_MODES}, got {mmap!r}")
    name = source_name(path)
    if hasattr(path, "read"):
        if mmap is not None:
            raise ValueError("mmap needs a path to a local, uncompressed file, not a file object")
        yield ByteSource.for_stream(path, name), None
        return
    if is_plain_local(name):
        with open(name, "rb", buffering=1 << 20) as stream:
            yield ByteSource.for_stream(stream, name), name
        return
    if mmap is not None:
        raise ValueError(f"{name}: mmap needs a local, uncompressed file")
    import smart_open  # remote or compressed: the only use of smart_open (0.2 s to import)

    with smart_open.open(name, "rb") as stream:
        yield ByteSource(stream, name, None), None


def read_file(path, encoding: str, full_model: bool, mmap: str | None, dense: bool = True,
              table: type = SubwordVectors) -> tuple[FacebookModelFile, SubwordVectors]:
    """Parse ``path`` into its file record and a ``table`` (the vocabulary with the input rows).

    The vocabulary is built before the matrices are read, so the dictionary's raw bytes are
    gone by the time gigabytes of rows arrive. With ``dense=False`` a quantised input matrix
    stays codes (the table then has no rows yet)."""
    built = {}

    def build_vocabulary(version, args, fields) -> None:
        built["table"] = vocabulary_from_fields(version, args, fields, encoding, table)
        fields["word_blob"] = fields["word_starts"] = fields["word_ends"] = None

    with open_source(path, mmap) as (src, local):
        logger.info("loading fastText model from %s", src.name)
        try:
            mf = read_model(src, encoding=encoding, full_model=full_model, mmap=mmap, path=local,
                            on_dictionary=build_vocabulary)
        except (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as err:
            # compressed input: the decompressor, not the model layout, found the damage
            raise FacebookFormatError(src.name, "compressed data", src.offset,
                                      f"{type(err).__name__}: {err}") from err
    words = built["table"]
    if dense or not isinstance(mf.input, QuantizedMatrix):
        set_input_rows(words, mf)
    return mf, words


def set_input_rows(words: SubwordVectors, mf: FacebookModelFile) -> None:
    """Give ``words`` the file's input matrix (dequantised if quantised)."""
    matrix = mf.dense_input()
    words.vectors_vocab = matrix[:mf.nwords]
    words.vectors_ngrams = matrix[mf.nwords:]


def vocabulary_from_fields(version: int | None, args: FacebookArgs, fields: dict, encoding: str,
               table: type = SubwordVectors) -> SubwordVectors:
    """A ``table`` (:class:`SubwordVectors` or :class:`gensim_ftx.FastTextKeyedVectors`) with the
    words, counts and subword settings of a parsed dictionary (no matrices yet)."""
    nwords = fields["nwords"]
    store = fields["store"]
    # A version-11 supervised model never used character n-grams (fastText forces maxn = 0).
    maxn = 0 if version == 11 and args.supervised else args.maxn
    words = table(args.dim, args.minn, maxn, args.bucket, encoding=encoding)
    words.key_to_index, words.index_to_key = make_views(store, nwords)
    words.expandos = {"count": np.ascontiguousarray(fields["counts"][:nwords])}
    words.raw_keys = {store.key(i): raw for i, raw in fields["raw_words"].items() if i < nwords}
    words.floret_hash_count = args.hash_count if args.floret else 0
    words.pruneidx = fields["pruneidx"]
    words.vectors_vocab_lockf = np.ones(1, dtype=REAL)
    words.vectors_ngrams_lockf = np.ones(1, dtype=REAL)
    words.adjust_vectors()  # composed from the matrices when first needed
    return words
