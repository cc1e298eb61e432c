"""Reader and writer of fastText's binary model format (``.bin``, ``.ftz``, floret ``.bin``).

The layout (``src/fasttext.cc``, ``args.cc``, ``dictionary.cc``, ``densematrix.cc``):
magic and version (absent before version 11), the training arguments, the dictionary, an
optional pruning table, then the input and output matrices, each dense or product-quantised.
Everything is little-endian without padding. :func:`read_model` parses it into a
:class:`FacebookModelFile` without per-word Python loops; :func:`write_model` writes one back
so that an unmodified model round-trips byte for byte.
"""
from __future__ import annotations

import logging
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import BinaryIO

import numpy as np

from ..args import LOSS_NAMES, MODE_CODES
from ..text._vocab import KeyStore
from ..text.vocab import IndexToKey, is_utf8
from . import _dictionary
from .quant import QuantizedMatrix
from .source import ByteSource

logger = logging.getLogger(__name__)

MAGIC = 793712314
VERSION = 12
LOSSES = LOSS_NAMES  # code -> name
MODELS = {1: "cbow", 2: "sg", 3: "sup"}
MAX_DIM = 1 << 20

_ARGS_HEAD = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn")


def floret_fields(hash_count: int) -> dict:
    """The header fields of a floret-mode model (``hash_count`` hashes, > 0); none for fastText's."""
    return {"mode": MODE_CODES["floret"], "hash_count": int(hash_count)} if hash_count else {}


@dataclass
class FacebookArgs:
    """The training arguments stored at the top of a ``.bin`` (fastText's ``Args::save``)."""

    dim: int = 100
    ws: int = 5
    epoch: int = 5
    min_count: int = 5
    neg: int = 5
    word_ngrams: int = 1
    loss: int = 2
    model: int = 2
    bucket: int = 2000000
    minn: int = 3
    maxn: int = 6
    lr_update_rate: int = 100
    t: float = 1e-4
    mode: int | None = None  # floret files only: MODE_CODES (1 = fastText hashing, 2 = floret hashing)
    hash_count: int | None = None  # floret files only

    @property
    def floret(self) -> bool:
        return self.mode == MODE_CODES["floret"]

    @property
    def supervised(self) -> bool:
        return self.model == 3

    def pack(self) -> bytes:
        head = struct.pack("<11i", *(getattr(self, name) for name in _ARGS_HEAD))
        if self.mode is not None:
            head += struct.pack("<2i", self.mode, self.hash_count)
        return head + struct.pack("<id", self.lr_update_rate, self.t)


@dataclass
class FacebookModelFile:
    """Everything a fastText model file holds, decoded.

    ``words`` holds all dictionary entries (``nwords`` words, then labels) as ``str``, in a
    compact list over ``store``;
    ``raw_words`` maps the index of each entry that did not decode to its original bytes.
    ``input``/``output`` are dense float32 arrays (possibly memory-mapped), or
    :class:`QuantizedMatrix` for ``.ftz`` files (``input_dense`` then holds the dequantised rows).
    ``word_blob``, ``word_starts`` and ``word_ends`` locate each entry's raw bytes, for hashing.
    """

    version: int | None
    args: FacebookArgs
    words: list | IndexToKey
    counts: np.ndarray
    types: np.ndarray
    nwords: int
    ntokens: int
    pruneidx: np.ndarray | None
    input: np.ndarray | QuantizedMatrix
    output: np.ndarray | QuantizedMatrix | None
    raw_words: dict = field(default_factory=dict)
    qout_flag: bool = False
    store: KeyStore | None = None
    word_blob: np.ndarray | None = None
    word_starts: np.ndarray | None = None
    word_ends: np.ndarray | None = None

    @property
    def nlabels(self) -> int:
        return len(self.words) - self.nwords

    def dense_input(self) -> np.ndarray:
        return self.input.dequantize() if isinstance(self.input, QuantizedMatrix) else self.input

    def dense_output(self) -> np.ndarray | None:
        return self.output.dequantize() if isinstance(self.output, QuantizedMatrix) else self.output


