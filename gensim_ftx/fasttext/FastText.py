"""fastText's ``fasttext.FastText`` module: code that imports from it directly
(``from fasttext.FastText import _FastText``, ``fasttext.FastText.train_supervised``) imports
from ``gensim_ftx.fasttext.FastText`` instead and keeps working.

The model object is :class:`_FastText`; :func:`load_model`, :func:`train_supervised` and
:func:`train_unsupervised` make one. ``cbow``, ``skipgram`` and ``supervised`` are the entry
points fastText removed in 0.9 and keeps only to say what replaced them; so do these.
"""
from __future__ import annotations

from ..predict.meter import _Meter
from .core import loss_name, model_name
from .model import BOW, EOS, EOW, _FastText, load_model, tokenize
from .training import UNSUPERVISED_DEFAULTS as unsupervised_default
from .training import read_args, train_supervised, train_unsupervised

__all__ = ["BOW", "EOS", "EOW", "_FastText", "_Meter", "cbow", "displayed_errors", "load_model", "loss_name",
           "model_name", "read_args", "skipgram", "supervised", "tokenize", "train_supervised", "train_unsupervised",
           "unsupervised_default"]

displayed_errors: dict = {}  # fastText keeps this (unused) module global; code may reach for it


def _removed(name: str, replacement: str):
    def entry(*kargs, **kwargs):
        raise Exception(f"`{name}` was removed from fastText's Python API in 0.9: call {replacement} instead "
                        "(the model object it returns has the methods of the old one)")

    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"Removed in fastText 0.9: raises, pointing to ``{replacement}``."
    return entry


cbow = _removed("cbow", "train_unsupervised(input, model='cbow')")
skipgram = _removed("skipgram", "train_unsupervised(input, model='skipgram')")
supervised = _removed("supervised", "train_supervised(input)")
