"""Training product quantisers as fastText's ``ProductQuantizer`` does (``src/productquantizer.cc``).

Each block of ``dsub`` columns gets 256 centroids from k-means (25 iterations over at most 65,536
sampled rows, centroids started at random rows, an empty cluster split off a large one); every
row is then coded by its nearest centroid in each block. With ``qnorm`` the rows are scaled to
unit length first and their norms quantised by a one-dimensional quantiser of their own.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..io.quant import KSUB, ProductQuantizer, QuantizedMatrix
from ._pq import assign, kmeans

NITER = 25
MAX_POINTS = 256 * KSUB
EPS = 1e-7
_NORM_BLOCK = 1 << 12  # rows whose norms are summed at once (float64 temporaries of a few MB)


class TooFewRowsError(ValueError):
    """The product quantiser cannot be trained: fewer than its 256 centroids' worth of rows."""


def train_quantizer(x: np.ndarray, dsub: int, seed: int = 1234,
                    threads: int = 1) -> tuple[ProductQuantizer, np.ndarray]:
    """A product quantiser for the rows of ``x`` and their codes ``(rows, nsubq)``.

    The sub-quantisers are independent: ``threads`` of them train at once (NumPy releases the
    GIL), each from its own random stream, so the result does not depend on ``threads``.
    """
    n, dim = x.shape
    if n < KSUB:
        raise ValueError(f"Matrix too small for quantization, must have at least {KSUB} rows (has {n})")
    if dsub < 1:
        raise ValueError(f"dsub must be >= 1, got {dsub}")
    nsubq = -(-dim // dsub)
    lastdsub = dim % dsub or dsub
    centroids = np.zeros(dim * KSUB, dtype=np.float32)
    codes = np.empty((n, nsubq), dtype=np.uint8)
    sample = min(n, MAX_POINTS)

    def train(m: int) -> None:
        rng = np.random.default_rng([seed, m])
        width = lastdsub if m == nsubq - 1 else dsub
        block = np.ascontiguousarray(x[:, m * dsub:m * dsub + width], dtype=np.float32)
        points = block if sample == n else np.ascontiguousarray(block[rng.permutation(n)[:sample]])
        start = rng.permutation(len(points))[:KSUB].astype(np.int64)
        book = kmeans(points, start, NITER, int(rng.integers(1, 2**63)), EPS)
        centroids[m * KSUB * dsub: m * KSUB * dsub + KSUB * width] = book.reshape(-1)
        codes[:, m] = assign(block, book)

    if threads > 1 and nsubq > 1:
        with ThreadPoolExecutor(min(threads, nsubq)) as pool:
            list(pool.map(train, range(nsubq)))
    else:
        for m in range(nsubq):
            train(m)
    return ProductQuantizer(dim, nsubq, dsub, lastdsub, centroids), codes


def quantize_matrix(matrix: np.ndarray, dsub: int, qnorm: bool, threads: int = 1, *,
                    copy: bool = True) -> QuantizedMatrix:
    """fastText's ``QuantMatrix(DenseMatrix&&, dsub, qnorm)``, trained on ``threads`` threads.

    With ``qnorm`` the rows are scaled to unit length first: in a copy, or with ``copy=False`` in
    ``matrix`` itself when it is a writeable C-contiguous float32 array (fastText's move: the
    caller no longer needs the rows, and no second matrix is held)."""
    in_place = not copy and isinstance(matrix, np.ndarray) and matrix.dtype == np.float32 \
        and matrix.flags.c_contiguous and matrix.flags.writeable
    rows = matrix if in_place else np.array(matrix, dtype=np.float32)
    norm_codes = npq = None
    if qnorm:
        norms = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), _NORM_BLOCK):  # float64 sums, a block of rows at a time
            block = rows[start:start + _NORM_BLOCK]
            norms[start:start + len(block)] = np.sqrt((block.astype(np.float64) ** 2).sum(axis=1))
        safe = np.where(norms > 0, norms, 1).astype(np.float32)
        rows /= safe[:, None]
        npq, codes = train_quantizer(norms[:, None], 1)
        norm_codes = codes[:, 0].copy()
    pq, codes = train_quantizer(rows, dsub, threads=threads)
    return QuantizedMatrix(bool(qnorm), rows.shape[0], rows.shape[1], codes.reshape(-1), pq, norm_codes, npq)
