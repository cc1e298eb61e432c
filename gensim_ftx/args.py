"""fastText's training arguments, in one table: names, defaults, ranges, help and codes.

Every face reads this table: the CLI's flags and help, the defaults of ``fasttext.train_supervised``
/ ``train_unsupervised`` (and ``read_args``), autotune's defaults, ``model.f.getArgs()``, the codes
a ``.bin`` header stores, and the checks every face runs before any allocation or ``nogil`` code.
fastText stores its integer arguments as int32 in a ``.bin`` header, so every integer argument
must fit one; the other bounds keep a hostile value from becoming a crash, an endless loop or a
message that names no argument. ``tests/test_args.py`` proves the faces agree with the table.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Integral, Real

INT32_MAX = 2**31 - 1
MAX_THREADS = 4096       # a thread each: more only fills memory with thread stacks
MAX_NEGATIVES = 10000    # negatives a target: usually 5-25 (the kernels refuse more, too)

# fastText's codes, as a .bin header stores them (src/args.h: loss_name, model_name)
LOSS_CODES = {"hs": 1, "ns": 2, "softmax": 3, "ova": 4}
LOSS_NAMES = {code: name for name, code in LOSS_CODES.items()}
MODEL_CODES = {"cbow": 1, "skipgram": 2, "supervised": 3}
MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
MODE_CODES = {"fasttext": 1, "floret": 2}  # floret's mode_name, as its .bin header stores it
UNSUPERVISED_LOSSES = ("ns", "hs", "softmax")  # word vectors have one target a step: no one-vs-all


@dataclass(frozen=True)
class Arg:
    """One of fastText's arguments.

    ``default`` is fastText's for unsupervised training (``Args()``), ``supervised`` its default
    for classifiers where that differs; ``kind`` is ``int``, ``float``, ``str`` or ``bool`` (a
    flag); numbers must lie
    in ``[low, high]``; ``group`` is the section of fastText's help it is listed in.
    """

    name: str
    default: object
    kind: type
    help: str
    group: str
    low: float = 0
    high: float = INT32_MAX
    supervised: object = None

    def default_for(self, supervised: bool):
        return self.supervised if supervised and self.supervised is not None else self.default


_D, _T, _A = "dictionary arguments", "training arguments", "autotune arguments"
_F, _P = "floret arguments", "position weights"  # gensim_ftx's additions: floret's, and CBOW's weights
ARGS = {arg.name: arg for arg in (
    Arg("minCount", 5, int, "minimal number of word occurrences", _D, -INT32_MAX, supervised=1),
    Arg("minCountLabel", 0, int, "minimal number of label occurrences", _D, -INT32_MAX),
    Arg("wordNgrams", 1, int, "max length of word ngram", _D, 1),
    Arg("bucket", 2000000, int, "number of buckets", _D),
    Arg("minn", 3, int, "min length of char ngram", _D, supervised=0),
    Arg("maxn", 6, int, "max length of char ngram", _D, supervised=0),
    Arg("t", 1e-4, float, "sampling threshold", _D, 0.0, math.inf),
    Arg("label", "__label__", str, "labels prefix", _D),
    Arg("lr", 0.05, float, "learning rate", _T, 0.0, math.inf, supervised=0.1),
    Arg("lrUpdateRate", 100, int, "change the rate of updates for the learning rate", _T),
    Arg("dim", 100, int, "size of word vectors", _T, 1),
    Arg("ws", 5, int, "size of the context window", _T),
    Arg("epoch", 5, int, "number of epochs", _T),
    Arg("neg", 5, int, "number of negatives sampled", _T, 0, MAX_NEGATIVES),
    Arg("loss", "ns", str, "loss function {ns, hs, softmax, one-vs-all}", _T, supervised="softmax"),
    Arg("thread", 12, int, "number of threads", _T, 1, MAX_THREADS),
    Arg("pretrainedVectors", "", str, "pretrained word vectors for supervised learning", _T),
    Arg("seed", 0, int, "random generator seed", _T, 0, 2**32 - 1),
    Arg("verbose", 2, int, "verbosity level", _T, -INT32_MAX),
    Arg("mode", "fasttext", str, "fasttext, or floret: words and char ngrams hashed into the buckets", _F),
    Arg("hashCount", 1, int, "floret mode only: number of hashes (1-4) per word and char ngram", _F, 1, 4),
    Arg("positionWeights", False, bool, "cbow: learn a weight vector per window position (Mikolov et al. 2018)", _P),
    Arg("positionDims", 0, int, "with -positionWeights: weight only the first N dimensions (0: all)", _P),
    Arg("autotuneValidationFile", "", str, "path to the validation file for autotune", _A),
    Arg("autotuneMetric", "f1", str, "autotune's metric: f1, f1:labelname, precisionAtRecall:30 ...", _A),
    Arg("autotunePredictions", 1, int, "autotune's number of predictions", _A, 1),
    Arg("autotuneDuration", 300, int, "maximum duration of autotune in seconds", _A, 1),
    Arg("autotuneModelSize", "", str, "constraint on the model's size (e.g. 2M): quantise to fit", _A),
)}

# the arguments of fastText's ``quantize`` (its help's "quantization arguments"), apart: they are
# not training's and no .bin header stores them
_Q = "quantization arguments"
QUANTIZE_ARGS = {arg.name: arg for arg in (
    Arg("cutoff", 0, int, "number of words and ngrams to retain", _Q, 0, 2**63 - 1),
    Arg("retrain", False, bool, "whether embeddings are finetuned if a cutoff is applied", _Q),
    Arg("qnorm", False, bool, "whether the norm is quantized separately", _Q),
    Arg("qout", False, bool, "whether the classifier is quantized", _Q),
    Arg("dsub", 2, int, "size of each sub-vector", _Q, 1),
)}
_QUANTIZE_LIMITS = {name: (True, arg.low, arg.high) for name, arg in QUANTIZE_ARGS.items() if arg.kind is int}

# fastText name: (integer?, lowest, highest). Floats must also be finite.
# (autotune checks its own arguments as fastText's autotune does)
LIMITS = {name: (arg.kind is int, arg.low, arg.high) for name, arg in ARGS.items()
          if arg.kind in (int, float) and arg.group != _A} | _QUANTIZE_LIMITS
# the arguments gensim_ftx adds to fastText's (its faces take them by name only)
EXTRA_ARGS = tuple(name for name, arg in ARGS.items() if arg.group in (_F, _P))

# fastText's autotune arguments and their defaults (both training functions take them)
AUTOTUNE_DEFAULTS = {name: arg.default for name, arg in ARGS.items() if arg.group == _A}

# the gensim face's names for the same arguments
GENSIM_NAMES = {"alpha": "lr", "min_alpha": "lr", "vector_size": "dim", "window": "ws", "epochs": "epoch",
                "min_count": "minCount", "min_n": "minn", "max_n": "maxn", "negative": "neg", "bucket": "bucket",
                "workers": "thread", "sample": "t", "start_alpha": "lr", "end_alpha": "lr"}


def defaults(supervised: bool) -> dict:
    """fastText's defaults of every argument, for classifiers or for word vectors."""
    return {name: arg.default_for(supervised) for name, arg in ARGS.items()}


