"""gensim_ftx: a fastText engine for gensim.

Change one import and gensim code gets fastText-exact vectors and fast model loading::

    from gensim_ftx import FastText, load_facebook_model, load_facebook_vectors, save_facebook_model
"""
from .facebook import load_facebook_model, load_facebook_vectors, save_facebook_model
from .fasttext_api import train_unsupervised
from .io import FacebookFormatError
from .keyedvectors import FastTextKeyedVectors
from .model import FastText
from .patch import patch_gensim, patched_gensim, unpatch_gensim
from .trainer import EncounteredNaNError

__all__ = [
    "EncounteredNaNError",
    "FacebookFormatError",
    "FastText",
    "FastTextKeyedVectors",
    "load_facebook_model",
    "load_facebook_vectors",
    "patch_gensim",
    "patched_gensim",
    "save_facebook_model",
    "train_unsupervised",
    "unpatch_gensim",
]
__version__ = "0.1.0"
