"""Hyper-parameter search for classifiers, as fastText's autotune (``src/autotune.cc``).

Trials train on the training file and score on ``autotuneValidationFile`` until
``autotuneDuration`` seconds have passed. The first trial uses the given arguments; each later one
steps away from the best arguments so far with fastText's distributions (normal steps, powers of
two for epoch, lr, dim and bucket, whose spread narrows between a quarter and three quarters of
the time) for every argument the caller did not set (:class:`Strategy`). The metric is ``f1``
(all labels, at ``autotunePredictions`` labels a line), ``f1:LABEL``,
``precisionAtRecall:R[:LABEL]`` or ``recallAtPrecision:P[:LABEL]``. With ``autotuneModelSize``
(``'2M'``, ``'500K'``) every trial is also quantised to fit that size, and the search covers the
sub-vector width too.
"""
from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from ..args import bucket_for
from ..predict.scorer import Batch
from ..train.pq import TooFewRowsError
from ..train.progress import format_clock, isatty
from .core import loss_name
from .model import _FastText
from .supervised_training import parse_loss, printed_supervised_model, supervised_model

logger = logging.getLogger(__name__)

_SIZE_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3}
_CUTOFF_LIMIT = 256


@dataclass(frozen=True)
class Metric:
    kind: str                 # 'f1', 'precisionAtRecall', 'recallAtPrecision'
    label: str | None = None
    value: float = 0.0        # the recall or precision the other measure is read at

    @classmethod
    def parse(cls, text: str) -> Metric:
        parts = text.split(":")
        if parts[0] == "f1" and len(parts) <= 2:
            return cls("f1", parts[1] if len(parts) == 2 else None)
        if parts[0] in ("precisionAtRecall", "recallAtPrecision") and len(parts) in (2, 3):
            try:
                value = float(parts[1])
            except ValueError:
                value = -1.0
            if not 0 <= value <= 100:
                raise ValueError(f"autotuneMetric {text!r}: {parts[1]!r} is not a percentage")
            return cls(parts[0], parts[2] if len(parts) == 3 else None, value / 100 if value > 1 else value)
        raise ValueError(f"Unknown metric : {text}")


def parse_model_size(text: str) -> int:
    """``'2M'`` -> 2,000,000 bytes; ``''`` -> 0 (no size target)."""
    text = str(text).strip()
    if not text:
        return 0
    unit = text[-1].upper() if text[-1].isalpha() else ""
    number = text[:-1] if unit else text
    if unit not in _SIZE_UNITS or not number.replace(".", "", 1).isdigit():
        raise ValueError(f"Unable to parse model size {text!r} (expected a number with K, M or G, like '2M')")
    return int(float(number) * _SIZE_UNITS[unit])


class ModelSizeError(ValueError):
    """``autotuneModelSize`` leaves room for fewer than 256 input rows with these arguments."""


