"""Compressing a classifier as fastText's ``quantize`` does: feature selection, optional
retraining, product quantisation (``src/fasttext.cc``, ``FastText::quantize``)."""
from __future__ import annotations

import logging

import numpy as np

from .io.pq import quantize_matrix

logger = logging.getLogger(__name__)


def select_rows(matrix: np.ndarray, cutoff: int, eos_id: int) -> np.ndarray:
    """fastText's ``selectEmbeddings``: ``</s>`` first, then the rows of largest norm, ``cutoff`` in all."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64))
    order = np.argsort(-norms, kind="stable")
    if eos_id >= 0:
        order = np.concatenate([[eos_id], order[order != eos_id]])
    return order[:cutoff]


def prune(model, cutoff: int) -> None:
    """Keep ``cutoff`` input rows: the selected words (in dictionary order) and n-gram buckets
    (in selection order, reached through a pruning table), as fastText's ``Dictionary::prune``."""
    from .facebook import _vocabulary

    wv = model.wv
    nwords = len(wv.index_to_key)
    dense = np.concatenate([wv.vectors_vocab, wv.vectors_ngrams])
    keep = select_rows(dense, cutoff, wv.key_to_index.get("</s>", -1))
    words = np.sort(keep[keep < nwords])
    ngrams = keep[keep >= nwords]
    pruneidx = np.stack([ngrams - nwords, np.arange(len(ngrams))], axis=1).astype(np.int32).reshape(-1, 2)
    keys = [wv.index_to_key[i] for i in words]
    raw = wv.raw_keys or {}
    entries = [raw.get(k) or k.encode("utf-8") for k in keys]
    from .supervised import _store

    store, raw_words = _store(entries)
    counts = np.asarray(wv.expandos["count"], dtype=np.int64)[words]
    fields = {"nwords": len(words), "store": store, "counts": counts, "raw_words": raw_words, "pruneidx": pruneidx}
    pruned = _vocabulary(12, model.fb_args, fields, wv.encoding)
    pruned.vectors_vocab = np.ascontiguousarray(dense[words])
    pruned.vectors_ngrams = np.ascontiguousarray(dense[ngrams]) if len(ngrams) else \
        np.zeros((0, dense.shape[1]), dtype=np.float32)
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
        rows to quantise (fastText's product quantiser needs 256).
    """
    if not getattr(model, "supervised", False):
        raise ValueError("For now we only support quantization of supervised models")
    if retrain and not input:
        raise ValueError("Need input file path if retraining")
    if getattr(model, "_quantized", None) and model._quantized.get("input") is not None:
        raise ValueError("the model is already quantised")
    wv = model.wv
    rows = len(wv.vectors_vocab) + len(wv.vectors_ngrams)
    if 0 < cutoff < rows:
        prune(model, cutoff)
        if retrain:
            from .facebook import _model_output, _set_output
            from .supervised import train_epochs

            _set_output(model, np.array(_model_output(model), dtype=np.float32))  # a mapped file is read-only

            train_epochs(model, input, epoch=int(epoch or model.epochs), lr=float(lr or model.alpha),
                         thread=int(thread), progress=progress)
    wv = model.wv
    q_in = quantize_matrix(np.concatenate([wv.vectors_vocab, wv.vectors_ngrams]), dsub, qnorm, threads=int(thread))
    dense = q_in.dequantize()
    wv.vectors_vocab = dense[:len(wv.index_to_key)]
    wv.vectors_ngrams = dense[len(wv.index_to_key):]
    wv.adjust_vectors()
    q_out = None
    if qout:
        from .facebook import _model_output, _set_output

        q_out = quantize_matrix(_model_output(model), 2, qnorm, threads=int(thread))
        _set_output(model, q_out.dequantize())
    model._quantized = {"input": q_in, "output": q_out, "qout_flag": bool(qout)}
