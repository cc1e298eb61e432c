"""Bulk prediction with a fastText model: the Python edge of :mod:`gensim_ftx.predict._scorer`.

:class:`Predictor` takes a model's dictionary and matrices (from a gensim_ftx ``FastText`` or
straight from a parsed ``.bin``/``.ftz`` file, quantised codes kept as codes), encodes a batch
of texts once, and scores it on several threads, each running without the GIL.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..io.quant import QuantizedMatrix
from ..text._lines import pack_lines, pack_texts, split_lines
from ..text._subwords import SubwordHasher
from ..text._vocab import KeyStore
from ..text.vocab import compact_store
from ..train.huffman import children
from ._matrix import MatrixRows
from ._scorer import Scorer
from .meter import Meter

EOS = "</s>"
LABEL_PREFIX = "__label__"
_LINES_PER_TASK = 256  # lines a thread scores between looks at the queue
_READ_CHUNK = 1 << 24


@dataclass
class Batch:
    """Texts packed into one buffer: ``data[starts[i]:ends[i]]`` is text i."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    ended: np.ndarray  # 1 where fastText would see a newline after the text

    def __len__(self) -> int:
        return len(self.starts)

    @classmethod
    def from_texts(cls, texts: Sequence, *, ended: bool | Sequence[bool] = True) -> Batch:
        """Texts (``str``, UTF-8 encoded, or ``bytes``); ``ended``: whether each is followed by a newline."""
        values = texts if type(texts) is list else list(texts)
        data, starts, ends, bad = pack_texts(values, False)
        if bad >= 0:  # a bytes-like value to convert, or a bad one for _encode to name
            data, starts, ends = pack_lines([_encode(text, i) for i, text in enumerate(values)])
        flags = np.full(len(starts), int(ended), dtype=np.uint8) if isinstance(ended, bool) else \
            np.asarray(ended, dtype=bool).astype(np.uint8)
        if flags.shape != starts.shape:
            raise ValueError(f"ended must be a bool or one flag a text: {len(starts)} texts, ended {flags.shape}")
        return cls(data, starts, ends, flags)

    @classmethod
    def from_buffer(cls, data: bytes) -> Batch:
        """The lines of a file's bytes, as fastText's reader meets them."""
        return cls(data, *split_lines(data))


def _encode(text, index: int) -> bytes:
    if isinstance(text, str):
        return text.encode("utf-8")
    if isinstance(text, bytes | bytearray | memoryview):
        return bytes(text)
    raise TypeError(f"text {index} is {type(text).__name__}, expected str")


def _threads(threads: int | None) -> int:
    if threads is None:
        return 1
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return threads


