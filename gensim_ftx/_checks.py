"""Checks of the offsets and spans handed to ``nogil`` code, which reads them unchecked.

Every Cython entry point that takes offsets into a buffer or an array from Python checks them
here first: one rule, one wording, so an error names the argument and what was expected.
"""
from __future__ import annotations

import numpy as np


def check_offsets(indptr, size: int, name: str, of: str) -> None:
    """``indptr`` (CSR offsets) must start at 0 or above, never fall, and end within ``size``
    (the length of the array ``of`` it indexes).

    Raises
    ------
    ValueError
        Naming ``name`` and ``of``.
    """
    offsets = np.asarray(indptr)
    if len(offsets) and (offsets[0] < 0 or offsets[len(offsets) - 1] > size or np.any(np.diff(offsets) < 0)):
        raise ValueError(f"{name} must be non-decreasing offsets within the {size} entries of {of}")


def check_spans(starts, ends, size: int, what: str = "text") -> None:
    """Spans ``[starts[i], ends[i])`` must lie in a buffer of ``size`` bytes, one end a start.

    Raises
    ------
    ValueError
        Naming ``what`` the spans delimit.
    """
    s, e = np.asarray(starts), np.asarray(ends)
    if s.shape != e.shape or s.ndim != 1:
        raise ValueError(f"{what} starts and ends differ in shape: {s.shape} and {e.shape}")
    if len(s) and (s.min() < 0 or np.any(e < s) or e.max() > size):
        raise ValueError(f"{what} spans must satisfy 0 <= start <= end <= {size} (the buffer's length)")
