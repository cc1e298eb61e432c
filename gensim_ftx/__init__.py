"""gensim_ftx: a fastText engine for gensim.

Change one import and gensim code gets fastText-exact vectors and fast model loading::

    from gensim_ftx import FastText, load_facebook_model, load_facebook_vectors, save_facebook_model

Code written for Facebook's ``fasttext`` package changes ``import fasttext`` to
``from gensim_ftx import fasttext``. The names below are imported when first used, so that face
(and the CLI's prediction) starts without importing gensim and scipy.
"""
from __future__ import annotations

import importlib

from . import kernels as _kernels

__version__ = "0.1.0"

# the compiled kernels of the best level this CPU supports (see gensim_ftx.kernels)
_kernels.install()

# public name -> the module that defines it
_EXPORTS = {
    "EncounteredNaNError": "train.trainer",
    "FacebookFormatError": "io",
    "FastText": "model",
    "FastTextKeyedVectors": "keyedvectors",
    "load_facebook_model": "facebook",
    "load_facebook_vectors": "facebook",
    "patch_gensim": "patch",
    "patched_gensim": "patch",
    "save_facebook_model": "facebook",
    "save_floret_vectors": "facebook",
    "show_config": "config",
    "train_unsupervised": "unsupervised",
    "unpatch_gensim": "patch",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gensim_ftx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
