"""Facebook's ``fasttext`` Python API on gensim_ftx: change ``import fasttext`` to
``from gensim_ftx import fasttext`` and keep the code.

``load_model``, ``tokenize``, ``train_unsupervised`` and the model object (``predict``, ``test``,
``get_word_vector``, ``get_nearest_neighbors``, ``save_model``...) behave as in ``fasttext`` 0.9.3,
on numpy 1 and 2, with prediction in bulk and without the GIL.
"""
from . import FastText, util
from .FastText import (
    BOW,
    EOS,
    EOW,
    _FastText,
    cbow,
    load_model,
    loss_name,
    model_name,
    skipgram,
    supervised,
    tokenize,
    train_supervised,
    train_unsupervised,
)

__all__ = ["BOW", "EOS", "EOW", "FastText", "cbow", "load_model", "loss_name", "model_name", "skipgram", "supervised",
           "tokenize", "train_supervised", "train_unsupervised", "util", "_FastText"]
