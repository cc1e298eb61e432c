"""Explosion's ``floret`` Python API on gensim_ftx: change ``import floret`` to
``from gensim_ftx import floret`` and keep the code.

``train_unsupervised(..., mode='floret', hashCount=2)`` trains floret's compact (Bloom) vectors,
whose model object writes floret's ``.bin`` (``save_model``), the ``.vec`` of its words
(``save_vectors``) and the ``.floret`` table spaCy imports (``save_floret_vectors``), each byte
for byte as floret writes them; ``load_model`` reads floret's files (and fastText's). Everything
else is the :mod:`gensim_ftx.fasttext` face.
"""
from .floret import (
    BOW,
    EOS,
    EOW,
    _floret,
    cbow,
    load_model,
    loss_name,
    mode_name,
    model_name,
    skipgram,
    supervised,
    tokenize,
    train_supervised,
    train_unsupervised,
)

__all__ = ["BOW", "EOS", "EOW", "_floret", "cbow", "load_model", "loss_name", "mode_name", "model_name", "skipgram",
           "supervised", "tokenize", "train_supervised", "train_unsupervised"]