# ---------------------------------------------------------------------------------------------
# reading


def _read_signature(src: ByteSource) -> tuple[int | None, bytes]:
    """Return the format version (None before v11) and any header bytes already consumed."""
    first = src.read_exact(8, "magic")
    magic, version = struct.unpack("<2i", first)
    if magic == MAGIC:
        if version > VERSION or version <= 0:
            raise src.error("version", f"unsupported version {version} (this reader knows 1..{VERSION})", 4)
        return version, b""
    # Before version 11 there was no signature: these bytes are already dim and ws.
    if not (0 < magic <= MAX_DIM and 0 <= version <= 1 << 16):
        raise src.error("magic", f"not a fastText model: magic {magic:#x} (expected {MAGIC:#x}) and "
                        f"the bytes do not read as the dim/ws of a pre-v11 file either", 0)
    return None, first


def _read_args(src: ByteSource, version: int | None, prefix: bytes) -> FacebookArgs:
    start = src.offset - len(prefix)
    head = prefix + src.read_exact(44 - len(prefix), "args")
    values = dict(zip(_ARGS_HEAD, struct.unpack("<11i", head)))
    tail = src.read_exact(12, "args.lr_update_rate")
    lr_update_rate, t = struct.unpack("<id", tail)
    args = FacebookArgs(**values, lr_update_rate=lr_update_rate, t=t)
    if version == VERSION:
        # floret inserts (mode, hashCount) before lrUpdateRate; tell the layouts apart by plausibility.
        more = src.read_some(8)
        if len(more) == 8:
            mode, hash_count = struct.unpack("<2i", tail[:8])
            flo_lr, flo_t = struct.unpack("<id", tail[8:] + more)
            if mode in MODE_CODES.values() and 1 <= hash_count <= 4 and math.isfinite(flo_t) and 0 <= flo_t < 1e3 \
                    and not (math.isfinite(t) and 0 < t < 1e3 and lr_update_rate > 2):
                args = FacebookArgs(**values, lr_update_rate=flo_lr, t=flo_t, mode=mode, hash_count=hash_count)
                more = b""
        src.unread(more)
    _validate_args(src, args, start)
    return args


def read_header(src: ByteSource) -> tuple[FacebookArgs, int, int]:
    """The training arguments and the dictionary's word and label counts: the first hundred
    bytes or so of a model, enough to know its dimension and labels without loading it."""
    version, prefix = _read_signature(src)
    args = _read_args(src, version, prefix)
    _, nwords, nlabels = _dictionary_size(src)
    return args, nwords, nlabels


def _dictionary_size(src: ByteSource) -> tuple[int, int, int]:
    start = src.offset
    size, nwords, nlabels = src.unpack("<3i", "dictionary.size")
    if size < 0 or nwords < 0 or nlabels < 0 or nwords + nlabels != size:
        raise src.error("dictionary.size", f"inconsistent counts: size={size} nwords={nwords} "
                        f"nlabels={nlabels}", start)
    return size, nwords, nlabels


def _validate_args(src: ByteSource, args: FacebookArgs, start: int) -> None:
    tail = ["mode", "hash_count"] if args.mode is not None else []
    offsets = {name: start + 4 * i for i, name in enumerate(list(_ARGS_HEAD) + tail + ["lr_update_rate", "t"])}

    def fail(name: str, problem: str) -> None:
        raise src.error(f"args.{name}", problem, offsets[name])

    if not 0 < args.dim <= MAX_DIM:
        fail("dim", f"dimension {args.dim} outside 1..{MAX_DIM}")
    for name in ("ws", "epoch", "min_count", "neg", "minn", "maxn"):
        if getattr(args, name) < 0:
            fail(name, f"negative value {getattr(args, name)}")
    if args.loss not in LOSSES:
        fail("loss", f"unknown loss {args.loss} (expected 1..4: hs, ns, softmax, ova)")
    if args.model not in MODELS:
        fail("model", f"unknown model {args.model} (expected 1..3: cbow, sg, sup)")
    if args.bucket < 0:
        fail("bucket", f"negative bucket count {args.bucket}")
    if not math.isfinite(args.t):
        fail("t", f"sampling threshold {args.t} is not finite")


