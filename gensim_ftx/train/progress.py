"""fastText's progress output: the ``Read NM words`` header, the ``Progress:`` line and its clock.

One printer for every face: the CLI's training commands, ``fasttext.train_supervised`` /
``train_unsupervised``, autotune's final training and ``quantize(retrain=True)``.
"""
from __future__ import annotations

import math
import time
from typing import IO

from .trainer import Progress

__all__ = ["ProgressPrinter", "format_clock", "format_progress", "isatty"]

_NO_ETA = 2592000  # fastText shows 720 h before it can estimate


def format_clock(seconds: float) -> str:
    """fastText's ``ClockPrint``: ``%3dh%2dm%2ds``."""
    total = _NO_ETA if not math.isfinite(seconds) else max(0, int(seconds))
    return f"{total // 3600:3d}h{total % 3600 // 60:2d}m{total % 60:2d}s"


def format_progress(fraction: float, words_per_sec_thread: float, lr: float, loss: float, eta: float) -> str:
    """fastText's ``FastText::printInfo`` line."""
    return (f"Progress: {100 * fraction:5.1f}% words/sec/thread: {int(words_per_sec_thread):7d} "
            f"lr: {lr:9.6f} avg.loss: {loss:9.6f} ETA: {format_clock(eta)}")


class ProgressPrinter:
    """The ``progress`` callback of :func:`gensim_ftx.train_unsupervised`, showing fastText's line.

    As fastText: the ``Read ... / Number of words`` header when the dictionary is built (pass
    :meth:`summary` as the trainer's ``on_vocabulary``), then on a terminal the progress line
    rewritten in place (``\\r``); elsewhere (a log file, a pipe) only the final line.

    Parameters
    ----------
    stream : text file object
        Where to write (the CLI passes ``sys.stderr``).
    verbose : int
        fastText's levels: 0 prints nothing, 1 only the summary, 2 the running line too.
    tty : bool, optional
        Whether ``stream`` is a terminal (default: ask it).
    """

    def __init__(self, stream: IO[str], verbose: int, *, tty: bool | None = None):
        self.stream = stream
        self.verbose = verbose
        self.tty = isatty(stream) if tty is None else tty
        self.last: Progress | None = None
        self.started = time.perf_counter()
        self._width = 0

    def __call__(self, progress: Progress) -> None:
        self.last = progress
        if self.verbose < 2 or not self.tty or math.isnan(progress.loss):  # fastText waits for a first loss
            return
        line = format_progress(progress.fraction, progress.words_per_sec_thread, progress.alpha, progress.loss,
                               progress.eta_seconds)
        self._write("\r" + line)
        self._width = len(line)

    def clear(self) -> None:
        """Blank the running line, so that other messages start on a clean line."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def reading(self, ntokens: int) -> None:
        """fastText's ``Read NM words`` while the dictionary is read (pass it as the trainer's
        ``on_reading``); on a terminal at verbosity 2, rewritten in place."""
        if self.verbose >= 2 and self.tty:
            line = f"Read {ntokens // 1000000}M words"
            self._write("\r" + line)
            self._width = len(line)

    def summary(self, ntokens: int, nwords: int, nlabels: int) -> None:
        """fastText's dictionary report (``Read NM words``...), at verbosity 1 and up."""
        if self.verbose >= 1:
            self.clear()
            self._write(f"Read {ntokens // 1000000}M words\nNumber of words:  {nwords}\nNumber of labels: {nlabels}\n")

    def finish(self, words: int, threads: int) -> None:
        """The final 100% line; ``words`` processed in all (for the rate when no report came)."""
        if self.verbose < 1:
            return
        self.clear()
        last = self.last
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = last.words_per_sec_thread if last is not None else words / elapsed / max(threads, 1)
        loss = last.loss if last is not None else float("nan")
        self._write(("\r" if self.tty else "") + format_progress(1.0, rate, 0.0, loss, 0) + "\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def isatty(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
