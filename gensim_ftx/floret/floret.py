"""floret's ``floret.floret`` module: its model object, training functions and enums.

floret's Python functions take fastText's arguments plus ``mode`` and ``hashCount``, in floret's
own positional order (``train_unsupervised`` has no ``seed`` there: gensim_ftx takes it by name).
floret writes its ``.bin`` layout (with the mode fields) whatever the mode, so a model of this face
does too.
"""
from __future__ import annotations

import dataclasses
import enum
import os

from ..args import AUTOTUNE_DEFAULTS, MODE_CODES
from ..fasttext.core import FLORET_ARG_NAMES, loss_name, model_name
from ..fasttext.FastText import cbow, skipgram, supervised
from ..fasttext.model import BOW, EOS, EOW, _FastText, tokenize
from ..fasttext.training import (
    SUPERVISED_DEFAULTS,
    UNSUPERVISED_DEFAULTS,
    read_training_args,
    supervised_face,
    unsupervised_face,
)

__all__ = ["BOW", "EOS", "EOW", "_floret", "cbow", "load_model", "loss_name", "mode_name", "model_name", "skipgram",
           "supervised", "tokenize", "train_supervised", "train_unsupervised"]

# floret's argument orders (positional arguments)
UNSUPERVISED_ARGS = ("input", "model", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg",
                     "wordNgrams", "loss", "bucket", "hashCount", "mode", "thread", "lrUpdateRate", "t", "label",
                     "verbose", "pretrainedVectors")
SUPERVISED_ARGS = ("input", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg",
                   "wordNgrams", "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose",
                   "pretrainedVectors", "seed") + tuple(AUTOTUNE_DEFAULTS) + ("hashCount", "mode")


class mode_name(enum.Enum):  # noqa: N801 - floret's name
    """floret's ``mode_name`` (the value of ``model.mode``)."""

    fasttext = MODE_CODES["fasttext"]
    floret = MODE_CODES["floret"]


class _floret(_FastText):  # noqa: N801 - floret's name
    """floret's model object: fastText's (:class:`gensim_ftx.fasttext.FastText._FastText`) with
    ``mode`` and ``hashCount`` attributes, ``save_vectors`` and ``save_floret_vectors``."""

    def set_args(self, args=None) -> None:
        """Expose training arguments as attributes, floret's ``mode`` and ``hashCount`` included."""
        super().set_args(args)
        if not args:
            return
        for name in FLORET_ARG_NAMES:
            value = args.get(name) if isinstance(args, dict) else getattr(args, name, None)
            if value is not None:
                setattr(self, name, mode_name[value] if name == "mode" and isinstance(value, str) else value)

    def _more_args(self) -> dict:
        stored = self._args
        return {"mode": mode_name(stored.mode or MODE_CODES["fasttext"]), "hashCount": int(stored.hash_count or 1)}

    def save_model(self, path: str) -> None:
        """Write the model as floret's ``.bin`` (floret's layout, with its mode fields, in either mode:
        floret records its mode in every model it writes)."""
        model = self.gensim_model
        if model.fb_args is not None and model.fb_args.mode is None:
            model.fb_args = dataclasses.replace(model.fb_args, mode=MODE_CODES["fasttext"], hash_count=1)
        super().save_model(path)

    def save_vectors(self, path: str) -> None:
        """Write every word's vector as a ``.vec`` file (floret's ``save_vectors``)."""
        from ..io.vec import save_word_vectors

        save_word_vectors(self._dense_words(), os.fspath(path))

    def save_floret_vectors(self, path: str) -> None:
        """Write the ``.floret`` table for ``spacy init vectors LANG path OUT --mode floret``.

        Raises
        ------
        ValueError
            If the model was not trained in floret mode.
        """
        from ..io.vec import save_floret_vectors

        save_floret_vectors(self._dense_words(), os.fspath(path))


def train_unsupervised(*kargs, **kwargs) -> _floret:
    """Train word vectors on a text file, as ``floret.train_unsupervised``.

    floret's arguments by position (its order) or name; ``mode='floret'`` with ``hashCount=1..4``
    trains floret vectors, ``mode='fasttext'`` (the default) fastText's. ``seed`` and CBOW's
    ``positionWeights``/``positionDims`` are taken by name.
    """
    args, _ = read_training_args(kargs, kwargs, UNSUPERVISED_ARGS, UNSUPERVISED_DEFAULTS,
                                 ("seed", "positionWeights", "positionDims"))
    return unsupervised_face(args, _floret)


def train_supervised(*kargs, **kwargs) -> _floret:
    """Train a classifier on a text file, as ``floret.train_supervised`` (see
    :func:`gensim_ftx.fasttext.train_supervised`; floret's ``mode`` and ``hashCount`` too)."""
    args, manual = read_training_args(kargs, kwargs, SUPERVISED_ARGS, SUPERVISED_DEFAULTS)
    return supervised_face(args, manual, _floret)


def load_model(path: str) -> _floret:
    """Load a floret (or fastText) ``.bin`` model."""
    return _floret(model_path=path)
