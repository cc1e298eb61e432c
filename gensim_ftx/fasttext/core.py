"""What fastText's model object is made of besides its methods: the ``loss_name`` and
``model_name`` enums, the argument attributes a model exposes, and ``model.f`` (:class:`_Core`),
the internal object Python code written for fastText sometimes calls."""
from __future__ import annotations

import enum
import types
from typing import TYPE_CHECKING

import numpy as np

from ..args import ARGS, AUTOTUNE_DEFAULTS, LOSS_CODES, MODEL_CODES, default_threads, defaults
from ..io.fbbin import FacebookArgs

if TYPE_CHECKING:
    from .model import _FastText

__all__ = ["ARG_NAMES", "FLORET_ARG_NAMES", "_Core", "_file_args", "loss_name", "model_name"]


class loss_name(enum.Enum):  # noqa: N801 - fastText's name
    """fastText's ``loss_name`` (the value of ``model.loss``)."""

    hs = LOSS_CODES["hs"]
    ns = LOSS_CODES["ns"]
    softmax = LOSS_CODES["softmax"]
    ova = LOSS_CODES["ova"]


class model_name(enum.Enum):  # noqa: N801 - fastText's name
    """fastText's ``model_name``."""

    cbow = MODEL_CODES["cbow"]
    skipgram = MODEL_CODES["skipgram"]
    supervised = MODEL_CODES["supervised"]


# the training arguments a model object shows as attributes (model.dim, model.loss...)
# (fastText's; floret's objects add its own arguments, FLORET_ARG_NAMES)
ARG_NAMES = tuple(name for name, arg in ARGS.items()
                  if arg.group in ("dictionary arguments", "training arguments") and name != "seed")
FLORET_ARG_NAMES = tuple(name for name, arg in ARGS.items() if arg.group == "floret arguments")


def _file_args(args: FacebookArgs) -> dict:
    """The argument attributes a model file records (the others keep fastText's defaults)."""
    table = defaults(args.supervised)
    return dict(lr=table["lr"], dim=args.dim, ws=args.ws, epoch=args.epoch, minCount=args.min_count,
                minCountLabel=table["minCountLabel"], minn=args.minn, maxn=args.maxn, neg=args.neg,
                wordNgrams=args.word_ngrams, loss=loss_name(args.loss), bucket=args.bucket,
                thread=default_threads(), lrUpdateRate=args.lr_update_rate, t=args.t,
                label=table["label"], verbose=table["verbose"], pretrainedVectors=table["pretrainedVectors"])


# fastText's Args defaults (C++: unsupervised) for the arguments a .bin file does not keep
_UNSTORED_DEFAULTS = {name: ARGS[name].default for name in ("lr", "thread", "minCountLabel", "label", "verbose",
                                                             "pretrainedVectors")}


class _Core:
    """``model.f``: the calls of fastText's internal object that Python code commonly makes
    (``getArgs()``, ``isQuant()``, ``getWordId``, ``getSubwordId``,
    ``getInputMatrix()``, ``getOutputMatrix()``, ``saveModel``), answered by the model object."""

    def __init__(self, model: _FastText):
        self._model = model

    def getArgs(self) -> types.SimpleNamespace:  # noqa: N802 - fastText's names
        """The model's arguments as attributes, as fastText's ``args`` object (``loss`` and
        ``model`` are :class:`loss_name` / :class:`model_name`)."""
        m, args = self._model, self._model._args
        # a loaded model answers fastText's Args defaults for what a .bin does not store
        values = dict(_UNSTORED_DEFAULTS) if m._file is not None else {name: getattr(m, name, None)
                                                                         for name in ARG_NAMES}
        values.update(dim=int(args.dim), ws=int(args.ws), epoch=int(args.epoch), minCount=int(args.min_count),
                      minn=int(args.minn), maxn=int(args.maxn), neg=int(args.neg), wordNgrams=int(args.word_ngrams),
                      loss=loss_name(args.loss), bucket=int(args.bucket), lrUpdateRate=int(args.lr_update_rate),
                      t=float(args.t), model=model_name(args.model), input="", output="", saveOutput=False,
                      seed=0, qout=False, retrain=False, qnorm=False, cutoff=0, dsub=2, **AUTOTUNE_DEFAULTS)
        values.update(m._more_args())
        return types.SimpleNamespace(**values)

    def isQuant(self) -> bool:  # noqa: N802
        return self._model.is_quantized()

    def getWordId(self, word: str) -> int:  # noqa: N802
        return self._model.get_word_id(word)

    def getSubwordId(self, subword: str) -> int:  # noqa: N802
        return self._model.get_subword_id(subword)

    def getInputMatrix(self) -> np.ndarray:  # noqa: N802
        return self._model.get_input_matrix()

    def getOutputMatrix(self) -> np.ndarray:  # noqa: N802
        return self._model.get_output_matrix()

    def saveModel(self, path: str) -> None:  # noqa: N802
        self._model.save_model(path)