def _key_store(blob: np.ndarray, starts: np.ndarray, ends: np.ndarray, encoding: str) -> tuple[KeyStore, dict]:
    """The entries as a :class:`KeyStore`, and ``{index: bytes}`` of those that did not decode.

    UTF-8 entries go into the store as they are (no ``str`` objects for two million words);
    other encodings are decoded first.
    """
    if is_utf8(encoding):
        store, raw = KeyStore.from_utf8_entries(blob, starts, ends)
    else:
        words, raw = _dictionary.decode_words(blob, starts, ends, encoding)
        store = KeyStore.from_keys(words)
    if raw:
        logger.error("%d dictionary entries are not valid %s (first: %r); decoded with backslashreplace",
                     len(raw), encoding, next(iter(raw.values())))
    return store, raw


def _read_dictionary(src: ByteSource, version: int | None, encoding: str):
    start = src.offset
    size, nwords, nlabels = _dictionary_size(src)
    (ntokens,) = src.unpack("<q", "dictionary.ntokens")
    if ntokens < 0:
        raise src.error("dictionary.ntokens", f"negative token count {ntokens}", start + 12)
    prune_size = -1
    if version is not None:
        (prune_size,) = src.unpack("<q", "dictionary.pruneidx_size")
        if prune_size < -1:
            raise src.error("dictionary.pruneidx_size", f"invalid value {prune_size}", start + 20)
    entries_at = src.offset
    src.check_fits(10 * size, "dictionary.entries")

    capacity = size if src.size is not None else min(size, 1 << 20)
    starts = np.empty(capacity, dtype=np.int64)
    ends = np.empty(capacity, dtype=np.int64)
    counts = np.empty(capacity, dtype=np.int64)
    types = np.empty(capacity, dtype=np.int8)
    blob = bytearray()
    done = pos = 0
    chunk = 1 << 20
    while True:
        status, done, pos = _dictionary.scan_entries(
            np.frombuffer(blob, dtype=np.uint8) if blob else np.zeros(0, np.uint8),
            pos, done, size, starts, ends, counts, types)
        if status == _dictionary.SCAN_COMPLETE:
            break
        if status == _dictionary.SCAN_BAD_TYPE:
            raise src.error(f"dictionary.entry[{done}].type", f"entry type {types[done]} is neither "
                            f"0 (word) nor 1 (label)", entries_at + int(ends[done]) + 9)
        if done == len(starts):
            grow = min(size, 2 * len(starts))
            starts, ends, counts, types = (np.resize(a, grow) for a in (starts, ends, counts, types))
            continue
        data = src.read_some(chunk)
        if not data:
            problem = (f"file ends inside entry {done} of {size}" if len(blob) > pos else
                       f"file ends after {done} of {size} entries")
            if len(blob) > pos and b"\0" not in blob[pos:]:
                problem += " (word has no terminating NUL)"
            raise src.error(f"dictionary.entry[{done}]", problem + " (truncated?)", entries_at + pos)
        blob += data
        chunk = min(chunk * 2, 1 << 26)
    src.unread(bytes(blob[pos:]))
    del blob[pos:]
    starts, ends, counts, types = starts[:size], ends[:size], counts[:size], types[:size]
    if size and (np.any(types[:nwords] != 0) or np.any(types[nwords:] != 1)):
        bad = int(np.flatnonzero(types != (np.arange(size) >= nwords))[0])
        raise src.error(f"dictionary.entry[{bad}].type", f"entry {bad} has type {types[bad]} but the header "
                        f"declares {nwords} words followed by {nlabels} labels", entries_at + int(ends[bad]) + 9)
    if size and counts.min() < 0:
        bad = int(np.argmax(counts < 0))
        raise src.error(f"dictionary.entry[{bad}].count", f"negative count {counts[bad]}",
                        entries_at + int(ends[bad]) + 1)
    blob_array = np.frombuffer(bytes(blob), dtype=np.uint8)
    store, raw = _key_store(blob_array, starts, ends, encoding)

    pruneidx = None
    if prune_size >= 0:
        pairs_at = src.offset
        pruneidx = src.read_array("<i4", 2 * prune_size, "dictionary.pruneidx").reshape(-1, 2)
        if prune_size and (pruneidx.min() < 0 or pruneidx[:, 1].max() >= prune_size):
            raise src.error("dictionary.pruneidx", f"pruning table maps outside 0..{prune_size - 1}", pairs_at)
    return dict(words=IndexToKey(store), store=store, counts=counts, types=types, nwords=nwords, ntokens=ntokens,
                pruneidx=pruneidx, raw_words=raw, word_blob=blob_array, word_starts=starts, word_ends=ends)


