"""Supervised training (text classification) on the shared kernels, as fastText's ``-supervised``.

The file is counted once with fastText's tokenisation, every line is read once into its input
rows (words, character n-grams, word n-grams, ``</s>``) and labels (:class:`~gensim_ftx.text._lines.LineReader`),
and the threads then stream over the encoded lines as fastText's threads stream over the file:
each from its own offset, wrapping, until ``epoch x ntokens`` tokens are consumed, with the
learning rate falling linearly to zero on a counter they share. Each line is one example of
:func:`~gensim_ftx.train._kernels.supervised_line`: CBOW whose context is the whole line and whose
target is a label, through the same loss interface as skip-gram and CBOW (softmax, ns, hs, ova).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._memory import lazy_zeros
from ..text._counts import count_words
from ..text._lines import LineReader, split_lines
from ..text.vocab import split_dictionary, store_from_bytes
from ._engine import KernelModel, Worker
from .tables import FASTTEXT, huffman_paths, negative_sampler
from .trainer import Progress, TrainingRun, report, run_watched

logger = logging.getLogger(__name__)

_INIT_CHUNK = 1 << 24
_HOLD_LIMIT = 1 << 24  # floats of output a thread may hold back (64 MiB)
_HOLD = {"softmax": 16, "ova": 4}  # examples a thread holds its output updates for, with several threads
# With several threads, each holds back its updates of the most frequent words' input rows (the
# dictionary's first, up to this many bytes of them) for this many lines: see Worker.hold_input_updates.
_HOT_BYTES = 1 << 20
_HOT_LINES = 32


@dataclass
class EncodedLines:
    """A training file read once: every line's input rows and labels (see :meth:`LineReader.encode`)."""

    line_starts: np.ndarray      # byte offset of each line (threads start at their offset's line)
    row_indptr: np.ndarray
    rows: np.ndarray
    label_indptr: np.ndarray
    line_labels: np.ndarray
    line_tokens: np.ndarray


def build_dictionary(path: str, min_count: int, min_count_label: int, label: str,
                     on_reading: Callable[[int], None] | None = None) -> tuple:
    """fastText's ``readFromFile`` + ``threshold``: words and labels above their minimum counts,
    most frequent first, equal counts in the order fastText's sort leaves them (so ids and rows
    equal fastText's), and the number of tokens read. ``on_reading(ntokens)`` is called every
    million tokens while the file is read."""
    tokens, counts, ntokens = count_words(path, eos=True, progress=on_reading)
    prefix = label.encode("utf-8")
    is_label = np.fromiter((t.startswith(prefix) for t in tokens), dtype=bool, count=len(tokens))
    counts = np.asarray(counts, dtype=np.int64)
    word_ids, label_ids = split_dictionary(counts, is_label, min_count, min_count_label)
    words, word_counts = [tokens[i] for i in word_ids], counts[word_ids]
    labels, label_counts = [tokens[i] for i in label_ids], counts[label_ids]
    if not words:
        raise ValueError(f"{path}: Empty vocabulary. Try a smaller -minCount value.")
    if not labels:
        raise ValueError(f"{path}: no labels: a classifier needs lines with tokens starting with {label!r} "
                         f"(seen at least minCountLabel={min_count_label} times)")
    return words, word_counts, labels, label_counts, int(ntokens)


def fasttext_init(rows: int, dim: int, threads: int, seed: int) -> np.ndarray:
    """fastText's ``uniform(1/dim, thread, seed)``: blocks of a tenth of the matrix are filled from
    U(-1/dim, 1/dim), one block per training thread; with fewer than ten threads the rest stays zero
    (fastText 0.9.2; REFERENCE.md section 10.2). The zero rows cost no memory until training
    writes them (:func:`~gensim_ftx._memory.lazy_zeros`), as fastText's."""
    matrix = lazy_zeros((rows, dim), dtype=np.float32)
    flat = matrix.reshape(-1)
    block = flat.size // 10
    filled = flat.size if threads >= 10 else block * max(threads, 1)
    rng = np.random.default_rng(seed)
    bound = np.float32(1.0 / dim)
    for start in range(0, filled, _INIT_CHUNK):
        part = flat[start:min(filled, start + _INIT_CHUNK)]
        rng.random(out=part, dtype=np.float32)
        part *= 2 * bound
        part -= bound
    return matrix


def encode(path: str, reader: LineReader) -> EncodedLines:
    """Every line of ``path`` as input rows and labels."""
    with open(path, "rb") as stream:
        data = stream.read()
    starts, ends, ended = split_lines(data)
    return EncodedLines(starts, *reader.encode(data, starts, ends, ended))


@dataclass
class SupervisedRun:
    """The arrays of one training run, for :func:`run_threads`."""

    kernel: KernelModel
    data: EncodedLines
    threads: int
    budget: int
    lr: float
    seed: int
    hold_output: int = 0  # softmax / one-vs-all: examples a thread holds its output updates for
    hot_rows: int = 0     # input rows (the most frequent words) whose updates a thread holds back
    epochs: int = 1       # the budget's epochs (for the message of a diverged run)


