"""Large matrices that cost memory only for the rows that are written.

A classifier's input matrix has ``nwords + bucket`` rows (2,000,000 buckets by default) of which
training writes the few it hashes to; fastText allocates it zeroed and the pages it never writes
stay unmapped. NumPy asks Linux for transparent huge pages on every large array (``madvise
(MADV_HUGEPAGE)``), so there the first write into any 2 MiB stretch maps all of it and a sparse
matrix becomes resident whole (2.2x fastText's peak on cooking). :func:`lazy_zeros` maps such a
matrix in base pages instead.
"""
from __future__ import annotations

import mmap

import numpy as np

_LARGE = 1 << 22  # bytes: smaller arrays stay plain numpy ones


def lazy_zeros(shape, dtype=np.float32) -> np.ndarray:
    """A writeable C-contiguous array of zeros whose pages are mapped when first written.

    Large arrays come from a private anonymous mapping advised against huge pages (where the
    platform has ``madvise``); the array owns the mapping, freed with the last reference to it.
    """
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in (shape if isinstance(shape, tuple | list) else (shape,)))
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    advice = getattr(mmap, "MADV_NOHUGEPAGE", None)
    if nbytes < _LARGE or advice is None or not hasattr(mmap, "MAP_PRIVATE"):
        return np.zeros(shape, dtype=dtype)
    try:
        buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE)
        buffer.madvise(advice)
    except (OSError, ValueError):
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)
