"""Product-quantised matrices of fastText's ``.ftz`` files (``src/quantmatrix.cc``)."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from .source import ByteSource

KSUB = 256  # centroids per sub-quantiser (8-bit codes)


@dataclass
class ProductQuantizer:
    """Sub-vector codebooks: ``nsubq`` blocks of ``dsub`` columns (the last one ``lastdsub``)."""

    dim: int
    nsubq: int
    dsub: int
    lastdsub: int
    centroids: np.ndarray  # float32, dim * KSUB

    @classmethod
    def read(cls, src: ByteSource, field: str) -> ProductQuantizer:
        start = src.offset
        dim, nsubq, dsub, lastdsub = src.unpack("<4i", f"{field}.header")
        if dim <= 0 or dsub <= 0 or nsubq <= 0 or not 0 < lastdsub <= dsub:
            raise src.error(f"{field}.header", f"invalid quantiser dim={dim} nsubq={nsubq} dsub={dsub} "
                            f"lastdsub={lastdsub}", start)
        if (nsubq - 1) * dsub + lastdsub != dim:
            raise src.error(f"{field}.header", f"sub-quantisers ({nsubq} x {dsub}, last {lastdsub}) "
                            f"do not cover dim {dim}", start)
        centroids = src.read_array("<f4", dim * KSUB, f"{field}.centroids")
        return cls(dim, nsubq, dsub, lastdsub, centroids)

    def write(self, out: BinaryIO) -> None:
        out.write(struct.pack("<4i", self.dim, self.nsubq, self.dsub, self.lastdsub))
        out.write(np.ascontiguousarray(self.centroids, dtype="<f4").tobytes())

    def decode(self, codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Rows for a ``(rows, nsubq)`` code array, as float32 (written into ``out`` if given)."""
        if out is None:
            out = np.empty((codes.shape[0], self.dim), dtype=np.float32)
        elif out.shape != (codes.shape[0], self.dim) or out.dtype != np.float32:
            raise ValueError(f"out must be float32 of shape {(codes.shape[0], self.dim)}, got {out.dtype} {out.shape}")
        for m in range(self.nsubq):
            width = self.lastdsub if m == self.nsubq - 1 else self.dsub
            base = m * KSUB * self.dsub
            book = self.centroids[base: base + KSUB * width].reshape(KSUB, width)
            out[:, m * self.dsub: m * self.dsub + width] = book[codes[:, m]]
        return out


@dataclass
class QuantizedMatrix:
    """A fastText ``QuantMatrix``: codes, a product quantiser and optional quantised norms."""

    qnorm: bool
    m: int
    n: int
    codes: np.ndarray  # uint8, m * nsubq
    pq: ProductQuantizer
    norm_codes: np.ndarray | None = None  # uint8, m
    npq: ProductQuantizer | None = None

    @classmethod
    def read(cls, src: ByteSource, field: str) -> QuantizedMatrix:
        start = src.offset
        qnorm_byte, m, n, codesize = src.unpack("<?qqi", f"{field}.header")
        if m < 0 or n <= 0:
            raise src.error(f"{field}.header", f"invalid quantised matrix shape {m} x {n}", start)
        if codesize < 0:
            raise src.error(f"{field}.codesize", f"negative code size {codesize}", start + 17)
        codes = src.read_array("u1", codesize, f"{field}.codes")
        pq = ProductQuantizer.read(src, f"{field}.pq")
        if pq.dim != n:
            raise src.error(f"{field}.pq", f"quantiser dim {pq.dim} differs from matrix dim {n}")
        if codesize != m * pq.nsubq:
            raise src.error(f"{field}.codesize", f"{codesize} codes for {m} rows of {pq.nsubq} sub-vectors",
                            start + 17)
        norm_codes = npq = None
        if qnorm_byte:
            norm_codes = src.read_array("u1", m, f"{field}.norm_codes")
            npq = ProductQuantizer.read(src, f"{field}.norm_pq")
            if npq.dim != 1:
                raise src.error(f"{field}.norm_pq", f"norm quantiser has dim {npq.dim}, expected 1")
        return cls(bool(qnorm_byte), m, n, codes, pq, norm_codes, npq)

    def write(self, out: BinaryIO) -> None:
        out.write(struct.pack("<?qqi", self.qnorm, self.m, self.n, len(self.codes)))
        out.write(np.ascontiguousarray(self.codes, dtype=np.uint8).tobytes())
        self.pq.write(out)
        if self.qnorm:
            out.write(np.ascontiguousarray(self.norm_codes, dtype=np.uint8).tobytes())
            self.npq.write(out)

    def dequantize(self, out: np.ndarray | None = None) -> np.ndarray:
        """Dense float32 rows equal to what fastText adds for each row of this matrix (written
        into ``out``, a float32 ``(m, n)`` array, if given)."""
        dense = self.pq.decode(self.codes.reshape(self.m, self.pq.nsubq), out)
        if self.qnorm:
            norms = self.npq.centroids[self.norm_codes.astype(np.int64)]
            dense *= norms[:, None]
        return dense