def _read_matrix(src: ByteSource, name: str, quantized: bool, dim: int, rows: int, *,
                 load: bool, mmap: str | None, path: str | None):
    start = src.offset
    if quantized:
        matrix = QuantizedMatrix.read(src, name)
        if matrix.n != dim or matrix.m != rows:
            raise src.error(f"{name}.shape", f"quantised matrix is {matrix.m} x {matrix.n}, expected "
                            f"{rows} x {dim}", start)
        return matrix
    m, n = src.unpack("<2q", f"{name}.shape")
    if m < 0 or n < 0:
        raise src.error(f"{name}.shape", f"negative matrix shape {m} x {n}", start)
    if n != dim:
        raise src.error(f"{name}.shape", f"matrix has {n} columns but args.dim is {dim}", start + 8)
    if m != rows:
        raise src.error(f"{name}.shape", f"matrix has {m} rows, expected {rows} from the dictionary and "
                        f"bucket settings", start)
    nbytes = 4 * m * n
    src.check_fits(nbytes, f"{name}.data")
    if not load:
        src.skip(nbytes, f"{name}.data")
        return None
    if mmap is not None:
        array = np.memmap(path, dtype="<f4", mode=mmap, offset=src.offset, shape=(m, n))
        src.skip(nbytes, f"{name}.data")
        return array
    return src.read_array("<f4", m * n, f"{name}.data").reshape(m, n)


def read_model(src: ByteSource, *, encoding: str = "utf-8", full_model: bool = True,
               mmap: str | None = None, path: str | None = None,
               on_dictionary: Callable[[int | None, FacebookArgs, dict], None] | None = None) -> FacebookModelFile:
    """Parse a fastText model from ``src``.

    Parameters
    ----------
    src : ByteSource
        The file, positioned at its start.
    encoding : str
        Encoding of the dictionary's words.
    full_model : bool
        Read the output matrix too; when False its header is still checked and its data skipped.
    mmap : {None, 'r', 'r+', 'c'}
        Memory-map dense matrices from ``path`` instead of reading them.
    path : str
        Local path of the file, required with ``mmap``.
    on_dictionary : callable, optional
        Called with ``(version, args, fields)`` once the dictionary is parsed and before any
        matrix is allocated; it may consume and drop the word bytes (``fields['word_blob']``)
        so they are not held while gigabytes of matrix are read.

    Raises
    ------
    FacebookFormatError
        On any malformed field, naming the file, the field and its byte offset.
    """
    version, prefix = _read_signature(src)
    args = _read_args(src, version, prefix)
    if version == 11 and args.supervised:
        logger.info("%s: version 11 supervised model: character n-grams are disabled, as in fastText", src.name)
    d = _read_dictionary(src, version, encoding)
    if on_dictionary is not None:
        on_dictionary(version, args, d)
    nwords = d["nwords"]
    nlabels = len(d["words"]) - nwords
    prune = d["pruneidx"]
    ngram_rows = args.bucket if prune is None else len(prune)

    quant_input = False
    if version is not None:
        (flag,) = src.unpack("<B", "quant_input")
        if flag > 1:
            raise src.error("quant_input", f"flag byte is {flag}, expected 0 or 1", src.offset - 1)
        quant_input = bool(flag)
    if prune is not None and not quant_input:
        logger.warning("%s: pruned dictionary with a dense input matrix; fastText refuses such files", src.name)
    input_matrix = _read_matrix(src, "input_matrix", quant_input, args.dim, nwords + ngram_rows,
                                load=True, mmap=mmap, path=path)

    quant_output = False
    if version is not None:
        (flag,) = src.unpack("<B", "quant_output")
        if flag > 1:
            raise src.error("quant_output", f"flag byte is {flag}, expected 0 or 1", src.offset - 1)
        quant_output = quant_input and bool(flag)
        qout_flag = bool(flag)
    else:
        qout_flag = False
    output_rows = nlabels if args.supervised else nwords
    output_matrix = _read_matrix(src, "output_matrix", quant_output, args.dim, output_rows,
                                 load=full_model, mmap=mmap, path=path)
    if not src.at_end():
        left = src.remaining()
        more = f"{left} unexpected bytes" if left is not None else "unexpected bytes"
        raise src.error("end of file", f"{more} after the output matrix")
    return FacebookModelFile(version=version, args=args, input=input_matrix, output=output_matrix,
                             qout_flag=qout_flag, **d)


