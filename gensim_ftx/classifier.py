"""Training a classifier from a file, as fastText's ``-supervised``: the model it returns is a
:class:`gensim_ftx.FastText` (``model.labels``, ``save_facebook_model``, gensim's ``save``).

The dictionary, the initial matrices and the epochs are the engine's
(:mod:`gensim_ftx.train.supervised`); this module builds the model object around them.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import numpy as np

from .args import LOSS_CODES, bucket_for, check_floret, check_mode
from .facebook import _vocabulary, model_from_file
from .io.fbbin import FacebookArgs, FacebookModelFile, floret_fields
from .io.loading import set_input_rows
from .io.vec import read_vec
from .model import output_matrix
from .text.vocab import store_from_bytes, with_pretrained
from .train.supervised import build_dictionary, fasttext_init, train_epochs
from .train.trainer import Progress

logger = logging.getLogger(__name__)


def train_supervised_model(input: str, *, lr: float = 0.1, dim: int = 100, ws: int = 5, epoch: int = 5,
                           min_count: int = 1, min_count_label: int = 0, minn: int = 0, maxn: int = 0, neg: int = 5,
                           word_ngrams: int = 1, loss: str = "softmax", bucket: int = 2000000, thread: int = 1,
                           lr_update_rate: int = 100, t: float = 1e-4, label: str = "__label__", seed: int = 0,
                           pretrained_vectors: str = "", progress: Callable[[Progress], None] | None = None,
                           on_vocabulary: Callable[[int, int, int], None] | None = None,
                           on_reading: Callable[[int], None] | None = None, mode: str = "fasttext",
                           hash_count: int = 1):
    """Train a fastText classifier on ``input`` and return it as a :class:`gensim_ftx.FastText`.

    Arguments have fastText's meanings (snake_case here); see
    :func:`gensim_ftx.fasttext.train_supervised`. The returned model keeps its labels in
    ``model.labels`` / ``model.label_counts``, is saved by :func:`gensim_ftx.save_facebook_model` in
    fastText's format, and raises ``KeyboardInterrupt`` with the partly trained, usable model as the
    exception's ``model`` attribute on Ctrl-C. ``on_vocabulary(ntokens, nwords, nlabels)`` is
    called once the dictionary is built, before training (fastText prints its header then), and
    ``on_reading(ntokens)`` every million tokens while the file is read. ``mode='floret'`` hashes
    words and n-grams as floret does, ``hash_count`` times each.
    """
    if loss not in LOSS_CODES:
        raise ValueError(f"loss must be one of {sorted(LOSS_CODES)}, got {loss!r}")
    if not os.path.isfile(input):
        raise ValueError(f"{input} cannot be opened for training!")
    if dim < 1 or epoch < 0 or thread < 1:
        raise ValueError(f"dim and thread must be >= 1 and epoch >= 0 (dim={dim}, epoch={epoch}, thread={thread})")
    check_mode(mode)
    floret = mode == "floret"
    check_floret(hash_count if floret else 0, bucket, "hashCount")
    bucket = bucket_for(bucket, word_ngrams, maxn, mode)
    started = time.perf_counter()
    words, word_counts, labels, label_counts, ntokens = build_dictionary(input, min_count, min_count_label, label,
                                                                                 on_reading)
    if pretrained_vectors:
        words, word_counts, pretrained = _pretrained(pretrained_vectors, dim, words, word_counts)
    if on_vocabulary is not None:
        on_vocabulary(ntokens, len(words), len(labels))
    args = FacebookArgs(dim=dim, ws=ws, epoch=epoch, min_count=min_count, neg=neg, word_ngrams=word_ngrams,
                        loss=LOSS_CODES[loss], model=3, bucket=bucket, minn=minn, maxn=maxn,
                        lr_update_rate=lr_update_rate, t=t,
                        **floret_fields(hash_count if floret else 0))
    entries = words + labels
    counts = np.concatenate([word_counts, label_counts])
    store, raw_words = store_from_bytes(entries)
    fields = {"nwords": len(words), "store": store, "counts": counts, "raw_words": raw_words, "pruneidx": None}
    wv = _vocabulary(12, args, fields, "utf-8")
    matrix = fasttext_init(len(words) + bucket, dim, thread, seed)
    if pretrained_vectors:
        matrix[:len(words)][pretrained[0]] = pretrained[1]
    output = np.zeros((len(labels), dim), dtype=np.float32)
    label_keys = [x.decode("utf-8", errors="backslashreplace") for x in labels]
    mf = FacebookModelFile(version=12, args=args, words=[str(k) for k in wv.index_to_key] + label_keys,
                           counts=counts, types=np.r_[np.zeros(len(words)), np.ones(len(labels))].astype(np.int8),
                           nwords=len(words), ntokens=ntokens, pruneidx=None, input=matrix, output=output,
                           raw_words=raw_words)
    set_input_rows(wv, mf)
    model = model_from_file(mf, wv, input)
    model.label_prefix = label
    model.min_count_label = min_count_label
    model.alpha = lr
    try:
        train_epochs(model, input, output=output_matrix(model), epoch=epoch, lr=lr, thread=thread, seed=seed,
                     progress=progress)
    except KeyboardInterrupt as interrupt:
        interrupt.model = model
        raise
    logger.info("trained on %s in %.1fs", input, time.perf_counter() - started)
    return model


def _pretrained(path: str, dim: int, words: list[bytes], counts: np.ndarray):
    """fastText's ``-pretrainedVectors``: every word of the ``.vec`` joins the dictionary (one count
    more) and starts from its vector. Returns the words, their counts and ``(rows, vectors)``."""
    names, vectors = read_vec(path, dim)
    merged = with_pretrained(dict(zip(words, counts.tolist())), names)
    index = {w: i for i, w in enumerate(merged)}
    rows = np.array([index[name] for name in names], dtype=np.int64)
    return list(merged), np.fromiter(merged.values(), np.int64, len(merged)), (rows, vectors)
