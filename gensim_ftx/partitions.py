"""Per-partition work for distributed engines: plain inputs in, numpy and pandas out.

Each function takes one partition of a dataset (a pandas Series, a list or any sequence of texts)
and the path or URL of a model, and returns plain data. They are the building blocks of
:mod:`gensim_ftx.dask` and can be called as they are from Spark's ``mapInPandas``, Ray Data's
``map_batches`` or a multiprocessing pool::

    def classify(batches):                      # PySpark: df.mapInPandas(classify, schema)
        for frame in batches:
            yield predict_partition(frame["text"], "/models/lid.176.bin", k=1)

A process loads each model once and keeps it (:func:`cached_model`): local ``.bin``/``.ftz``
files are memory-mapped, so every process of a machine shares one copy in the page cache; URLs
(``s3://``, ``https://``, anything smart_open reads) are downloaded once per machine into a cache
directory, then mapped the same way.

Texts are ``str`` (encoded as UTF-8) or ``bytes`` (used as they are: fastText reads bytes, so
invalid UTF-8 is scored as fastText would score it). A newline inside a text is read as a space:
a text is one example. Missing values (``None``, NaN) and other types raise a ``ValueError``
naming the partition and the row; fill them first (``series.fillna("")``) to score them as empty.
"""
from __future__ import annotations

import fcntl
import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .io.fbbin import FacebookArgs, read_header
from .io.remote import download
from .io.source import COMPRESSED_SUFFIXES, ByteSource
from .predict.scorer import Batch
from .text._corpus import DEFAULT_MAX_TOKEN_BYTES, SEPARATORS
from .text._counts import TokenCounter
from .text._lines import pack_lines, pack_texts

CACHE_ENV = "GENSIM_FTX_CACHE"
_SEPARATORS = [bytes([c]) for c in SEPARATORS]
_MODELS_KEPT = 4  # models a process keeps loaded (least recently used goes first)
_models: OrderedDict = OrderedDict()
_models_lock = threading.Lock()


# -- models -----------------------------------------------------------------------------------------

def _is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def _remote_key(url: str) -> str:
    """What identifies a remote file's version: fsspec's ``ukey`` (ETag, size, modification time)
    where fsspec can ask the store, else the URL alone."""
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
        return f"{url}|{fs.ukey(path)}"
    except Exception:  # no fsspec, or a store that cannot describe the file: the URL is the key
        return url


def model_key(model_path: str | os.PathLike) -> tuple:
    """The cache key of a model: its path with its modification time and size (a replaced file is
    a new model), or its URL with what the store says of its version."""
    path = os.fspath(model_path)
    if _is_url(path):
        return ("url", _remote_key(path))
    st = os.stat(_local(path))
    return ("file", os.path.realpath(_local(path)), st.st_mtime_ns, st.st_size)


def cache_dir() -> str:
    """Where downloaded models are kept: ``$GENSIM_FTX_CACHE``, else ``~/.cache/gensim_ftx/models``."""
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "gensim_ftx", "models")


