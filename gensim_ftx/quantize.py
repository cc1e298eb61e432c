"""Compressing a classifier as fastText's ``quantize`` does: feature selection, optional
retraining, product quantisation (``src/fasttext.cc``, ``FastText::quantize``)."""
from __future__ import annotations

import logging

import numpy as np

from .args import check_fasttext_args
from .facebook import _vocabulary
from .io.quant import KSUB
from .model import output_matrix, set_output_matrix
from .text.vocab import store_from_bytes
from .train.pq import TooFewRowsError, quantize_matrix
from .train.supervised import train_epochs

__all__ = ["TooFewRowsError", "prune", "quantize_model", "select_rows"]

logger = logging.getLogger(__name__)


_NORM_BLOCK = 1 << 12  # rows a norm pass reads at once


def row_norms(parts) -> np.ndarray:
    """The Euclidean norm (float64) of every row of a matrix, or of the rows of a list of
    matrices one after the other, read a block at a time (no copy of the matrix)."""
    parts = [parts] if isinstance(parts, np.ndarray) else list(parts)
    out = np.empty(sum(len(part) for part in parts), dtype=np.float64)
    at = 0
    for part in parts:
        for start in range(0, len(part), _NORM_BLOCK):
            block = part[start:start + _NORM_BLOCK]
            out[at + start:at + start + len(block)] = np.einsum("ij,ij->i", block, block, dtype=np.float64)
        at += len(part)
    return np.sqrt(out, out=out)


def select_rows(matrix, cutoff: int, eos_id: int) -> np.ndarray:
    """fastText's ``selectEmbeddings``: ``</s>`` first, then the rows of largest norm, ``cutoff`` in all.

    ``matrix`` may be a list of matrices whose rows follow each other (words, then n-grams)."""
    norms = row_norms(matrix)
    np.negative(norms, out=norms)
    order = np.argsort(norms, kind="stable")[:cutoff + 1]
    del norms
    if eos_id >= 0:
        order = np.concatenate([[eos_id], order[order != eos_id]])
    return order[:cutoff]


def _check_quantizable(model, rows: int, cutoff: int, qout: bool) -> None:
    """Refuse, before anything changes, what the product quantiser cannot train on (the argument
    table has checked ``dsub`` and ``cutoff`` first)."""
    kept = min(cutoff, rows) if cutoff > 0 else rows
    if kept < KSUB:
        told = f"cutoff={cutoff} keeps {kept}" if 0 < cutoff < rows else f"the model has {rows}"
        raise TooFewRowsError(f"Matrix too small for quantization, must have at least {KSUB} rows: {told} input "
                              f"rows, too few for the product quantizer's {KSUB} centroids; keep at least {KSUB} "
                              f"(cutoff >= {KSUB}, or more words or n-gram buckets)")
    if qout:
        labels = len(output_matrix(model))
        if labels < KSUB:
            raise TooFewRowsError(f"Matrix too small for quantization, must have at least {KSUB} rows: the output "
                                  f"matrix (qout=True) has {labels} rows, one a label, too few for the product "
                                  f"quantizer's {KSUB} centroids")


def prune(model, cutoff: int) -> None:
    """Keep ``cutoff`` input rows: the selected words (in dictionary order) and n-gram buckets
    (in selection order, reached through a pruning table), as fastText's ``Dictionary::prune``."""
    wv = model.wv
    nwords = len(wv.index_to_key)
    vocab, buckets = wv.vectors_vocab, wv.vectors_ngrams  # read in place: no copy of all the buckets
    keep = select_rows([vocab, buckets], cutoff, wv.key_to_index.get("</s>", -1))
    words = np.sort(keep[keep < nwords])
    ngrams = keep[keep >= nwords]
    pruneidx = np.stack([ngrams - nwords, np.arange(len(ngrams))], axis=1).astype(np.int32).reshape(-1, 2)
    store, raw_words = store_from_bytes(wv.key_bytes([wv.index_to_key[i] for i in words]))
    counts = np.asarray(wv.expandos["count"], dtype=np.int64)[words]
    fields = {"nwords": len(words), "store": store, "counts": counts, "raw_words": raw_words, "pruneidx": pruneidx}
    pruned = _vocabulary(12, model.fb_args, fields, wv.encoding)
    pruned.vectors_vocab = np.ascontiguousarray(vocab[words], dtype=np.float32)
    pruned.vectors_ngrams = np.ascontiguousarray(buckets[ngrams - nwords], dtype=np.float32) if len(ngrams) else \
        np.zeros((0, vocab.shape[1]), dtype=np.float32)
    pruned.adjust_vectors()
    model.wv = pruned
    logger.info("pruned to %d words and %d n-gram rows", len(words), len(ngrams))


def quantize_model(model, *, input: str | None = None, qout: bool = False, cutoff: int = 0, retrain: bool = False,
                   epoch: int | None = None, lr: float | None = None, thread: int = 1, dsub: int = 2,
                   qnorm: bool = False, progress=None) -> None:
    """Quantise a supervised :class:`gensim_ftx.FastText` in place; it then saves as a ``.ftz``.

    Parameters as fastText's ``quantize``: ``cutoff`` keeps that many input rows (words and
    n-grams of largest norm, ``</s>`` always), ``retrain`` trains the pruned model again on
    ``input`` for ``epoch`` epochs at ``lr``, ``dsub`` is the sub-vector width, ``qnorm``
    quantises the norms apart, ``qout`` quantises the output matrix too.

    Raises
    ------
    ValueError
        For an unsupervised model, retraining without ``input``, or a matrix of fewer than 256
        rows to quantise (fastText's product quantiser needs 256; :class:`TooFewRowsError`,
        raised before the model changes).
    """
    if not getattr(model, "supervised", False):
        raise ValueError("For now we only support quantization of supervised models")
    if retrain and not input:
        raise ValueError("Need input file path if retraining")
    if getattr(model, "_quantized", None) and model._quantized.get("input") is not None:
        raise ValueError("the model is already quantised")
    wv = model.wv
    rows = len(wv.vectors_vocab) + len(wv.vectors_ngrams)
    given = {"cutoff": cutoff, "dsub": dsub, "thread": thread, "epoch": epoch, "lr": lr}
    checked = check_fasttext_args({name: value for name, value in given.items() if value is not None})
    cutoff, dsub, thread = checked["cutoff"], checked["dsub"], checked["thread"]
    _check_quantizable(model, rows, cutoff, bool(qout))
    if 0 < cutoff < rows:
        prune(model, cutoff)
        if retrain:
            output = np.array(output_matrix(model), dtype=np.float32)  # a mapped file is read-only
            set_output_matrix(model, output)
            train_epochs(model, input, output=output, epoch=int(epoch or model.epochs), lr=float(lr or model.alpha),
                         thread=int(thread), progress=progress)
    wv = model.wv
    # one working copy: normalised in place, quantised, then overwritten by the decoded rows
    work = np.concatenate([wv.vectors_vocab, wv.vectors_ngrams], dtype=np.float32)
    q_in = quantize_matrix(work, dsub, qnorm, threads=int(thread), copy=False)
    dense = q_in.dequantize(out=work)
    wv.vectors_vocab = dense[:len(wv.index_to_key)]
    wv.vectors_ngrams = dense[len(wv.index_to_key):]
    wv.adjust_vectors()
    q_out = None
    if qout:
        q_out = quantize_matrix(output_matrix(model), 2, qnorm, threads=int(thread))
        set_output_matrix(model, q_out.dequantize())
    model._quantized = {"input": q_in, "output": q_out, "qout_flag": bool(qout)}