# ---------------------------------------------------------------------------------------------
# writing


def _write_array(out: BinaryIO, array: np.ndarray) -> None:
    """Write float32 rows little-endian, converting in slices to bound temporary memory."""
    rows = max(1, (1 << 26) // max(1, array.shape[1] * 4)) if array.ndim == 2 else len(array)
    for begin in range(0, len(array), rows):
        block = np.ascontiguousarray(array[begin:begin + rows], dtype="<f4")
        out.write(memoryview(block).cast("B"))


def write_model(out: BinaryIO, *, version: int | None, args: FacebookArgs, words: list, counts: np.ndarray,
                types: np.ndarray, nwords: int, ntokens: int, pruneidx: np.ndarray | None,
                input_parts: list[np.ndarray] | QuantizedMatrix, output: np.ndarray | QuantizedMatrix,
                encoding: str = "utf-8", raw_words: dict | None = None, qout_flag: bool | None = None) -> None:
    """Write a model in fastText's layout; ``input_parts`` are stacked row-wise (words, then n-grams)."""
    if version is not None:
        out.write(struct.pack("<2i", MAGIC, version))
    elif args.mode is not None:
        raise ValueError("floret arguments need a versioned (v12) file")
    out.write(args.pack())
    size = len(words)
    out.write(struct.pack("<3iq", size, nwords, size - nwords, ntokens))
    if version is not None:
        out.write(struct.pack("<q", -1 if pruneidx is None else len(pruneidx)))
    out.write(_dictionary.encode_entries(words, np.ascontiguousarray(counts, dtype=np.int64),
                                         np.ascontiguousarray(types, dtype=np.int8), encoding, raw_words))
    if version is not None and pruneidx is not None:
        out.write(np.ascontiguousarray(pruneidx, dtype="<i4").tobytes())
    quant_input = isinstance(input_parts, QuantizedMatrix)
    if version is not None:
        out.write(struct.pack("<?", quant_input))
    elif quant_input:
        raise ValueError("quantised matrices need a versioned file")
    if quant_input:
        input_parts.write(out)
    else:
        rows = sum(len(p) for p in input_parts)
        out.write(struct.pack("<2q", rows, args.dim))
        for part in input_parts:
            _write_array(out, part)
    quant_output = isinstance(output, QuantizedMatrix)
    if version is not None:
        out.write(struct.pack("<?", quant_output if qout_flag is None else qout_flag))
    if quant_output:
        output.write(out)
    else:
        out.write(struct.pack("<2q", output.shape[0], args.dim))
        _write_array(out, output)


def args_field_names() -> list[str]:
    return [f.name for f in fields(FacebookArgs)]
