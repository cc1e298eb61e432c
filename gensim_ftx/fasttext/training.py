"""fastText's training functions with its argument handling: positional or keyword arguments,
its snake_case aliases, its defaults and its errors for unknown or repeated arguments."""
from __future__ import annotations

import sys
from itertools import chain

from ..args import (
    ARGS,
    AUTOTUNE_DEFAULTS,
    EXTRA_ARGS,
    MODE_CODES,
    bucket_for,
    check_fasttext_args,
    default_threads,
    defaults,
)
from .autotune import autotune
from .model import _FastText
from .supervised_training import parse_loss, printed_supervised_model, supervised_model

PARAM_ALIASES = {"min_count": "minCount", "word_ngrams": "wordNgrams", "lr_update_rate": "lrUpdateRate",
                 "label_prefix": "label", "pretrained_vectors": "pretrainedVectors"}

# the argument names of fastText's training functions, in its order (positional arguments)
UNSUPERVISED_ARGS = ("input", "model", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg",
                     "wordNgrams", "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose",
                     "pretrainedVectors", "seed")
SUPERVISED_ARGS = tuple(name for name in UNSUPERVISED_ARGS if name != "model") + tuple(AUTOTUNE_DEFAULTS)
# floret's arguments and CBOW's position weights, which fastText's functions take by name only
# (floret's functions take floret's by position too: gensim_ftx.floret)
EXTRA_DEFAULTS = {name: ARGS[name].default for name in EXTRA_ARGS}


def _python_defaults(supervised: bool) -> dict:
    """fastText's Python defaults (its ``unsupervised_default``): the table's, with ``thread``
    all cores but one (the C++ default is 12)."""
    table = defaults(supervised)
    table["thread"] = default_threads()
    names = ("model",) + UNSUPERVISED_ARGS[2:] + tuple(AUTOTUNE_DEFAULTS)
    table["model"] = "supervised" if supervised else "skipgram"
    return {name: table[name] for name in names}


UNSUPERVISED_DEFAULTS = _python_defaults(False)
SUPERVISED_DEFAULTS = _python_defaults(True)


def read_args(arg_list, arg_dict, arg_names, default_values, *, keyword_names=()) -> tuple[dict, set]:
    """fastText's ``read_args``: positional (``arg_list``) and keyword (``arg_dict``) arguments
    mapped onto ``arg_names`` (snake_case aliases accepted), the rest from ``default_values``;
    ``keyword_names`` (keyword-only) are accepted by name only.

    Returns
    -------
    (dict, set)
        Every argument's value, and the names given by the caller.

    Raises
    ------
    TypeError
        For an unknown name, a name given twice or too many positional arguments.
    """
    given: dict = {}
    if len(arg_list) > len(arg_names):
        raise TypeError(f"takes at most {len(arg_names)} positional arguments ({len(arg_list)} given)")
    for name, value in chain(zip(arg_names, arg_list), arg_dict.items()):
        name = PARAM_ALIASES.get(name, name)
        if name not in arg_names and name not in keyword_names:
            raise TypeError(f"unexpected keyword argument '{name}'")
        if name in given:
            raise TypeError(f"multiple values for argument '{name}'")
        given[name] = value
    return {**default_values, **given}, set(given)


def read_training_args(kargs: tuple, kwargs: dict, names: tuple, defaults: dict,
                       keyword_names: tuple = EXTRA_ARGS) -> tuple[dict, set]:
    """:func:`read_args` for the training functions: ``input`` required, numbers and mode checked."""
    args, manual = read_args(kargs, kwargs, names, {**EXTRA_DEFAULTS, **defaults}, keyword_names=keyword_names)
    if "input" not in manual:
        raise TypeError("missing required argument 'input'")
    if args["mode"] not in MODE_CODES:
        raise ValueError("Unrecognized mode name")
    if args["mode"] != "floret":
        args["hashCount"] = 1  # as floret: the hash count means nothing to fastText's hashing
    if args["positionWeights"] and args.get("model") != "cbow":
        raise ValueError("positionWeights weight CBOW's context: train with model='cbow'")
    return check_fasttext_args(args), manual


