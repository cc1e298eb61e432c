"""Training tables derived from the vocabulary: subsampling, negative sampling, Huffman paths.

Each function implements one rule, for the two semantics the trainer offers (gensim's and
fastText's); :class:`Semantics` says which rule applies.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._kernels import alias_table
from .huffman import build_tree


@dataclass(frozen=True)
class Semantics:
    """Where gensim's and fastText's training differ (REFERENCE.md §7).

    Attributes
    ----------
    name : str
        ``'gensim'`` or ``'fasttext'``.
    eos : bool
        Newlines of a corpus file are the token ``</s>``, trained like a word.
    max_line : int
        Longest line (in in-vocabulary tokens) handed to a kernel; longer ones are split.
        fastText ends a line once it holds more than 1024 tokens, so its lines hold up to 1025.
    negative_redraw : bool
        A negative equal to the target is drawn again (fastText) instead of skipped (gensim).
    subsampling : str
        ``'gensim'``: threshold on retained words; ``'fasttext'``: ``sqrt(t/f) + t/f`` with ``f``
        relative to all tokens read.
    negative_power : float or None
        Exponent of the counts negatives are drawn by; None: the model's ``ns_exponent``.
    negative_table : int
        0: negatives follow ``count^power`` exactly. Otherwise each word's share is rounded up to
        whole entries of a table this long, as fastText's 10M-entry table does (rare words gain weight).
    streaming : bool
        How a corpus file is walked. False (gensim): each epoch reads the file once, one byte
        range per thread. True (fastText): thread k reads on from offset ``k * size / threads``,
        wrapping at the end of the file, until ``epochs * ntokens`` in-vocabulary tokens have
        been read by all threads together. ``ntokens`` counts every token of the file, words
        below ``min_count`` included, so fastText trains ``ntokens / in-vocabulary tokens`` more
        passes than ``epochs`` (3 % more on 4M tokens of English, far more on a small corpus
        of a morphologically rich language), with its learning rate falling over all of them.
    """

    name: str
    eos: bool
    max_line: int
    negative_redraw: bool
    subsampling: str
    negative_power: float | None = None
    negative_table: int = 0
    streaming: bool = False


GENSIM = Semantics("gensim", eos=False, max_line=10000, negative_redraw=False,
                   subsampling="gensim")
FASTTEXT = Semantics("fasttext", eos=True, max_line=1025, negative_redraw=True,
                     subsampling="fasttext", negative_power=0.5, negative_table=10_000_000, streaming=True)
SEMANTICS = {s.name: s for s in (GENSIM, FASTTEXT)}


def keep_probabilities(counts: np.ndarray, sample: float, rule: str, ntokens: int | None = None) -> np.ndarray | None:
    """Probability of keeping each word when subsampling, or None when nothing is dropped.

    Parameters
    ----------
    counts : int array
        Word counts.
    sample : float
        gensim's ``sample`` / fastText's ``t``.
    rule : {'gensim', 'fasttext'}
        gensim: ``(sqrt(c / T) + 1) * T / c`` with ``T = sample * sum(counts)`` (``sample >= 1``:
        an absolute count). fastText: ``sqrt(t / f) + t / f`` with ``f = c / ntokens``.
    ntokens : int, optional
        fastText's token total (all tokens read, including dropped words); defaults to the sum.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if not sample or len(counts) == 0:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "fasttext":
            freq = counts / float(ntokens or counts.sum())
            keep = np.sqrt(sample / freq) + sample / freq
        else:
            total = counts.sum()
            threshold = sample * total if sample < 1.0 else sample * (3 + np.sqrt(5)) / 2
            keep = (np.sqrt(counts / threshold) + 1) * (threshold / counts)
    keep = np.where(np.isfinite(keep), np.minimum(keep, 1.0), 1.0).astype(np.float32)
    return None if keep.min() >= 1.0 else keep


def negative_sampler(counts: np.ndarray, power: float, table_size: int = 0) -> np.ndarray:
    """Alias table drawing word ``i`` with probability ``count_i^power / sum_j count_j^power``.

    gensim (``ns_exponent``) approximates this distribution with a cumulative table searched by
    bisection; the alias table draws from it exactly, in O(1), from one 8-byte entry per word.
    Words of count 0 are never drawn; when every count is 0 all words are equally likely.

    Parameters
    ----------
    counts : int array
        Word counts, in vocabulary order.
    power : float
        Exponent applied to the counts (fastText 0.5, gensim ``ns_exponent``).
    table_size : int, optional
        When > 0, draw from the distribution of fastText's table of this many entries instead:
        word ``i`` fills ``ceil(w_i * table_size / sum(w))`` entries, computed in single precision
        in vocabulary order as fastText does, so every word's share is rounded up.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if len(counts) == 0:
        return np.zeros(0, dtype=np.uint64)
    positive = counts > 0
    weights = np.zeros_like(counts)
    weights[positive] = counts[positive] ** power
    if table_size > 0:
        weights = _table_entries(weights, table_size)
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        weights = np.ones_like(counts)
    return alias_table(np.ascontiguousarray(weights, dtype=np.float64))


def _table_entries(weights: np.ndarray, table_size: int) -> np.ndarray:
    """Entries per word of fastText's negative table (float32 arithmetic, sequential sum)."""
    single = weights.astype(np.float32)
    total = np.cumsum(single, dtype=np.float32)[-1]
    if not np.isfinite(total) or total <= 0:
        return weights
    shares = single * np.float32(table_size) / total
    return np.ceil(shares).astype(np.float64)


def huffman_paths(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """fastText's Huffman tree as a CSR of (output row, code) per word, leaf to root.

    ``counts`` is sorted in descending order first if it is not, as fastText's tree assumes.
    """
    counts = np.asarray(counts, dtype=np.int64)
    order = np.argsort(-counts, kind="stable")
    codes, points = build_tree(counts[order])
    lengths = np.zeros(len(counts), dtype=np.int64)
    lengths[order] = [len(c) for c in codes]
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    nodes = np.empty(indptr[-1], dtype=np.int32)
    bits = np.empty(indptr[-1], dtype=np.uint8)
    for rank, word in enumerate(order):
        nodes[indptr[word]:indptr[word + 1]] = points[rank]
        bits[indptr[word]:indptr[word + 1]] = codes[rank]
    return indptr, nodes, bits
