"""``load_facebook_model``, ``load_facebook_vectors`` and ``save_facebook_model``, as in gensim.

The file format lives in :mod:`gensim_ftx.io.fbbin`; this module maps a parsed file onto
gensim's model and keyed-vector objects and back.
"""
from __future__ import annotations

import collections
import dataclasses
import logging

import numpy as np

from .args import LOSS_CODES, MODE_CODES
from .io.atomic import write_atomically
from .io.fbbin import LOSSES, VERSION, FacebookArgs, FacebookModelFile, floret_fields, write_model
from .io.loading import read_file, source_name, vocabulary_from_fields
from .io.quant import QuantizedMatrix
from .io.source import is_plain_local
from .keyedvectors import FastTextKeyedVectors
from .model import FastText, model_loss, output_matrix

logger = logging.getLogger(__name__)

REAL = np.float32


_is_local = is_plain_local
_source_name = source_name


def _read(path, encoding: str, full_model: bool, mmap: str | None,
          dense: bool = True) -> tuple[FacebookModelFile, FastTextKeyedVectors]:
    """Parse ``path`` into its file record and keyed vectors (see :func:`~gensim_ftx.io.loading.read_file`)."""
    return read_file(path, encoding, full_model, mmap, dense, table=FastTextKeyedVectors)


def _vocabulary(version: int | None, args: FacebookArgs, fields: dict, encoding: str) -> FastTextKeyedVectors:
    """Keyed vectors with the words, counts and subword table of a parsed dictionary (no matrices yet)."""
    return vocabulary_from_fields(version, args, fields, encoding, table=FastTextKeyedVectors)


def load_facebook_vectors(path, encoding: str = "utf-8", *, mmap: str | None = None) -> FastTextKeyedVectors:
    """Load word vectors from a fastText ``.bin`` (or ``.ftz``, or floret) file.

    Only the input matrix is read; the output matrix is checked and skipped. In- and
    out-of-vocabulary lookups match fastText's ``get_word_vector``.

    Parameters
    ----------
    path : str or os.PathLike or binary file object
        The model file. Compressed or remote paths are opened with smart_open.
    encoding : str, optional
        Encoding of the words; entries that do not decode are kept with ``backslashreplace``.
    mmap : {None, 'r', 'r+', 'c'}, keyword-only
        Memory-map the matrix instead of reading it (a local, uncompressed file is needed).
        ``'r'`` loads a 7 GB pretrained model in seconds and shares its pages between processes.

    Returns
    -------
    FastTextKeyedVectors

    Raises
    ------
    gensim_ftx.io.FacebookFormatError
        A ``ValueError`` naming the file, field and byte offset of malformed input.
    """
    _, wv = _read(path, encoding, full_model=False, mmap=mmap)
    logger.info("loaded %d words and %d n-gram rows of dim %d from %s", len(wv), len(wv.vectors_ngrams),
                wv.vector_size, _source_name(path))
    return wv


def load_facebook_model(path, encoding: str = "utf-8", *, mmap: str | None = None) -> FastText:
    """Load a whole fastText model (input and output matrices) from a ``.bin`` file.

    The model can be queried, saved with gensim's ``save`` or :func:`save_facebook_model`
    (byte-identical to the input when unmodified), and trained further. Supervised models keep
    their labels in ``model.labels``; ``.ftz`` matrices are dequantised.

    Parameters
    ----------
    path : str or os.PathLike or binary file object
        The model file. Compressed or remote paths are opened with smart_open.
    encoding : str, optional
        Encoding of the words.
    mmap : {None, 'r', 'r+', 'c'}, keyword-only
        Memory-map both matrices (see :func:`load_facebook_vectors`).

    Returns
    -------
    FastText
    """
    mf, wv = _read(path, encoding, full_model=True, mmap=mmap)
    return model_from_file(mf, wv, _source_name(path))