def train_supervised(*kargs, **kwargs) -> _FastText:
    """Train a classifier on a text file, as ``fasttext.train_supervised``.

    Each line is an example: its tokens starting with ``label`` (``__label__``) are its labels,
    the rest its text. Takes fastText's arguments by position or name (``input``, ``lr=0.1``,
    ``dim=100``, ``epoch=5``, ``minCount=1``, ``minCountLabel=0``, ``minn=0``, ``maxn=0``,
    ``neg=5``, ``wordNgrams=1``, ``loss='softmax'`` or ``'ns'``, ``'hs'``, ``'ova'``,
    ``bucket=2000000``, ``thread``, ``lrUpdateRate``, ``t``, ``label``, ``verbose=2``,
    ``pretrainedVectors``, ``seed=0`` and the ``autotune*`` arguments; floret's ``mode`` and
    ``hashCount`` by name). With
    ``autotuneValidationFile`` the arguments not given are searched (see
    :mod:`gensim_ftx.fasttext.autotune`). ``thread=1`` with a seed trains bit-identical models.

    Returns
    -------
    _FastText
        ``predict``, ``test``, ``quantize``, ``save_model``...; ``model.gensim_model`` is the
        :class:`gensim_ftx.FastText` behind it.
    """
    args, manual = read_training_args(kargs, kwargs, SUPERVISED_ARGS, SUPERVISED_DEFAULTS)
    return supervised_face(args, manual, _FastText)


def supervised_face(args: dict, manual: set, face: type) -> _FastText:
    """Train the classifier of read ``args`` (``manual``: the names the caller gave) and wrap it
    in ``face``, the model class of the calling package (fastText's or floret's)."""
    loss = parse_loss(args["loss"])
    if isinstance(args["autotuneModelSize"], int):
        args["autotuneModelSize"] = str(args["autotuneModelSize"])
    if args["autotuneValidationFile"]:
        tuned = autotune(args, manual)
        return tuned if isinstance(tuned, face) else face(model=tuned.gensim_model, args=tuned.f.getArgs())
    args["bucket"] = bucket_for(args["bucket"], args["wordNgrams"], args["maxn"], args["mode"])
    try:
        model = printed_supervised_model(args)
    except KeyboardInterrupt as interrupt:
        if getattr(interrupt, "model", None) is not None:
            interrupt.model = face(model=interrupt.model, args={**args, "loss": loss})
        raise
    return face(model=model, args={**args, "loss": loss})


def train_unsupervised(*kargs, **kwargs) -> _FastText:
    """Train word vectors on a text file, as ``fasttext.train_unsupervised``.

    Takes fastText's arguments (``input``, ``model='skipgram'``, ``lr=0.05``, ``dim=100``,
    ``ws=5``, ``epoch=5``, ``minCount=5``, ``minn=3``, ``maxn=6``, ``neg=5``, ``loss='ns'``,
    ``bucket=2000000``, ``thread``, ``t=1e-4``, ``verbose=2``, ``pretrainedVectors``, and
    ``seed``) by position or name, and by name floret's ``mode='floret'`` and ``hashCount=1..4``
    (floret vectors, see :mod:`gensim_ftx.floret`) and CBOW's ``positionWeights=True`` (with
    ``positionDims``, see :class:`gensim_ftx.FastText`'s ``position_weights``), trains with
    fastText's semantics on gensim_ftx's kernels and
    returns the model object (its gensim model is ``model.gensim_model``). ``verbose=2`` prints
    fastText's progress line on stderr. ``model='supervised'`` trains a classifier with these
    (unsupervised) defaults, as fastText does.
    """
    args, _ = read_training_args(kargs, kwargs, UNSUPERVISED_ARGS, UNSUPERVISED_DEFAULTS)
    return unsupervised_face(args, _FastText)


def unsupervised_face(args: dict, face: type) -> _FastText:
    """Train the word vectors (or, with ``model='supervised'``, the classifier) of read ``args``
    and wrap them in ``face``, the model class of the calling package."""
    from ..train.progress import ProgressPrinter
    from ..unsupervised import train_unsupervised as train

    if args["model"] not in ("skipgram", "cbow", "supervised"):
        raise ValueError("Unrecognized model name")
    loss = parse_loss(args["loss"])
    args["bucket"] = bucket_for(args["bucket"], args["wordNgrams"], args["maxn"], args["mode"])
    verbose = int(args["verbose"])
    printer = ProgressPrinter(sys.stderr, verbose)
    progress = printer if verbose >= 1 else None
    if args["model"] == "supervised":
        model = supervised_model(args, progress, printer.summary, printer.reading)
    else:
        model = train(args["input"], progress=progress, on_vocabulary=printer.summary, on_reading=printer.reading,
                      **{name: args[name] for name in UNSUPERVISED_ARGS + EXTRA_ARGS if name != "input"})
    printer.finish(int(model.corpus_total_words) * int(args["epoch"]), int(args["thread"]))
    return face(model=model, args={**args, "loss": loss})
