"""Plain-gensim copies of gensim_ftx models, for files that load where only gensim is installed.

A pickle names the classes of what it holds, so a model saved by gensim_ftx's ``save`` needs
gensim_ftx to load. :func:`to_gensim` builds gensim's own ``FastText`` / ``FastTextKeyedVectors``
around the same matrices (no copies): the compact vocabulary becomes gensim's ``dict`` and
``list`` (about 150 bytes a word more than gensim_ftx's store: 300 MB for a 2M-word model, which
is why it is not the default), and gensim_ftx's own objects become plain data:

- kept as plain data and restored by :meth:`gensim_ftx.FastText.load`: the fastText arguments
  (``fb_args``), ``semantics``, ``loss``, classifier labels and counts, the raw bytes of words
  that are not valid in the model's encoding;
- kept as they are: every matrix, and the composed word vectors, so in-vocabulary vectors are
  gensim_ftx's (fastText's: ``</s>`` without n-grams) until gensim recomputes them after training;
- dropped, and listed in the file's ``gensim_ftx_dropped`` attribute: quantised matrices (the
  dequantised rows stay), memory maps (their rows are read into memory), training state.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from gensim.models import fasttext as gensim_fasttext

PORTABLE_KEY = "gensim_ftx_state"  # the attribute holding what gensim_ftx restores on load


def _plain(value) -> bool:
    """Whether ``value`` unpickles without gensim_ftx (containers: and everything in them)."""
    if type(value).__module__.startswith("gensim_ftx"):
        return False
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return True


def to_gensim_vectors(wv) -> gensim_fasttext.FastTextKeyedVectors:
    """gensim's ``FastTextKeyedVectors`` with ``wv``'s words, counts and matrices."""
    out = gensim_fasttext.FastTextKeyedVectors(wv.vector_size, wv.min_n, wv.max_n, wv.bucket)
    out.index_to_key = list(wv.index_to_key)
    out.key_to_index = {key: i for i, key in enumerate(out.index_to_key)}
    out.expandos = {name: np.asarray(values) for name, values in wv.expandos.items()}
    out.vectors_vocab = np.asarray(wv.vectors_vocab)
    out.vectors_ngrams = np.asarray(wv.vectors_ngrams)
    dropped = []
    pruneidx = getattr(wv, "pruneidx", None)
    if pruneidx is not None:
        # gensim hashes into all the buckets: the kept rows go back to their buckets, the rest are
        # zero rows, which gensim averages in where fastText leaves the n-gram out
        table = np.asarray(pruneidx).reshape(-1, 2)
        full = np.zeros((wv.bucket, wv.vector_size), dtype=np.float32)
        full[table[:, 0]] = out.vectors_ngrams[table[:, 1]]
        out.vectors_ngrams = full
        dropped.append("pruning table: in plain gensim, n-grams the model dropped are zero rows that "
                       "out-of-vocabulary vectors average in")
    out.vectors_vocab_lockf = np.asarray(getattr(wv, "vectors_vocab_lockf", np.ones(1, dtype=np.float32)))
    out.vectors_ngrams_lockf = np.asarray(getattr(wv, "vectors_ngrams_lockf", np.ones(1, dtype=np.float32)))
    out.recalc_char_ngram_buckets()  # gensim's table; it hashes as fastText does
    out.vectors = np.array(wv.vectors)  # gensim_ftx's composed vectors (fastText's rules)
    extra = {}
    if getattr(wv, "raw_keys", None):
        extra["raw_keys"] = dict(wv.raw_keys)
    if getattr(wv, "pruneidx", None) is not None:
        extra["pruneidx"] = np.asarray(wv.pruneidx)
    if getattr(wv, "floret_hash_count", 0):
        extra["floret_hash_count"] = int(wv.floret_hash_count)
    if extra:
        setattr(out, PORTABLE_KEY, extra)
    out.gensim_ftx_dropped = dropped
    return out


def to_gensim(model) -> gensim_fasttext.FastText:
    """gensim's ``FastText`` holding ``model``'s state (matrices shared, not copied)."""
    out = gensim_fasttext.FastText.__new__(gensim_fasttext.FastText)
    state, dropped = {}, []
    restore = {}
    for name, value in model.__dict__.items():
        if name == "wv":
            continue
        if name == "fb_args" and value is not None:
            restore["fb_args"] = dataclasses.asdict(value)
        elif name == "_quantized" and value:
            dropped.append("quantised matrices (their dequantised rows are kept)")
        elif isinstance(value, np.memmap):
            state[name] = np.array(value)
        elif name == "labels" and value is not None:
            state[name] = list(value)  # a view over the file's dictionary: a plain list
        elif _plain(value):
            state[name] = value
        else:
            dropped.append(f"{name} ({type(value).__name__})")
    for name in ("semantics", "loss", "supervised", "labels", "label_counts", "raw_labels", "label_prefix",
                 "fb_version", "fasttext_ntokens"):
        if name in state:
            restore[name] = state[name]
    out.__dict__.update(state)
    out.wv = to_gensim_vectors(model.wv)
    if isinstance(getattr(model.wv, "vectors_vocab", None), np.memmap):
        dropped.append("memory map (rows read into the file)")
    setattr(out, PORTABLE_KEY, restore)
    out.gensim_ftx_dropped = dropped + out.wv.gensim_ftx_dropped
    return out


def restore_vectors(wv) -> None:
    """Put back what :func:`to_gensim_vectors` kept as plain data (before the vectors are adopted)."""
    wv.__dict__.pop("gensim_ftx_dropped", None)
    for name, value in (wv.__dict__.pop(PORTABLE_KEY, None) or {}).items():
        setattr(wv, name, value)
    table = getattr(wv, "pruneidx", None)
    if table is not None and len(wv.vectors_ngrams) != len(table):
        table = np.asarray(table).reshape(-1, 2)
        compact = np.zeros((len(table), wv.vector_size), dtype=np.float32)
        compact[table[:, 1]] = wv.vectors_ngrams[table[:, 0]]
        wv.vectors_ngrams = compact


def restore(model) -> None:
    """Put back what :func:`to_gensim` kept as plain data on a model loaded as gensim's class."""
    from .io.fbbin import FacebookArgs

    model.__dict__.pop("gensim_ftx_dropped", None)
    for name, value in (model.__dict__.pop(PORTABLE_KEY, None) or {}).items():
        setattr(model, name, FacebookArgs(**value) if name == "fb_args" else value)