def model_from_file(mf: FacebookModelFile, wv: FastTextKeyedVectors, name: str) -> FastText:
    """The :class:`FastText` model of a parsed file whose keyed vectors hold the input rows."""
    args = mf.args
    loss = LOSSES[args.loss]
    model = FastText(
        vector_size=args.dim, window=args.ws, epochs=args.epoch, min_count=args.min_count,
        negative=args.neg if loss == "ns" else 0, hs=int(loss == "hs"), sg=int(args.model == 2),
        sample=args.t, min_n=args.minn, max_n=args.maxn, bucket=args.bucket,
    )
    model.wv = wv
    model.loss = loss
    model.fb_args = args
    model.fb_version = mf.version
    model.supervised = args.supervised
    if mf.nlabels or args.supervised:
        # fastText makes any "__label__" token a label, in unsupervised models too
        model.labels = mf.words[mf.nwords:]
        model.label_counts = np.ascontiguousarray(mf.counts[mf.nwords:])
        model.raw_labels = {i - mf.nwords: raw for i, raw in mf.raw_words.items() if i >= mf.nwords}
    model.corpus_total_words = mf.ntokens
    model.layer1_size = args.dim
    model.raw_vocab = collections.defaultdict(int)  # as gensim leaves it: ready for build_vocab(update=True)
    output = mf.dense_output()
    if loss == "ns":
        model.syn1neg = output
    elif loss == "hs":
        model.syn1 = output
    else:
        model.syn1out = output
    if isinstance(mf.input, QuantizedMatrix) or isinstance(mf.output, QuantizedMatrix):
        model._quantized = {"input": mf.input if isinstance(mf.input, QuantizedMatrix) else None,
                            "output": mf.output if isinstance(mf.output, QuantizedMatrix) else None,
                            "qout_flag": mf.qout_flag}
    elif mf.qout_flag:
        model._quantized = {"input": None, "output": None, "qout_flag": True}
    if model.negative:
        model.make_cum_table()
    # the constructor's event showed an empty vocabulary; say what was loaded, as gensim's load() does
    model.add_lifecycle_event("loaded", fname=name, msg=f"loaded {model}")
    return model


# ---------------------------------------------------------------------------------------------
# saving


def _model_args(model, lr_update_rate: int, word_ngrams: int) -> FacebookArgs:
    """fastText arguments for ``model``: its gensim attributes, over what was loaded from a file."""
    stored = getattr(model, "fb_args", None) or FacebookArgs()
    wv = model.wv
    loss = model_loss(model)
    if getattr(model, "supervised", False):
        kind = 3
    else:
        kind = 2 if model.sg else 1
    stored_maxn = stored.maxn if getattr(model, "fb_version", None) == 11 and kind == 3 else wv.max_n
    return dataclasses.replace(
        stored,
        dim=model.vector_size, ws=model.window, epoch=model.epochs, min_count=model.min_count,
        neg=model.negative if loss == "ns" else stored.neg,
        word_ngrams=word_ngrams if word_ngrams != 1 else stored.word_ngrams,
        loss=LOSS_CODES[loss], model=kind, bucket=wv.bucket, minn=wv.min_n, maxn=stored_maxn,
        lr_update_rate=lr_update_rate if lr_update_rate != 100 else stored.lr_update_rate,
        t=model.sample,
        **_mode_fields(stored, wv),
    )


def _mode_fields(stored: FacebookArgs, wv) -> dict:
    """floret's header fields: a floret model writes its mode and hash count; a fastText model
    keeps the layout it was read in (fastText's, or floret's with mode 1)."""
    hash_count = int(getattr(wv, "floret_hash_count", 0) or 0)  # (gensim's own keyed vectors have none)
    if hash_count:
        return floret_fields(hash_count)
    if stored.mode == MODE_CODES["floret"]:
        return {"mode": MODE_CODES["fasttext"], "hash_count": 1}
    return {}


def _quantized_matrices(model, input_parts: list[np.ndarray], output: np.ndarray):
    """The quantised matrices to write back, and the ``qout`` flag byte.

    A quantised matrix is written only while it still decodes to the model's vectors; fastText
    reads the output as quantised only after a quantised input, so the flag follows.
    """
    saved = getattr(model, "_quantized", None) or {}
    q_in, q_out = saved.get("input"), saved.get("output")
    flag = bool(saved.get("qout_flag", False))
    if q_in is None:
        return None, None, flag  # a dense file keeps whatever flag byte it had
    dense, at = q_in.dequantize(), 0
    for part in input_parts:  # part by part: no concatenated copy of the input matrix
        if not np.array_equal(dense[at:at + len(part)], part, equal_nan=True):
            return None, None, False
        at += len(part)
    if at != len(dense):
        return None, None, False
    del dense
    if q_out is not None and not np.array_equal(q_out.dequantize(), output, equal_nan=True):
        return q_in, None, False
    return q_in, q_out, flag and q_out is not None