def default_threads() -> int:
    """fastText's Python default for ``thread``: every core but one (its C++ default is 12)."""
    return max(1, (os.cpu_count() or 2) - 1)


def bucket_for(bucket: int, word_ngrams: int, maxn: int, mode: str = "fasttext") -> int:
    """fastText's rule (``Args::parseArgs``): without word n-grams and character n-grams there
    is nothing to hash, so no buckets; floret mode hashes the words themselves, so keeps them."""
    return 0 if word_ngrams <= 1 and maxn == 0 and mode != "floret" else bucket


def check_value(name: str, value, limits: tuple):
    """``value`` as an int or float within ``limits``; ``name`` is how the caller called it.

    Raises
    ------
    ValueError
        Naming the argument, its value and the range it must be in.
    """
    integer, low, high = limits
    kind = "an integer" if integer else "a finite number"
    bounds = f">= {low}" if high == math.inf else f"in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be {kind} {bounds}, got {value!r}")
    if integer:
        if not isinstance(value, Integral):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise ValueError(f"{name} must be {kind} {bounds}, got {value!r}")
        value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name} must be {kind} {bounds}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be {kind} {bounds}, got {value!r}")
    return value


def check_fasttext_args(args: dict) -> dict:
    """fastText-named ``args`` with every known numeric argument checked and made int or float;
    other entries (``input``, ``loss``, ``label``...) pass through unchanged."""
    return {name: check_value(name, value, LIMITS[name]) if name in LIMITS else value
            for name, value in args.items()}


def check_mode(mode) -> None:
    """Check a fastText/floret ``mode`` name ('fasttext' or 'floret')."""
    if mode not in MODE_CODES:
        raise ValueError(f"mode must be one of {sorted(MODE_CODES)}, got {mode!r}")


def check_floret(hash_count, bucket, name: str = "floret_hash_count") -> None:
    """Check floret's settings: ``hash_count`` 0 (fastText hashing) or 1..4 hashes, and buckets to
    hash into (floret keeps words, too, in the bucket table).

    Raises
    ------
    ValueError
        Naming the argument and the range it must be in.
    """
    check_value(name, hash_count, (True, 0, 4))
    if hash_count and not bucket:
        raise ValueError("floret mode hashes words and n-grams into the buckets: bucket must be > 0")


def check_gensim_args(**values) -> None:
    """Check gensim-named arguments (``vector_size=...``, ``workers=...``) against fastText's
    ranges; ``None`` means "not given"."""
    for name, value in values.items():
        if value is not None:
            check_value(name, value, LIMITS[GENSIM_NAMES[name]])
