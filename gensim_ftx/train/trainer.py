"""Glue between gensim's training loop and the Cython kernels.

:func:`build_engine` turns a model into a :class:`~gensim_ftx.train._engine.KernelModel` (matrices
plus the tables of :mod:`gensim_ftx.train.tables`); :func:`train_corpus_file_epoch` runs one epoch over
a corpus file with one thread per byte range, all sharing one word counter so the learning rate
falls linearly over the whole run, as in fastText.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..text._corpus import ShardReader, WordTable
from ._engine import KernelModel, Worker
from .tables import SEMANTICS, Semantics, huffman_paths, keep_probabilities, negative_sampler

logger = logging.getLogger(__name__)

REAL = np.float32


class EncounteredNaNError(RuntimeError, FloatingPointError):
    """Training diverged: a NaN reached the model (fastText's ``EncounteredNaNError``).

    A ``RuntimeError``, the type fastText raises it as in Python, and a ``FloatingPointError``,
    the type gensim_ftx raised before. The threads have stopped; the interpreter and every other
    model are unaffected, and this model keeps its matrices (the diverged rows included).

    Attributes
    ----------
    lr : float
        The learning rate of the line that diverged.
    epoch, epochs : int
        The epoch it happened in (from 1) and the number of epochs asked for.
    """

    def __init__(self, lr: float, epoch: int, epochs: int):
        self.lr = lr
        self.epoch = epoch
        self.epochs = epochs
        super().__init__(f"Encountered NaN. Training diverged at lr {lr:.6g} in epoch {epoch} of {epochs}; "
                         f"lower the learning rate.")


@dataclass
class TrainingRun:
    """State shared by the threads of one ``train()`` call."""

    kernel: KernelModel
    semantics: Semantics
    alpha: float
    min_alpha: float
    budget: int                      # words (all epochs) over which alpha falls to min_alpha
    epochs: int = 1                  # epochs the budget spans
    epochs_done: int = 0
    readers: list | None = None      # streaming semantics: one wrapping reader per thread, kept across epochs
    counter: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    stop: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    seed: int = 1
    serial: int = 0
    table: WordTable | None = None
    nan_seen: bool = False
    nan_lr: float = float("nan")     # learning rate of the line that diverged
    epoch: int = 1                   # the epoch being trained (from 1), for messages
    nan_epoch: int = 1
    error: BaseException | None = None  # the first exception of a gensim worker thread
    lock: threading.Lock = field(default_factory=threading.Lock)
    progress: Callable[[Progress], None] | None = None
    started: float = field(default_factory=time.perf_counter)
    loss_board: np.ndarray | None = None   # per thread: running (loss sum, examples)

    def new_worker(self) -> Worker:
        with self.lock:
            self.serial += 1
            return Worker(self.kernel, (self.seed << 20) + self.serial)

    def alpha_step(self) -> float:
        return (self.alpha - self.min_alpha) / self.budget if self.budget > 0 else 0.0

    def diverged(self, worker: Worker) -> None:
        """Note that ``worker`` met a NaN and stop every thread."""
        with self.lock:
            if not self.nan_seen:
                self.nan_seen = True
                self.nan_lr = worker.nan_lr
                self.nan_epoch = self.epoch
        self.stop[0] = 1

    def nan_error(self) -> EncounteredNaNError:
        return EncounteredNaNError(self.nan_lr, self.nan_epoch, self.epochs)


@dataclass(frozen=True)
class Progress:
    """What a progress display shows, fastText style."""

    fraction: float          # of all words of all epochs
    words_per_sec_thread: float
    alpha: float
    loss: float              # average loss per example so far (nan before the first)
    eta_seconds: float
    epoch: int


def report(run: TrainingRun, workers: int, epoch: int) -> Progress:
    done = int(run.counter[0])
    elapsed = max(time.perf_counter() - run.started, 1e-9)
    fraction = min(1.0, done / run.budget) if run.budget else 1.0
    loss = float("nan")
    if run.loss_board is not None:
        total, examples = run.loss_board.sum(axis=0)
        loss = float(total / examples) if examples else float("nan")
    eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("inf")
    return Progress(fraction, done / elapsed / max(workers, 1), current_alpha(run), loss, eta, epoch)


def effective_loss(model) -> str:
    """The kernel loss for ``model``: softmax, or hs / ns / both as gensim's flags say."""
    if getattr(model, "loss", None) == "softmax":
        return "softmax"
    if model.hs and model.negative:
        return "hs+ns"
    if model.hs:
        return "hs"
    if model.negative:
        return "ns"
    raise ValueError("set hs=1, negative > 0 or loss='softmax': with none of them there is nothing to train")


def _zeros_if_missing(model, name: str, rows: int) -> np.ndarray:
    current = getattr(model, name, None)
    if current is None or current.shape != (rows, model.layer1_size):
        grown = np.zeros((rows, model.layer1_size), dtype=REAL)
        if current is not None:
            keep = min(rows, len(current))
            grown[:keep] = current[:keep]
        setattr(model, name, grown)
    return getattr(model, name)


def build_engine(model, compute_loss: bool) -> TrainingRun:
    """Build the kernel view and tables for one ``train()`` call of ``model``."""
    semantics = SEMANTICS[getattr(model, "semantics", "gensim")]
    wv = model.wv
    wv._ensure_subwords()
    nwords = len(wv.index_to_key)
    counts = np.asarray(wv.expandos["count"], dtype=np.int64)[:nwords]
    loss = effective_loss(model)
    output = neg_output = None
    paths = (None, None, None)
    if "hs" in loss:
        output = _zeros_if_missing(model, "syn1", nwords)
        paths = huffman_paths(counts)
    if "ns" in loss:
        neg_output = _zeros_if_missing(model, "syn1neg", nwords)
        if output is None:
            output = neg_output
    if loss == "softmax":
        output = _zeros_if_missing(model, "syn1out", nwords)
    power = float(model.ns_exponent) if semantics.negative_power is None else semantics.negative_power
    neg_alias = negative_sampler(counts, power, semantics.negative_table) if "ns" in loss else None
    ntokens = getattr(model, "fasttext_ntokens", None) if semantics.subsampling == "fasttext" else None
    kernel = KernelModel(
        wv.vectors_vocab, wv.vectors_ngrams, output, wv.subword_indptr, wv.subword_ids,
        loss=loss, neg_output=neg_output,
        neg=int(model.negative), neg_alias=neg_alias,
        neg_redraw=semantics.negative_redraw,
        path_indptr=paths[0], path_nodes=paths[1], path_codes=paths[2],
        sg=bool(model.sg), window=int(model.window), shrink_windows=bool(model.shrink_windows),
        cbow_mean=bool(model.cbow_mean),
        keep_prob=keep_probabilities(counts, model.sample, semantics.subsampling, ntokens),
        compute_loss=compute_loss, **position_arguments(model),
    )
    return TrainingRun(kernel=kernel, semantics=semantics, alpha=float(model.alpha),
                       min_alpha=float(model.min_alpha), budget=0, seed=int(model.seed))


def position_arguments(model) -> dict:
    """The kernel's position-weight arguments for ``model`` (none for plain CBOW and skip-gram).

    The weights are ``(2 * window, dim)``: when the window changed since they were made, the
    offsets both windows have keep their weights and new offsets start at 1.
    """
    weights = getattr(model, "position_weights", None)
    if weights is None:
        return {}
    window, dim = int(model.window), int(model.layer1_size)
    weights = np.asarray(weights)  # (a list or float64 array a user assigned: made float32 below)
    if weights.shape != (2 * window, dim) or weights.dtype != REAL or not weights.flags.c_contiguous:
        if weights.ndim != 2 or weights.shape[1] != dim or weights.shape[0] % 2:
            raise ValueError(f"position_weights must be (2 * window, {dim}), got {weights.shape}")
        old = weights.shape[0] // 2
        grown = np.ones((2 * window, dim), dtype=REAL)
        keep = min(old, window)
        grown[window - keep:window] = weights[old - keep:old]
        grown[window:window + keep] = weights[old:old + keep]
        model.position_weights = weights = grown
    return {"position_weights": weights, "position_dims": getattr(model, "position_dims", None)}


def word_table(wv) -> WordTable:
    """Bytes -> id table of the vocabulary, for reading corpus files without the GIL."""
    return WordTable(wv.key_bytes())


def train_corpus_file_epoch(run: TrainingRun, corpus_file: str, workers: int, cur_epoch: int,
                            report_delay: float = 1.0) -> tuple[int, int, int, float, float]:
    """One epoch over ``corpus_file`` with ``workers`` threads.

    gensim semantics: each thread reads its own byte range once. Streaming (fastText) semantics:
    each thread reads on from where it stopped in the previous epoch, wrapping at the end of the
    file, until the shared counter reaches this epoch's share of the budget.

    Returns ``(effective_words, raw_words, lines, loss, elapsed)``; raises ``KeyboardInterrupt`` after
    stopping the threads cleanly.
    """
    size = os.path.getsize(corpus_file)
    run.epoch = cur_epoch + 1
    bounds = [size * k // workers for k in range(workers + 1)]
    results: list = [None] * workers
    errors: list = []
    max_line = run.semantics.max_line
    until = -1
    if run.semantics.streaming:
        if run.readers is None or len(run.readers) != workers:
            run.readers = [ShardReader(corpus_file, run.table, bounds[k], -1, eos=run.semantics.eos,
                                       max_line_tokens=max_line, wrap=True) for k in range(workers)]
        run.epochs_done += 1
        until = run.budget * min(run.epochs_done, run.epochs) // run.epochs

    def work(k: int) -> None:
        try:
            if run.readers is not None:
                reader = run.readers[k]
            else:
                reader = ShardReader(corpus_file, run.table, bounds[k], bounds[k + 1], eos=run.semantics.eos,
                                     max_line_tokens=max_line)
            worker = run.new_worker()
            board = run.loss_board[k] if run.loss_board is not None else None
            counts = worker.train_shard(run.kernel, reader, run.counter, run.budget, run.alpha, run.min_alpha,
                                        max_line, run.stop, board, until)
            results[k] = counts + (worker.take_loss()[0],)
            if worker.nan_seen:
                run.diverged(worker)
        except BaseException as err:  # surfaced in the calling thread
            errors.append(err)
            run.stop[0] = 1

    if run.loss_board is None or len(run.loss_board) != workers:
        run.loss_board = np.zeros((workers, 2))
    else:
        run.loss_board[:] = 0  # loss of this epoch's workers; earlier epochs are in the model's total
    threads = [threading.Thread(target=work, args=(k,), daemon=True, name=f"gensim_ftx-{k}") for k in range(workers)]
    start = time.perf_counter()
    start_count = int(run.counter[0])

    def log() -> None:
        done = int(run.counter[0])
        rate = (done - start_count) / max(time.perf_counter() - start, 1e-9)
        logger.info("EPOCH %i - PROGRESS: at %.2f%% of words, %.0f words/s, alpha %.6f", cur_epoch,
                    100.0 * done / max(run.budget, 1), rate, current_alpha(run))

    ticks = [(report_delay, report_delay, log)]
    if run.progress is not None:
        ticks.append((0.1, 0.0, lambda: run.progress(report(run, workers, cur_epoch))))
    run_watched(threads, run.stop, ticks)
    if errors:
        raise errors[0]
    elapsed = time.perf_counter() - start
    totals = np.zeros(5)
    for result in results:
        if result is not None:
            totals += result
    lines, effective, _, raw, loss = totals
    return int(effective), int(raw), int(lines), float(loss), elapsed


def run_watched(threads: list[threading.Thread], stop: np.ndarray,
                ticks: list[tuple[float, float, Callable[[], None]]]) -> None:
    """Start ``threads`` and wait for them; each ``(interval, first, callback)`` of ``ticks`` runs
    ``first`` seconds after the start and then about every ``interval`` seconds (progress, logs).
    Ctrl-C sets ``stop[0]``, lets every thread finish its line, and re-raises."""
    start = time.perf_counter()
    due = [start + first for _, first, _ in ticks]
    for thread in threads:
        thread.start()
    try:
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=0.05)
            now = time.perf_counter()
            for k, (interval, _, callback) in enumerate(ticks):
                if now >= due[k]:
                    due[k] = now + interval
                    callback()
    except KeyboardInterrupt:
        stop[0] = 1
        for thread in threads:
            thread.join()
        raise


def current_alpha(run: TrainingRun) -> float:
    progress = min(1.0, int(run.counter[0]) / run.budget) if run.budget else 1.0
    return run.alpha + (run.min_alpha - run.alpha) * progress