def _check_shapes(model, args: FacebookArgs, nwords: int, nlabels: int, output: np.ndarray) -> None:
    """Refuse to write matrices whose shapes fastText would misread."""
    wv = model.wv
    pruneidx = getattr(wv, "pruneidx", None)
    expected = {
        "vectors_vocab": (wv.vectors_vocab, nwords),
        "vectors_ngrams": (wv.vectors_ngrams, args.bucket if pruneidx is None else len(pruneidx)),
        "output matrix": (output, nlabels if args.model == 3 else nwords),
    }
    for name, (matrix, rows) in expected.items():
        shape = getattr(matrix, "shape", None)
        if shape is None or len(shape) != 2 or shape != (rows, args.dim):
            raise ValueError(f"{name} has shape {shape}, expected {(rows, args.dim)} for fastText's layout")


def save_facebook_model(model, path, encoding: str = "utf-8", lr_update_rate: int = 100, word_ngrams: int = 1,
                        *, version: int | None | str = "auto") -> None:
    """Save ``model`` in fastText's binary format, readable by ``fasttext.load_model``.

    A model read by :func:`load_facebook_model` is written back byte for byte. The file is
    written to a temporary name beside ``path`` and renamed, so a failed save leaves any
    existing file untouched.

    Parameters
    ----------
    model : gensim.models.fasttext.FastText
        A gensim_ftx or gensim model.
    path : str or os.PathLike or binary file object
        Destination.
    encoding : str, optional
        Encoding for the words.
    lr_update_rate, word_ngrams : int, optional
        fastText arguments gensim does not track. The defaults (100, 1) keep the values of a
        model loaded from a file.
    version : {'auto', None} or int, keyword-only
        File format version; ``'auto'`` keeps the version the model was loaded from (12 for new
        models), None writes the signature-less pre-v11 layout. fastText reads 11 and 12.
    """
    if version == "auto":
        version = getattr(model, "fb_version", VERSION) if hasattr(model, "fb_args") else VERSION
    if version is not None and not (isinstance(version, int) and 0 < version <= VERSION):
        raise ValueError(f"version must be 'auto', None or 1..{VERSION}, got {version!r}")
    wv = model.wv
    args = _model_args(model, lr_update_rate, word_ngrams)
    nwords = len(wv.index_to_key)
    words = list(wv.index_to_key)
    counts = np.asarray(wv.expandos["count"], dtype=np.int64) if "count" in wv.expandos else \
        np.array([wv.get_vecattr(w, "count") for w in words], dtype=np.int64)
    labels = getattr(model, "labels", None) or []
    if labels:
        words += list(labels)
        counts = np.concatenate([counts, np.asarray(model.label_counts, dtype=np.int64)])
    types = np.zeros(len(words), dtype=np.int8)
    types[nwords:] = 1
    raw_keys = getattr(wv, "raw_keys", None) or {}
    raw_words = {wv.key_to_index[k]: raw for k, raw in raw_keys.items() if k in wv.key_to_index}
    raw_words.update({nwords + i: raw for i, raw in (getattr(model, "raw_labels", None) or {}).items()})
    input_parts = [wv.vectors_vocab, wv.vectors_ngrams]
    output = output_matrix(model)
    _check_shapes(model, args, nwords, len(labels), output)
    q_in, q_out, qout_flag = _quantized_matrices(model, input_parts, output)
    pruneidx = getattr(wv, "pruneidx", None)
    if pruneidx is not None and q_in is None and version is not None:
        logger.warning("writing a pruned model with a dense input matrix: fastText will refuse to load it")
    fields = dict(version=version, args=args, words=words, counts=counts, types=types, nwords=nwords,
                  ntokens=int(getattr(model, "corpus_total_words", 0) or 0), pruneidx=pruneidx,
                  input_parts=q_in if q_in is not None else input_parts,
                  output=q_out if q_out is not None else output,
                  encoding=encoding, raw_words=raw_words, qout_flag=qout_flag)
    if hasattr(path, "write"):
        write_model(path, **fields)
        return
    write_atomically(path, lambda stream: write_model(stream, **fields))
    logger.info("saved fastText model to %s", path)


def save_floret_vectors(model, path) -> None:
    """Write the ``.floret`` table of a floret-mode model, byte for byte as floret's
    ``save_floret_vectors`` writes it, for ``spacy init vectors LANG path OUT --mode floret``.

    Parameters
    ----------
    model : FastText, FastTextKeyedVectors or a ``fasttext``/``floret`` face model object
        A model trained with ``floret_hash_count`` (or ``mode='floret'``), or loaded from a floret ``.bin``.
    path : str or os.PathLike
        Where to write; an existing file is replaced only once the new one is complete.

    Raises
    ------
    ValueError
        If the model does not hash in floret mode.
    """
    from .io.vec import save_floret_vectors as write_table

    if hasattr(model, "gensim_model"):  # the fasttext or floret face's model object
        model = model.gensim_model
    write_table(getattr(model, "wv", model), path)