class Predictor:
    """Scores texts with a fastText model's dictionary and matrices.

    Parameters
    ----------
    words : KeyStore
        The dictionary's words.
    labels : list of str
        The labels (output rows of a supervised model), most frequent first.
    label_counts : sequence of int
        Their counts (the hierarchical-softmax tree is built from them).
    hasher : SubwordHasher
        Character n-grams and pruning table of the model.
    input, output : MatrixRows
    loss : {'softmax', 'ns', 'hs', 'ova'}
    word_ngrams, bucket : int
    subword_indptr, subword_ids : arrays, optional
        The words' precomputed subwords.
    label_prefix : str
    """

    def __init__(self, words: KeyStore, labels: Sequence[str], label_counts: Sequence[int], hasher: SubwordHasher,
                 input: MatrixRows, output: MatrixRows | None, loss: str, word_ngrams: int, bucket: int, *,
                 subword_indptr=None, subword_ids=None, label_prefix: str = LABEL_PREFIX):
        self.labels = list(labels)
        self.label_store = KeyStore.from_keys(self.labels)
        self.loss = loss
        left = right = None
        if loss == "hs" and output is not None and self.labels:
            left, right = children(label_counts)
        self.scorer = Scorer(words, self.label_store, len(words), hasher, int(word_ngrams), int(bucket), input,
                             output, loss, left, right, label_prefix.encode("utf-8"), subword_indptr, subword_ids)
        self.dim = self.scorer.dim

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_parts(cls, wv, labels: Sequence[str], label_counts: Sequence[int], args, loss: str, input_matrix,
                   output_matrix, *, label_prefix: str = LABEL_PREFIX) -> Predictor:
        """A predictor over a model's pieces.

        Parameters
        ----------
        wv : FastTextKeyedVectors
            The words and n-gram settings (its rows are not read unless ``input_matrix`` is None).
        labels, label_counts
            The labels and their counts (empty for an unsupervised model).
        args : FacebookArgs
            ``word_ngrams`` and ``bucket`` (word n-grams hash into the n-gram buckets).
        loss : {'softmax', 'ns', 'hs', 'ova'}
        input_matrix : QuantizedMatrix or None
            Quantised input rows, scored from their codes; None: ``wv``'s dense rows.
        output_matrix : ndarray, QuantizedMatrix or None
        """
        nwords = len(wv.index_to_key)
        if isinstance(input_matrix, QuantizedMatrix):
            input_rows = MatrixRows.quantized(input_matrix, decode=True)
        else:
            input_rows = MatrixRows.dense(wv.vectors_vocab[:nwords], wv.vectors_ngrams)
        if isinstance(output_matrix, QuantizedMatrix):
            output_rows = MatrixRows.quantized(output_matrix)
        else:
            output_rows = MatrixRows.dense(output_matrix) if output_matrix is not None else None
        labels = list(labels)
        counts = np.asarray(label_counts if labels else [], dtype=np.int64).tolist()
        word_ngrams = int(getattr(args, "word_ngrams", 1) or 1)
        bucket = int(getattr(args, "bucket", wv.bucket))
        # A classifier's lines repeat its few words: fastText precomputes their subwords, and so do
        # we. Word vectors of a large unsupervised model are hashed as they are asked for.
        indptr = ids = None
        if labels:
            # (computed here: a quantised model's keyed vectors have no rows to size their own table)
            indptr, ids = wv._compute_csr(nwords)
        return cls(_word_store(wv), labels, counts, wv.hasher, input_rows, output_rows, loss, word_ngrams, bucket,
                   subword_indptr=indptr, subword_ids=ids, label_prefix=label_prefix)

    @classmethod
    def from_model(cls, model, *, quantized: dict | None = None) -> Predictor:
        """A predictor over a gensim_ftx ``FastText`` (trained, or loaded from a fastText file).

        ``quantized`` (``{'input': QuantizedMatrix, 'output': ...}``, as a loaded ``.ftz`` keeps
        it in ``model._quantized``) scores from codes instead of the model's dense matrices.
        """
        quantized = quantized or {}
        output = quantized.get("output")
        if output is None:
            output = _output_matrix(model)
        labels = list(getattr(model, "labels", None) or ())
        return cls.from_parts(model.wv, labels, getattr(model, "label_counts", None) if labels else [],
                              getattr(model, "fb_args", None), getattr(model, "loss", "ns") or "ns",
                              quantized.get("input"), output,
                              label_prefix=getattr(model, "label_prefix", LABEL_PREFIX))

    # -- scoring -------------------------------------------------------------------------------

    def _run(self, count: int, threads: int, job) -> None:
        if threads == 1 or count <= _LINES_PER_TASK:
            job(0, count)
            return
        bounds = list(range(0, count, _LINES_PER_TASK)) + [count]
        with ThreadPoolExecutor(min(threads, len(bounds) - 1)) as pool:
            for future in [pool.submit(job, a, b) for a, b in zip(bounds[:-1], bounds[1:])]:
                future.result()

    def predict_batch(self, batch: Batch, k: int = 1, threshold: float = 0.0, *, threads: int | None = None,
                      want_gold: bool = False):
        """Best ``k`` labels of each text of ``batch``.

        A ``k`` above the number of labels asks for all of them: the arrays are then that wide.

        Returns
        -------
        labels : int32 ndarray ``(n, k)``
            Label indices, best first; -1 past ``counts[i]``.
        probs : float32 ndarray ``(n, k)``
            Their probabilities as fastText reports them (``exp(log(p + 1e-5))``); 0 past ``counts[i]``.
        counts : int32 ndarray ``(n,)``
        gold_sizes, gold_ids : int32 ndarrays, only with ``want_gold``
            How many known labels each text carries, and those labels, text after text. Counts
            are then -1 for texts without any input row (fastText does not score them).
        """
        n = len(batch)
        if k == -1:
            k = len(self.labels)
        elif k <= 0:
            raise ValueError("k needs to be 1 or higher!")
        if self.labels:
            k = min(k, len(self.labels))  # no more to rank: a k of 10**9 must not size the arrays
        labels = np.full((n, k), -1, dtype=np.int32)
        probs = np.zeros((n, k), dtype=np.float32)
        counts = np.zeros(n, dtype=np.int32)
        gold_parts: dict[int, tuple] = {}

        def job(lo: int, hi: int) -> None:
            result = self.scorer.predict(batch.data, batch.starts, batch.ends, batch.ended, lo, hi, k,
                                         threshold, labels, probs, counts, want_gold)
            if want_gold:
                gold_parts[lo] = result

        if n and k:
            self._run(n, _threads(threads), job)
        if not want_gold:
            np.maximum(counts, 0, out=counts)
            return labels, probs, counts
        parts = [gold_parts[lo] for lo in sorted(gold_parts)]
        sizes = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
        ids = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
        return labels, probs, counts, sizes, ids

    def predict_line(self, text: str, k: int = 1, threshold: float = 0.0) -> tuple[list[int], list[float]]:
        """Label indices and probabilities of one line, best first (the per-document fast path)."""
        if k == -1:
            k = len(self.labels)
        elif k <= 0:
            raise ValueError("k needs to be 1 or higher!")
        return self.scorer.predict_line(text.encode("utf-8"), k, threshold)

    def predict_texts(self, texts: list, k: int = 1, threshold: float = 0.0, *, threads: int | None = None):
        """fastText's ``predict(list)``: ``(list of label lists, list of float32 probability
        arrays)``, scored without packing the texts and built without a per-line Python step; None
        when a text needs the checked path (not a str, a newline in it, not UTF-8-encodable)."""
        threads = _threads(threads)
        job = self.scorer.text_job(texts, k, max(64, min(1024, len(texts) // (8 * threads) + 1)))
        if job is None:
            return None
        labels, probs = [None] * len(job), [None] * len(job)
        helpers = [threading.Thread(target=self.scorer.score_chunks, args=(job, threshold), daemon=True)
                   for _ in range(min(threads, len(texts) // 64 + 1) - 1)]
        for thread in helpers:
            thread.start()
        try:
            self.scorer.collect(job, labels, probs, threshold)
        finally:
            for thread in helpers:
                thread.join()
        return labels, probs

    def predict(self, texts: Sequence, k: int = 1, threshold: float = 0.0, *, threads: int | None = None):
        """:meth:`predict_batch` over texts (``str``; each is one line followed by a newline)."""
        return self.predict_batch(Batch.from_texts(texts), k, threshold, threads=threads)

    def line_vectors(self, texts: Sequence | Batch, *, ended: bool | Sequence[bool] = True,
                     threads: int | None = None) -> np.ndarray:
        """fastText's supervised sentence vectors: the mean input row of each line (with ``</s>``
        where a newline ended it), zeros for a line without rows. A :class:`Batch` brings its own
        ``ended`` flags."""
        batch = texts if isinstance(texts, Batch) else Batch.from_texts(texts, ended=ended)
        out = np.zeros((len(batch), self.dim), dtype=np.float32)
        self._run(len(batch), _threads(threads),
                  lambda lo, hi: self.scorer.vectors(batch.data, batch.starts, batch.ends, batch.ended, lo, hi, out))
        return out

    def word_vectors(self, words: Sequence | Batch, *, threads: int | None = None) -> np.ndarray:
        """``getWordVector`` of each word (texts, or a :class:`Batch` of them): the mean of its
        subword rows (zeros if it has none)."""
        batch = words if isinstance(words, Batch) else Batch.from_texts(words, ended=False)
        out = np.zeros((len(batch), self.dim), dtype=np.float32)
        self._run(len(batch), _threads(threads),
                  lambda lo, hi: self.scorer.vectors(batch.data, batch.starts, batch.ends, batch.ended, lo, hi,
                                                     out, True))
        return out

    def line(self, text: str) -> tuple[list[int], list[int]]:
        """Input rows and known label indices of one line (a newline after it)."""
        return self.scorer.line_rows(text.encode("utf-8"), True)

    def test_file(self, path: str, k: int = 1, threshold: float = 0.0, *, threads: int | None = None,
                  scores: bool = False) -> Meter:
        """fastText's ``test``: predict every line of ``path`` that has a known label and a word
        (``scores``: keep every prediction's score, see :class:`~gensim_ftx.predict.meter.Meter`)."""
        try:
            stream = open(path, "rb")
        except OSError as err:
            raise ValueError("Test file cannot be opened!") from err
        with stream:
            return self.test_stream(stream, k, threshold, threads=threads, scores=scores)

    def test_stream(self, stream, k: int = 1, threshold: float = 0.0, *, threads: int | None = None,
                    scores: bool = False) -> Meter:
        """:meth:`test_file` over a binary stream."""
        meter = Meter(len(self.labels), scores=scores)
        for data in _line_chunks(stream):
            batch = Batch.from_buffer(data)
            labels, probs, counts, sizes, ids = self.predict_batch(batch, k, threshold, threads=threads,
                                                                   want_gold=True)
            meter.add(labels, counts, sizes, ids, probs)
        return meter


def _line_chunks(stream) -> list:
    """The file in chunks of whole lines (a chunk ends after a newline, or at end of file)."""
    rest = b""
    while True:
        block = stream.read(_READ_CHUNK)
        if not block:
            if rest:
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            rest = block
            continue
        yield block[:cut]
        rest = block[cut:]


def _word_store(wv) -> KeyStore:
    compact = compact_store(wv.key_to_index)
    if compact is not None and compact[1] == len(compact[0]) and not wv.raw_keys:
        return compact[0]
    blob, starts, ends = wv._encode_keys(len(wv.index_to_key))
    store, _ = KeyStore.from_utf8_entries(blob, starts, ends)
    return store


def _output_matrix(model):
    loss = getattr(model, "loss", None)
    for name in ({"hs": ("syn1",), "ns": ("syn1neg",)}.get(loss, ()) + ("syn1out", "syn1neg", "syn1")):
        matrix = getattr(model, name, None)
        if matrix is not None and len(matrix):
            return matrix
    return None
