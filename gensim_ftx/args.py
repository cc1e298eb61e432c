"""The ranges of fastText's training arguments, checked before any allocation or ``nogil`` code.

fastText stores its integer arguments as int32 in a ``.bin`` header, so every integer argument
must fit one; the other bounds keep a hostile value from becoming a crash, an endless loop or a
message that names no argument. The gensim face checks its own names against the same table.
"""
from __future__ import annotations

import math
from numbers import Integral, Real

INT32_MAX = 2**31 - 1
MAX_THREADS = 4096       # a thread each: more only fills memory with thread stacks
MAX_NEGATIVES = 10000    # negatives a target: usually 5-25 (the kernels refuse more, too)

# fastText name: (integer?, lowest, highest). Floats must also be finite.
LIMITS = {
    "lr": (False, 0.0, math.inf),
    "dim": (True, 1, INT32_MAX),
    "ws": (True, 0, INT32_MAX),
    "epoch": (True, 0, INT32_MAX),
    "minCount": (True, -INT32_MAX, INT32_MAX),
    "minCountLabel": (True, -INT32_MAX, INT32_MAX),
    "minn": (True, 0, INT32_MAX),
    "maxn": (True, 0, INT32_MAX),
    "neg": (True, 0, MAX_NEGATIVES),
    "wordNgrams": (True, 1, INT32_MAX),
    "bucket": (True, 0, INT32_MAX),
    "thread": (True, 1, MAX_THREADS),
    "lrUpdateRate": (True, 0, INT32_MAX),
    "t": (False, 0.0, math.inf),
    "seed": (True, 0, 2**32 - 1),
    "verbose": (True, -INT32_MAX, INT32_MAX),
    "dsub": (True, 1, INT32_MAX),
    "cutoff": (True, 0, 2**63 - 1),
}

# fastText's autotune arguments and their defaults (both training functions take them)
AUTOTUNE_DEFAULTS = {"autotuneValidationFile": "", "autotuneMetric": "f1", "autotunePredictions": 1,
                     "autotuneDuration": 300, "autotuneModelSize": ""}

# the gensim face's names for the same arguments
GENSIM_NAMES = {"alpha": "lr", "min_alpha": "lr", "vector_size": "dim", "window": "ws", "epochs": "epoch",
                "min_count": "minCount", "min_n": "minn", "max_n": "maxn", "negative": "neg", "bucket": "bucket",
                "workers": "thread", "sample": "t", "start_alpha": "lr", "end_alpha": "lr"}


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


def check_gensim_args(**values) -> None:
    """Check gensim-named arguments (``vector_size=...``, ``workers=...``) against fastText's
    ranges; ``None`` means "not given"."""
    for name, value in values.items():
        if value is not None:
            check_value(name, value, LIMITS[GENSIM_NAMES[name]])
