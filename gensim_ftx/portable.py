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
  dequantised rows stay), memory maps (their rows are read into memory), training state;
- added, so plain gensim can go on training (gensim_ftx builds these only while training, so a
  model read from a fastText ``.bin`` lacks them): gensim's subsampling thresholds
  (``sample_int``, by gensim's ``prepare_vocab`` over the word counts, as gensim's own
  ``load_facebook_model`` derives them), the hierarchical-softmax paths (``code`` / ``point``:
  fastText's tree, which the output rows were trained against, in gensim's convention), a
  ``corpus_count`` (fastText's ``</s>`` count: the lines of the training corpus) and, when they
  are missing, the negative-sampling table and output matrix. :meth:`gensim_ftx.FastText.load`
  removes what was added, so the model comes back as it was saved.

A classifier (``supervised``, or a softmax / one-vs-all loss) keeps its matrices, but its output
rows are labels, not words: gensim cannot train it, so the file has ``hs = negative = 0`` and
gensim's ``train`` raises ``ValueError`` at once (instead of indexing the label rows by word).
"""
from __future__ import annotations

import dataclasses

import numpy as np
from gensim.models import fasttext as gensim_fasttext
from gensim.models import word2vec as gensim_word2vec

from .train.tables import huffman_paths

PORTABLE_KEY = "gensim_ftx_state"  # the attribute holding what gensim_ftx restores on load
ADDED_EXPANDOS = "added_expandos"  # in the keyed vectors' PORTABLE_KEY: per-word tables only plain gensim needs
EOS = "</s>"
REAL = np.float32


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
    if _is_classifier(model):
        dropped.append(_refuse_training(out, restore))
    else:
        _add_training_state(out, restore)
    setattr(out, PORTABLE_KEY, restore)
    out.gensim_ftx_dropped = dropped + out.wv.gensim_ftx_dropped
    return out


def _is_classifier(model) -> bool:
    """Whether ``model``'s output rows are labels, or its loss one gensim has no kernel for."""
    return bool(getattr(model, "supervised", False)) or getattr(model, "loss", None) in ("softmax", "ova")


def _refuse_training(out: gensim_fasttext.FastText, restore: dict) -> str:
    """Make plain gensim's ``train`` refuse ``out`` at once; returns the note for ``gensim_ftx_dropped``.

    With ``hs`` or ``negative`` set, gensim would index a classifier's label rows by word (past
    their end); with ``hs = negative = 0`` its sanity check raises ``ValueError`` before any
    thread starts. gensim_ftx puts the flags back on load.
    """
    for name in ("hs", "negative"):
        if getattr(out, name, 0):
            restore[name] = getattr(out, name)
            setattr(out, name, 0)
    return ("training: plain gensim cannot train a fastText classifier (softmax / one-vs-all loss, or "
            "output rows that are labels); hs and negative are 0 in this file, so gensim's train() raises "
            "ValueError")


def _missing(table, rows: int) -> bool:
    """Whether a per-word ``table`` is absent or not one entry per word (stale: rebuild it)."""
    return table is None or len(table) != rows


def _add_training_state(out: gensim_fasttext.FastText, restore: dict) -> None:
    """Give ``out`` what gensim's ``train`` and ``build_vocab(update=True)`` read and gensim_ftx
    builds only while training (a model read from a ``.bin`` has none of it).

    Per-word tables added here are listed in the keyed vectors' state, so that
    :func:`restore_vectors` removes them again; model attributes that change keep their value in
    ``restore``.
    """
    wv = out.wv
    nwords = len(wv.index_to_key)
    if not nwords or "count" not in wv.expandos:
        return  # no vocabulary yet: gensim's build_vocab makes everything
    counts = np.asarray(wv.expandos["count"], dtype=np.int64)[:nwords]
    added = []
    sample_int = wv.expandos.get("sample_int")
    if _missing(sample_int, nwords):
        wv.expandos["sample_int"] = gensim_sample_ints(wv.index_to_key, counts, out.sample)
        added.append("sample_int")
    else:
        # gensim's kernels read the raw buffer as uint32
        wv.expandos["sample_int"] = np.ascontiguousarray(sample_int, dtype=np.uint32)
    if out.hs and (_missing(wv.expandos.get("code"), nwords) or _missing(wv.expandos.get("point"), nwords)):
        wv.expandos["code"], wv.expandos["point"] = gensim_paths(counts)
        added += ["code", "point"]
    if added:
        extra = getattr(wv, PORTABLE_KEY, None) or {}
        extra[ADDED_EXPANDOS] = added
        setattr(wv, PORTABLE_KEY, extra)
    if out.negative and _missing(getattr(out, "cum_table", None), nwords):
        out.make_cum_table()  # gensim's rule (gensim's load rebuilds it from the counts anyway)
    for name, used in (("syn1", out.hs), ("syn1neg", out.negative)):
        if used and getattr(out, name, None) is None:
            # zero rows, as gensim's init_weights and gensim_ftx's trainer start them
            setattr(out, name, np.zeros((nwords, out.layer1_size), dtype=REAL))
            restore[name] = None
    if not getattr(out, "corpus_count", None):
        # gensim's train(total_examples=0) waits forever on a failed thread; fastText counted one
        # </s> per line read, which is gensim's corpus_count. Unknown: None, which gensim refuses.
        restore["corpus_count"] = getattr(out, "corpus_count", None)
        eos = wv.key_to_index.get(EOS)
        out.corpus_count = int(counts[eos]) if eos is not None and counts[eos] > 0 else None


def gensim_sample_ints(words: list[str], counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's downsampling thresholds (``sample_int``) for ``words`` with ``counts``.

    Runs gensim's own ``prepare_vocab`` over the counts, as gensim's ``load_facebook_model``
    does: an update of an empty vocabulary with ``min_count=1``.

    Parameters
    ----------
    words : list of str
        The vocabulary, in index order.
    counts : numpy.ndarray
        Each word's count.
    sample : float
        gensim's ``sample``.

    Returns
    -------
    numpy.ndarray
        uint32 thresholds in index order.
    """
    scratch = gensim_word2vec.Word2Vec(vector_size=1, sample=sample, min_count=1, hs=0, negative=0)
    # a count below 1 would drop the word (and divide by zero in gensim's rule): count it once
    scratch.raw_vocab = dict(zip(words, np.maximum(counts, 1).tolist()))
    scratch.prepare_vocab(update=True, min_count=1)
    thresholds = np.asarray(scratch.wv.expandos["sample_int"], dtype=np.uint32)
    if scratch.wv.index_to_key != list(words):
        thresholds = thresholds[[scratch.wv.key_to_index[w] for w in words]]
    return np.ascontiguousarray(thresholds)


def gensim_paths(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fastText's Huffman tree over ``counts`` as gensim's ``code`` and ``point`` expandos.

    The output rows of a fastText or gensim_ftx model were trained against fastText's tree, not
    the one gensim's ``create_binary_tree`` would build, so the paths are fastText's. gensim's
    kernels fit ``1 - code`` where fastText fits ``code``: the bits are flipped.

    Returns
    -------
    code, point : numpy.ndarray
        Object arrays holding, for each word, its uint8 codes and uint32 output rows (gensim's
        kernels read their raw buffers as those types).
    """
    indptr, nodes, bits = huffman_paths(counts)
    flipped = np.subtract(1, bits, dtype=np.uint8)
    rows = nodes.astype(np.uint32)
    code = np.empty(len(counts), dtype=object)
    point = np.empty(len(counts), dtype=object)
    for i in range(len(counts)):
        code[i] = flipped[indptr[i]:indptr[i + 1]]
        point[i] = rows[indptr[i]:indptr[i + 1]]
    return code, point


def restore_vectors(wv) -> None:
    """Put back what :func:`to_gensim_vectors` kept as plain data (before the vectors are adopted)."""
    wv.__dict__.pop("gensim_ftx_dropped", None)
    state = dict(wv.__dict__.pop(PORTABLE_KEY, None) or {})
    for name in state.pop(ADDED_EXPANDOS, ()):
        wv.expandos.pop(name, None)  # plain gensim's tables; gensim_ftx builds its own when training
    for name, value in state.items():
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