def _download(url: str, key: str) -> str:
    """A local copy of ``url``, fetched once per machine: a file lock keeps the processes of one
    machine from fetching it together, and the copy appears under its name only when complete."""
    folder = cache_dir()
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    suffix = ".ftz" if url.split("?")[0].endswith(".ftz") else ".bin"
    target = os.path.join(folder, name + suffix)
    with open(os.path.join(folder, name + ".lock"), "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(target):
            download(url, target, decompress=True)
    return target


def cached_model(model_path: str | os.PathLike):
    """The :class:`gensim_ftx.fasttext` model object for ``model_path``, loaded once per process.

    Parameters
    ----------
    model_path : str or os.PathLike
        A local ``.bin``/``.ftz`` file (memory-mapped, so processes share its pages) or a URL
        (downloaded once per machine into :func:`cache_dir`, then memory-mapped).

    Notes
    -----
    The key includes the file's modification time and size (a URL's ETag or version where its
    store reports one), so a replaced model is loaded afresh. A process keeps the four most
    recently used models.
    """
    from .fasttext import load_model

    key = model_key(model_path)
    with _models_lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
            return model
        path = os.fspath(model_path)
        local = _download(path, key[1]) if key[0] == "url" else _local(path)
        model = load_model(local)
        _ = model.predictor  # build the scorer now, under the lock, not in every thread that asks
        _models[key] = model
        while len(_models) > _MODELS_KEPT:
            _models.popitem(last=False)
        return model


def preload(model_path: str | os.PathLike) -> None:
    """Load a model into this process' cache ahead of the work: ``client.run(preload, path)``
    warms every Dask worker (returns nothing, so nothing travels back)."""
    cached_model(model_path)


@dataclass(frozen=True)
class ModelHeader:
    """What a model file says of itself in its first bytes: enough to lay out results."""

    args: FacebookArgs
    nwords: int
    nlabels: int

    @property
    def dim(self) -> int:
        return int(self.args.dim)

    @property
    def supervised(self) -> bool:
        return bool(self.args.supervised)


def model_header(model_path: str | os.PathLike) -> ModelHeader:
    """Read a model's arguments and dictionary sizes without loading it (a few hundred bytes,
    also from a URL)."""
    path = os.fspath(model_path)
    with _open_binary(path) as stream:
        src = ByteSource(stream, path)
        return ModelHeader(*read_header(src))


# -- texts ------------------------------------------------------------------------------------------

def _where(partition, label) -> str:
    place = f"row {label!r}"
    return f"partition {partition}, {place}" if partition is not None else place


def _rows(texts) -> tuple[list, Sequence]:
    """The values of a partition and how to name its rows (a Series' index, else positions)."""
    index = _index(texts)
    values = texts.tolist() if hasattr(texts, "tolist") else list(texts)
    return values, (index if index is not None else range(len(values)))


def _index(texts):
    """A pandas object's index (None for lists and arrays, whose ``index`` is a method)."""
    return texts.index if hasattr(texts, "iloc") else None


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        type(value).__name__ in ("NAType", "NaTType")


def encode_texts(texts, *, partition=None, newlines: bytes | None = b" ") -> list[bytes]:
    """A partition's texts as bytes: ``str`` encoded as UTF-8, ``bytes`` as they are, newlines
    inside a text replaced by ``newlines`` (kept when None).

    Raises
    ------
    ValueError
        For a missing value, a value that is not text, or a ``str`` that cannot be UTF-8 (a lone
        surrogate), naming the partition and the row.
    """
    values, labels = _rows(texts)
    out = []
    for value, label in zip(values, labels):
        if isinstance(value, str):
            try:
                data = value.encode("utf-8")
            except UnicodeEncodeError as err:
                raise ValueError(f"{_where(partition, label)}: text is not valid Unicode ({err.reason} at "
                                 f"character {err.start}); pass bytes to score raw bytes") from None
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
        elif _missing(value):
            raise ValueError(f"{_where(partition, label)}: missing text ({value!r}); fill missing values first, "
                             f"e.g. series.fillna('')")
        else:
            raise ValueError(f"{_where(partition, label)}: expected str or bytes, got {type(value).__name__}")
        if newlines is not None and b"\n" in data:
            data = data.replace(b"\n", newlines)
        out.append(data)
    return out


def _batch(texts, partition, *, lines: bool = True) -> Batch:
    """A partition's texts packed for the scorer in one pass (lines: newlines read as spaces, each
    text ended as a line; words: as they are). A value the fast path cannot take goes through
    :func:`encode_texts`, which names a bad row or converts a bytes-like one."""
    values, _ = _rows(texts)
    data, starts, ends, bad = pack_texts(values, lines)
    if bad >= 0:
        data, starts, ends = pack_lines(encode_texts(texts, partition=partition, newlines=b" " if lines else None))
    return Batch(data, starts, ends, np.full(len(starts), int(lines), dtype=np.uint8))


# -- prediction and vectors -------------------------------------------------------------------------

LAYOUTS = ("wide", "lists")


def _list_dtypes() -> tuple:
    """Arrow list types for the 'lists' layout (typed, and kept as lists by Dask and Parquet);
    plain object columns of Python lists where pyarrow is not installed."""
    try:
        import pandas as pd
        import pyarrow as pa
    except ImportError:
        return "object", "object"
    return pd.ArrowDtype(pa.list_(pa.string())), pd.ArrowDtype(pa.list_(pa.float32()))


def columns_for(k: int, nlabels: int) -> int:
    """The labels a row gets for ``k`` (-1: all) from a model with ``nlabels`` labels: never more
    than it has, so a wide frame has no column that is always empty."""
    if isinstance(k, bool) or not isinstance(k, Integral) or not (k == -1 or k >= 1):
        raise ValueError(f"k must be an integer >= 1 or -1 (all labels), got {k!r}")
    return nlabels if k == -1 else min(int(k), nlabels)


def prediction_columns(k: int, layout: str = "wide") -> dict:
    """Column names and dtypes of :func:`predict_partition`'s frame."""
    if layout == "lists":
        labels, probs = _list_dtypes()
        return {"labels": labels, "probs": probs}
    if layout != "wide":
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    return {**{f"label_{i + 1}": "string" for i in range(k)}, **{f"prob_{i + 1}": "float32" for i in range(k)}}


def predict_partition(texts, model_path: str | os.PathLike, k: int = 1, threshold: float = 0.0, *,
                      layout: str = "wide", threads: int = 1, partition=None):
    """The ``k`` best labels of every text of a partition and their probabilities.

    Parameters
    ----------
    texts : pandas.Series or sequence of str / bytes
        One example a text (see the module notes for bytes, newlines and missing values).
    model_path : str or os.PathLike
        A supervised fastText model (``.bin`` or ``.ftz``), local or a URL.
    k : int
        Labels a text; -1 for all of the model's labels (a larger ``k`` gives all of them, too).
    threshold : float
        Leave out labels whose probability is below it.
    layout : {'wide', 'lists'}, keyword-only
        ``'wide'``: columns ``label_1 .. label_k`` (pandas' ``string`` dtype, ``<NA>`` where fewer
        than ``k`` labels pass the threshold) and ``prob_1 .. prob_k`` (float32, NaN there). ``'lists'``: columns
        ``labels`` and ``probs`` holding one list each a row, as fastText's ``predict`` returns
        them (Arrow ``list<string>`` / ``list<float>`` columns where pyarrow is installed).
    threads : int, keyword-only
        Threads that score the partition (each without the GIL).
    partition : object, keyword-only
        How errors name this partition (the Dask functions pass its number).

    Returns
    -------
    pandas.DataFrame
        One row a text, with the index of ``texts`` when it has one. Probabilities are fastText's
        (bit for bit what ``fasttext``'s ``predict`` gives).
    """
    import pandas as pd

    prediction_columns(1, layout)  # checks the layout
    model = cached_model(model_path)
    if not model._supervised:
        raise ValueError(f"{os.fspath(model_path)} is not a classifier (a supervised model): nothing to predict")
    predictor = model.predictor
    k = columns_for(k, len(predictor.labels))
    ids, probs, counts = predictor.predict_batch(_batch(texts, partition), k, threshold, threads=threads)
    index = _index(texts)
    names = np.asarray(list(predictor.labels) + [None], dtype=object)
    if layout == "lists":
        labels = [names[row[:count]].tolist() for row, count in zip(ids, counts.tolist())]
        values = [row[:count].tolist() for row, count in zip(probs, counts.tolist())]
        types = prediction_columns(k, layout)
        return pd.DataFrame({"labels": pd.Series(labels, dtype=types["labels"], index=index),
                             "probs": pd.Series(values, dtype=types["probs"], index=index)}, index=index)
    shown = probs.copy()
    shown[ids < 0] = np.nan
    columns = {f"label_{i + 1}": pd.Series(names[ids[:, i]], dtype="string", index=index) for i in range(k)}
    columns.update({f"prob_{i + 1}": pd.Series(shown[:, i], index=index) for i in range(k)})
    return pd.DataFrame(columns, index=index)


def sentence_vectors_partition(texts, model_path: str | os.PathLike, *, threads: int = 1,
                               partition=None) -> np.ndarray:
    """fastText's ``get_sentence_vector`` of every text, as a float32 array ``(n, dim)``: for a
    classifier the mean of the text's input rows (``</s>`` included), otherwise the mean of its
    words' unit vectors."""
    from .predict.query import sentence_vectors

    model = cached_model(model_path)
    if model._supervised:
        return model.predictor.line_vectors(_batch(texts, partition), threads=threads)
    lines = encode_texts(texts, partition=partition)
    return sentence_vectors(lambda words: model.predictor.word_vectors(words, threads=threads), lines,
                            model.get_dimension())


def word_vectors_partition(words, model_path: str | os.PathLike, *, threads: int = 1,
                           partition=None) -> np.ndarray:
    """fastText's ``get_word_vector`` of every word (out-of-vocabulary words from their character
    n-grams; zeros when a word has none), as a float32 array ``(n, dim)``."""
    model = cached_model(model_path)
    return model.predictor.word_vectors(_batch(words, partition, lines=False), threads=threads)


# -- vocabulary counting ------------------------------------------------------------------------------

def count_partition(lines, *, eos: bool = True, max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
                    partition=None) -> TokenCounter:
    """Count the tokens of a partition of lines with fastText's tokenisation.

    Every element is one line of the corpus and counts one ``</s>`` (a newline is added where it
    has none; Dask's ``read_text`` keeps each line's own), as in a file that ends with a newline:
    fastText gives a file's last line no ``</s>`` when no newline ends it. Newlines inside an
    element end lines too.
    Merge the counters of consecutive partitions in order with :func:`merge_counts`.
    """
    counter = TokenCounter(eos=eos, max_token_bytes=max_token_bytes)
    data = [line if line.endswith(b"\n") else line + b"\n"
            for line in encode_texts(lines, partition=partition, newlines=None)]
    counter.update(b"".join(data))
    return counter


def _open_binary(path: str):
    if _is_url(path) or path.endswith(COMPRESSED_SUFFIXES):
        import smart_open

        return smart_open.open(path, "rb")
    return open(_local(path), "rb")


def is_splittable(path: str) -> bool:
    """Whether byte ranges of ``path`` can be read on their own (not a compressed file)."""
    return not path.endswith(COMPRESSED_SUFFIXES)


def file_blocks(paths: Iterable[str | os.PathLike], blocksize: int = 64 << 20) -> list[tuple[str, int, int]]:
    """Split files into ``(path, start, end)`` byte ranges of about ``blocksize`` bytes, in order.

    A block counts the tokens that start inside it (see :func:`count_file_block`), so a file of
    one long line splits as well as any other; a compressed file is one block (``end`` -1).
    """
    if blocksize < 1:
        raise ValueError(f"blocksize must be >= 1, got {blocksize}")
    blocks = []
    for path in map(os.fspath, paths):
        if not is_splittable(path):
            blocks.append((path, 0, -1))
            continue
        size = _size(path)
        starts = range(0, max(size, 1), blocksize)
        blocks += [(path, start, min(start + blocksize, size)) for start in starts]
    return blocks


def _size(path: str) -> int:
    if _is_url(path):
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        return int(fs.size(inner))
    return os.path.getsize(_local(path))


def _first_separator(data: bytes) -> int:
    """Index of the first separator byte of ``data``, or -1."""
    found = [i for i in (data.find(separator) for separator in _SEPARATORS) if i >= 0]
    return min(found) if found else -1


def _rest_of_token(stream, piece: int = 1 << 16) -> bytes:
    """Read up to the next separator (left unread) or the end of the file."""
    parts = []
    while data := stream.read(piece):
        cut = _first_separator(data)
        if cut >= 0:
            stream.seek(cut - len(data), os.SEEK_CUR)
            parts.append(data[:cut])
            break
        parts.append(data)
    return b"".join(parts)


def count_file_block(path: str | os.PathLike, start: int = 0, end: int = -1, *, eos: bool = True,
                     max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES, chunk: int = 16 << 20) -> TokenCounter:
    """Count the tokens of ``path`` that start at a byte offset in ``[start, end)`` (``end`` -1:
    to the end of the file), and its newlines in that range, reading ``chunk`` bytes at a time.

    A token that crosses ``start`` belongs to the block before, one that crosses ``end`` to this
    one, so counting the blocks of :func:`file_blocks` and merging them in order gives exactly
    what :func:`gensim_ftx.text._counts.count_words` gives for the whole file.
    """
    path = os.fspath(path)
    counter = TokenCounter(eos=eos, max_token_bytes=max_token_bytes)
    with _open_binary(path) as stream:
        position = start
        if start > 0:
            stream.seek(start - 1)
            if stream.read(1) not in _SEPARATORS:
                position += len(_rest_of_token(stream))  # the token that crosses ``start``
        if end >= 0 and position >= end:
            return counter
        carry = b""
        while True:
            want = chunk if end < 0 else min(chunk, end - position)
            data = stream.read(want) if want > 0 else b""
            position += len(data)
            if not data:
                if carry:
                    counter.update(carry)
                return counter
            data = carry + data
            if end >= 0 and position >= end and data[-1:] not in _SEPARATORS:
                data += _rest_of_token(stream)  # finish the token that crosses ``end``
            cut = _last_separator(data)
            counter.update(data[:cut])
            carry = data[cut:]


def _last_separator(data: bytes) -> int:
    """Length of the longest prefix of ``data`` that ends at a separator (so no token is cut)."""
    return max(data.rfind(separator) for separator in _SEPARATORS) + 1


def merge_counts(counters: Sequence[TokenCounter]) -> TokenCounter:
    """Merge counters of consecutive parts of a corpus, in corpus order (a new counter)."""
    if not counters:
        return TokenCounter()
    total = TokenCounter(eos=counters[0].eos, max_token_bytes=counters[0].max_token_bytes)
    for counter in counters:
        total.merge(counter)
    return total


@dataclass
class VocabularyCounts:
    """A corpus' token counts, as :func:`gensim_ftx.dask.count_vocabulary` returns them.

    Attributes
    ----------
    words : list of bytes
        Distinct tokens in order of first occurrence (``</s>`` included in eos mode).
    counts : numpy.ndarray of int64
    ntokens : int
        All tokens, ``</s>`` included: fastText's ``ntokens``.
    nlines : int
        Lines (gensim's ``corpus_count``).
    """

    words: list
    counts: np.ndarray
    ntokens: int
    nlines: int

    @classmethod
    def from_counter(cls, counter: TokenCounter) -> VocabularyCounts:
        words, counts, ntokens = counter.result()
        return cls(words, counts, int(ntokens), int(counter.nlines))

    @property
    def word_freq(self) -> dict:
        """``{word: count}`` for :meth:`gensim_ftx.FastText.build_vocab_from_freq`: ``str`` keys,
        and the raw ``bytes`` of a token that is not UTF-8 (so its subwords hash as fastText's)."""
        out = {}
        for word, count in zip(self.words, self.counts.tolist()):
            try:
                out[word.decode("utf-8")] = count
            except UnicodeDecodeError:
                out[word] = count
        return out

    def labels(self, prefix: str = "__label__") -> dict:
        """``{label: count}`` of the tokens that start with ``prefix``."""
        raw = prefix.encode("utf-8")
        return {word.decode("utf-8", "backslashreplace"): count
                for word, count in zip(self.words, self.counts.tolist()) if word.startswith(raw)}