def cutoff_for_size(model, size: int, qout: bool, qnorm: bool, dsub: int) -> int:
    """Input rows a quantised model may keep so that its file fits ``size`` bytes.

    fastText's estimate counts 10 bytes of dictionary a row; this one counts the model's own
    entries (a word's bytes, its count and type; 8 bytes of pruning table for an n-gram row) and
    the labels, so that the file stays within the size.
    """
    out = model.get_output_matrix() if not model.is_quantized() else None
    rows, dim = (len(model.labels), model.get_dimension()) if out is None else out.shape
    if qout:
        output_bytes = 21 + rows * ((dim + 1) // 2) + 16 + 4 * dim * 256
    else:
        output_bytes = 16 + 4 * rows * dim
    words = model.get_words(on_unicode_error="replace")
    word_entry = 10 + (sum(len(w.encode("utf-8")) for w in words) / len(words) if words else 0)
    label_bytes = sum(10 + len(label.encode("utf-8")) for label in model.labels)
    quantiser_bytes = 16 + 4 * 256 * dim + (16 + 4 * 256 if qnorm else 0)
    target = size - 128 - quantiser_bytes - output_bytes - label_bytes
    cutoff = int(target // (-(-dim // dsub) + (1 if qnorm else 0) + max(word_entry, 8)))
    if cutoff < _CUTOFF_LIMIT:
        raise ModelSizeError(f"autotuneModelSize {size} bytes is too small for a model of {rows} labels and dim "
                             f"{dim}: it leaves room for {max(cutoff, 0)} input rows, fewer than {_CUTOFF_LIMIT}")
    return cutoff


def score(model: _FastText, path: str, k: int, metric: Metric) -> float:
    """The metric of ``model`` on the labelled file ``path``."""
    predictor = model.predictor
    with open(path, "rb") as stream:
        batch = Batch.from_buffer(stream.read())
    labels, probs, counts, sizes, gold = predictor.predict_batch(batch, -1 if metric.kind != "f1" else k, 0.0,
                                                                 want_gold=True)
    lines = np.repeat(np.arange(len(counts)), sizes)
    usable = (sizes > 0) & (counts >= 0)
    if not usable.any():
        raise ValueError(f"{path}: no line has both a known label and a word")
    nlabels = len(predictor.labels)
    gold_keys = set((lines[usable[lines]] * nlabels + gold[usable[lines]]).tolist())
    target = None
    if metric.label is not None:
        if metric.label not in predictor.labels:
            raise ValueError(f"autotuneMetric: label {metric.label!r} is not among the model's labels")
        target = predictor.labels.index(metric.label)
    rows, cols = np.nonzero(usable[:, None] & (np.arange(labels.shape[1])[None, :] < counts[:, None]))
    chosen = labels[rows, cols]
    hit = np.fromiter(((r * nlabels + c) in gold_keys for r, c in zip(rows.tolist(), chosen.tolist())), dtype=bool,
                      count=len(rows))
    if target is not None:
        keep = chosen == target
        gold_total = int(sum(1 for key in gold_keys if key % nlabels == target))
    else:
        keep = np.ones(len(chosen), dtype=bool)
        gold_total = int(sizes[usable].sum())
    if metric.kind == "f1":
        predicted, correct = int(keep.sum()), int(hit[keep].sum())
        return 2 * correct / (predicted + gold_total) if predicted + gold_total else 0.0
    scores = probs[rows, cols][keep]
    order = np.argsort(-scores, kind="stable")
    correct = np.cumsum(hit[keep][order])
    precision = correct / np.arange(1, len(order) + 1)
    recall = correct / max(gold_total, 1)
    if metric.kind == "precisionAtRecall":
        reached = precision[recall >= metric.value]
        return float(reached.max()) if len(reached) else 0.0
    reached = recall[precision >= metric.value]
    return float(reached.max()) if len(reached) else 0.0


def _gauss_step(value, low, high, start: float, end: float, progress: float, rng: np.random.Generator,
                linear: bool = False):
    """fastText's ``updateArgGauss``: a normal step whose deviation stays at ``start`` for the
    first quarter of the time, falls linearly to ``end`` by three quarters and stays there; added
    (``linear``) or taken as a power of two that multiplies the value. Integer arguments are
    truncated before they are clipped to ``[low, high]``, as fastText's cast does."""
    sigma = start - (start - end) / 0.5 * min(0.5, max(progress - 0.25, 0.0))
    coeff = rng.normal(0.0, sigma)
    new = coeff + value if linear else 2.0 ** coeff * value
    if isinstance(value, int):
        new = int(new)
    return min(max(new, low), high)


_MINN_CHOICES = (0, 2, 3)


class Strategy:
    """fastText's ``AutotuneStrategy``: the first trial takes the given arguments; each later one
    steps every argument the caller did not set away from the best trial so far (epoch, lr, dim and
    bucket by powers of two, wordNgrams, the sub-vector exponent and the minn choice by steps)."""

    def __init__(self, args: dict, manual: set, seed: int):
        self.rng = np.random.default_rng(seed)
        self.manual = manual
        self.original_bucket = args["bucket"]
        self.best_nonzero_bucket = 2_000_000
        self.trials = 0
        self.update_best(args)

    def update_best(self, args: dict) -> None:
        self.best = dict(args)
        self.best_minn_index = _MINN_CHOICES.index(args["minn"]) if args["minn"] in _MINN_CHOICES else 0
        self.best_dsub_exponent = int(math.log2(args.get("dsub", 2)))
        if args["bucket"]:
            self.best_nonzero_bucket = args["bucket"]

    def ask(self, progress: float) -> dict:
        self.trials += 1
        if self.trials == 1:
            return dict(self.best)
        args, manual, rng = dict(self.best), self.manual, self.rng
        if "epoch" not in manual:
            args["epoch"] = _gauss_step(int(args["epoch"]), 1, 100, 2.8, 2.5, progress, rng)
        if "lr" not in manual:
            args["lr"] = _gauss_step(float(args["lr"]), 0.01, 5.0, 1.9, 1.0, progress, rng)
        if "dim" not in manual:
            args["dim"] = _gauss_step(int(args["dim"]), 1, 1000, 1.4, 0.3, progress, rng)
        if "wordNgrams" not in manual:
            args["wordNgrams"] = _gauss_step(int(args["wordNgrams"]), 1, 5, 4.3, 2.4, progress, rng, linear=True)
        if "dsub" not in manual:
            args["dsub"] = 1 << _gauss_step(self.best_dsub_exponent, 1, 4, 2.0, 1.0, progress, rng, linear=True)
        if "minn" not in manual:
            index = _gauss_step(self.best_minn_index, 0, len(_MINN_CHOICES) - 1, 4.0, 1.4, progress, rng,
                                linear=True)
            args["minn"] = _MINN_CHOICES[index]
        if "maxn" not in manual:
            args["maxn"] = args["minn"] + 3 if args["minn"] else 0
        if "bucket" not in manual:
            args["bucket"] = _gauss_step(self.best_nonzero_bucket, 10000, 10000000, 2.0, 1.5, progress, rng)
        else:
            args["bucket"] = self.original_bucket
        args["bucket"] = bucket_for(args["bucket"], args["wordNgrams"], args["maxn"], args.get("mode", "fasttext"))
        if "loss" not in manual:
            args["loss"] = "softmax"
        return args


# the arguments autotune searches: fastText warns when one of them is given by hand
_TUNED = ("epoch", "lr", "dim", "wordNgrams", "loss", "bucket", "minn", "maxn", "dsub")


def _progress_line(started: float, duration: float, trials: int, best: float, lead: str) -> None:
    """fastText's autotune line: ``Progress: x% Trials: n Best score: s|unknown ETA: ...``."""
    elapsed = time.perf_counter() - started
    fraction = min(1.0, elapsed / duration) if duration > 0 else 1.0
    shown = f"{best:9.6f}" if best >= 0 else "unknown"
    sys.stderr.write(f"{lead}Progress: {100 * fraction:5.1f}% Trials: {trials:4d} Best score: {shown} "
                     f"ETA: {format_clock(max(0.0, duration - elapsed))}")
    sys.stderr.flush()


def _trial_score(trial: dict, input: str, size: int, validation: str, k: int, metric: Metric) -> float:
    """Train (and quantise, with a size) one trial's model and score it; the model is dropped on
    return, so a search holds one trial's model at a time, as fastText's does."""
    model = _FastText(model=supervised_model(trial), args={**trial, "loss": parse_loss(trial["loss"])})
    if size:
        model.quantize(input=input, cutoff=cutoff_for_size(model, size, False, True, trial["dsub"]),
                       retrain=False, qnorm=True, dsub=trial["dsub"], verbose=0)
    return score(model, validation, k, metric)


def autotune(args: dict, manual: set) -> _FastText:
    """Search arguments for ``args['input']`` against ``args['autotuneValidationFile']``; return
    the model trained with the best ones (quantised when ``autotuneModelSize`` is set)."""
    validation = args["autotuneValidationFile"]
    try:
        with open(validation, "rb"):
            pass
    except OSError as err:
        raise ValueError(f"{validation} cannot be opened for validation! ({err.strerror})") from err
    metric = Metric.parse(args["autotuneMetric"])
    size = parse_model_size(args["autotuneModelSize"])
    k = int(args["autotunePredictions"])
    if k < 1:
        raise ValueError(f"autotunePredictions must be >= 1, got {k}")
    duration = float(args["autotuneDuration"])
    for name in _TUNED:
        if name in manual:
            sys.stderr.write(f"Warning : {name} is manually set to a specific value. It will not be automatically "
                             "optimized.\n")
    base = {**args, "verbose": 0, "dsub": 2}
    strategy = Strategy(base, manual, int(args["seed"]))
    best_args, best_score, trials = None, -1.0, 0
    tty = isatty(sys.stderr)
    too_big = unquantizable = None  # messages only: an exception's traceback would keep its trial's model
    started = time.perf_counter()
    while trials == 0 or time.perf_counter() - started < duration:
        progress = min(1.0, (time.perf_counter() - started) / duration) if duration > 0 else 1.0
        trial = strategy.ask(progress)
        trial["bucket"] = bucket_for(trial["bucket"], trial["wordNgrams"], trial["maxn"], trial.get("mode", "fasttext"))
        try:
            value = _trial_score(trial, args["input"], size, validation, k, metric)
        except FloatingPointError:
            value = float("nan")  # a diverging trial scores nothing (fastText's EncounteredNaNError)
        except MemoryError:
            value = float("nan")  # fastText skips a trial on bad_alloc
            logger.warning("autotune trial %d ran out of memory: skipped", trials + 1)
        except ModelSizeError as err:
            value = float("nan")  # these arguments cannot fit the size: not a candidate
            too_big = str(err)
        except TooFewRowsError as err:
            # the product quantiser cannot train on what is left (fastText: "Matrix too small for
            # quantization"): this trial is not a candidate, the search goes on
            value = float("nan")
            unquantizable = str(err)
            logger.info("autotune trial %d skipped: %s", trials + 1, err)
        trials += 1
        logger.info("autotune trial %d: %s = %.6f (epoch %s, lr %.4f, dim %s, wordNgrams %s, minn %s, maxn %s, "
                    "bucket %s)", trials, args["autotuneMetric"], value, trial["epoch"], trial["lr"], trial["dim"],
                    trial["wordNgrams"], trial["minn"], trial["maxn"], trial["bucket"])
        if value == value and value > best_score:
            best_score, best_args = value, trial
            strategy.update_best(trial)
        if tty:  # fastText's line, rewritten in place; elsewhere only the last one is written
            _progress_line(started, duration, trials, best_score, "\r")
    _progress_line(started, duration, trials, best_score, "\r" if tty else "")
    sys.stderr.write("\n")
    if best_args is None:
        if too_big is not None or unquantizable is not None:
            raise ValueError("Couldn't fulfil model size constraint: please increase `autotune-modelsize` "
                             f"({too_big or unquantizable})")
        raise FloatingPointError("autotune: every trial diverged (Encountered NaN)")
    logger.info("autotune: best %s = %.6f after %d trials", args["autotuneMetric"], best_score, trials)
    final = {**best_args, "verbose": args["verbose"]}
    sys.stderr.write("Training again with best arguments\n")
    model = _FastText(model=printed_supervised_model(final), args={**final, "loss": loss_name[final["loss"]]})
    if size:
        model.quantize(input=args["input"], cutoff=cutoff_for_size(model, size, False, True, final["dsub"]),
                       retrain=True, qnorm=True, dsub=final["dsub"], verbose=0)
    return model