def run_threads(run: SupervisedRun, progress: Callable[[Progress], None] | None = None) -> None:
    """Train with ``run.threads`` threads; Ctrl-C stops them cleanly and re-raises."""
    data = run.data
    size = int(data.line_starts[-1]) + 1 if len(data.line_starts) else 1
    first_lines = [int(np.searchsorted(data.line_starts, k * size // run.threads)) % max(len(data.line_tokens), 1)
                   for k in range(run.threads)]
    state = TrainingRun(kernel=run.kernel, semantics=FASTTEXT, alpha=run.lr, min_alpha=0.0, budget=run.budget,
                        seed=run.seed, epochs=max(run.epochs, 1))
    state.loss_board = np.zeros((run.threads, 2))
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            worker = Worker(run.kernel, (run.seed << 20) + k + 1)
            if run.threads > 1 and run.hold_output:
                worker.hold_output_updates(run.kernel, run.hold_output)
            if run.threads > 1 and run.hot_rows:
                worker.hold_input_updates(run.kernel, run.hot_rows, _HOT_LINES)
            worker.train_lines(run.kernel, data.row_indptr, data.rows, data.label_indptr, data.line_labels,
                               data.line_tokens, first_lines[k], state.counter, run.budget, run.lr, 0.0, state.stop,
                               state.loss_board[k])
            if worker.nan_seen:
                state.diverged(worker)
        except BaseException as err:  # surfaced in the calling thread
            errors.append(err)
            state.stop[0] = 1

    workers = [threading.Thread(target=work, args=(k,), daemon=True, name=f"gensim_ftx-sup-{k}")
               for k in range(run.threads)]
    ticks = [(1.0, 1.0, lambda: logger.info("PROGRESS: at %.2f%% of tokens, loss %.6f",
                                            100.0 * min(1.0, state.counter[0] / run.budget),
                                            report(state, run.threads, 0).loss))]
    if progress is not None:
        ticks.append((0.1, 0.0, lambda: progress(report(state, run.threads, 0))))
    run_watched(workers, state.stop, ticks)
    if errors:
        raise errors[0]
    if state.nan_seen:
        # the epoch the shared token counter had reached: what fastText's threads count epochs by
        state.nan_epoch = min(state.epochs, 1 + int(state.counter[0]) * state.epochs // max(run.budget, 1))
        raise state.nan_error()
    if progress is not None:
        final = report(state, run.threads, 0)
        progress(Progress(1.0, final.words_per_sec_thread, 0.0, final.loss, 0.0, 0))


def train_epochs(model, input: str, *, output: np.ndarray, epoch: int, lr: float, thread: int,
                 seed: int = 0, progress: Callable[[Progress], None] | None = None) -> int:
    """Train a classifier (a supervised :class:`gensim_ftx.FastText`) on ``input`` in place:
    ``epoch x ntokens`` tokens over ``thread`` threads, the learning rate falling from ``lr`` to 0
    (also how ``quantize(retrain=True)`` retrains a pruned model). ``output`` is the model's output
    matrix (trained in place). Returns the tokens trained on."""
    wv = model.wv
    args = model.fb_args
    labels = [label.encode("utf-8") for label in model.labels]
    words = wv.key_bytes()
    prefix = getattr(model, "label_prefix", "__label__").encode("utf-8")
    reader = LineReader(store_from_bytes(words)[0], store_from_bytes(labels)[0], wv.hasher, args.word_ngrams,
                        args.bucket, prefix, wv.subword_indptr, wv.subword_ids)
    data = encode(input, reader)
    ntokens = int(data.line_tokens.sum())
    loss = model.loss
    label_counts = np.asarray(model.label_counts, dtype=np.int64)
    kernel = KernelModel(
        wv.vectors_vocab, wv.vectors_ngrams, output, wv.subword_indptr, wv.subword_ids, loss=loss, neg=args.neg,
        neg_alias=negative_sampler(label_counts, 0.5, FASTTEXT.negative_table) if loss == "ns" else None,
        neg_redraw=True, **_paths(loss, label_counts), compute_loss=True, targets=len(labels))
    # Softmax and one-vs-all write every output row for every example: with several threads
    # each holds its output updates back for a few examples (see Worker.hold_output_updates).
    hold = _HOLD.get(loss, 0) if len(labels) * wv.vector_size <= _HOLD_LIMIT else 0
    if epoch > 0:
        hot = min(len(words), _HOT_BYTES // (4 * max(wv.vector_size, 1)))
        run_threads(SupervisedRun(kernel, data, thread, max(1, ntokens * epoch), lr, seed, hold, hot, epoch), progress)
    return ntokens * max(epoch, 0)


def _paths(loss: str, label_counts: np.ndarray) -> dict:
    if loss != "hs":
        return {}
    indptr, nodes, codes = huffman_paths(label_counts)
    return {"path_indptr": indptr, "path_nodes": nodes, "path_codes": codes}
