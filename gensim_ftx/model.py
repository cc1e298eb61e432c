"""The gensim_ftx model: a drop-in subclass of gensim's ``FastText``."""
from __future__ import annotations

import logging

import numpy as np
from gensim import utils
from gensim.models import fasttext as gensim_fasttext
from gensim.models.word2vec import MAX_WORDS_IN_BATCH, Word2Vec

from .keyedvectors import FastTextKeyedVectors

logger = logging.getLogger(__name__)

REAL = np.float32
LOSS_NAMES = ("ns", "hs", "softmax", "ova")


class FastText(gensim_fasttext.FastText):
    """fastText model with gensim's API; a subclass of :class:`gensim.models.fasttext.FastText`.

    Takes exactly gensim's arguments. Beyond gensim's attributes it carries what fastText
    models have and gensim's class cannot express, so that a model loaded from a ``.bin`` saves
    back unchanged:

    Attributes
    ----------
    loss : {'ns', 'hs', 'softmax', 'ova'}
        The output layer. ``hs`` models train with hierarchical softmax only (``negative=0``).
    supervised : bool
        True for fastText classifiers; then ``labels`` and ``label_counts`` hold the labels.
    syn1out : numpy.ndarray or None
        Output matrix of softmax/ova models (``syn1`` and ``syn1neg`` hold it for hs/ns).
    fb_args : FacebookArgs or None
        The arguments read from a ``.bin`` (kept for fields gensim has no attribute for).
    fb_version : int or None
        The file format version the model was read from (None: pre-v11, no signature).
    """

    def __init__(self, sentences=None, corpus_file=None, sg=0, hs=0, vector_size=100, alpha=0.025,
                 window=5, min_count=5,
                 max_vocab_size=None, word_ngrams=1, sample=1e-3, seed=1, workers=3, min_alpha=0.0001,
                 negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5, null_word=0, min_n=3, max_n=6,
                 sorted_vocab=1, bucket=2000000, trim_rule=None, batch_words=MAX_WORDS_IN_BATCH, callbacks=(),
                 max_final_vocab=None, shrink_windows=True):
        self.load = utils.call_on_class_only
        self.load_fasttext_format = utils.call_on_class_only
        self.callbacks = callbacks
        if word_ngrams != 1:
            raise NotImplementedError("word_ngrams != 1 is only meaningful for supervised models")
        self.word_ngrams = word_ngrams
        if max_n < min_n:
            bucket = 0  # as gensim: no n-gram lengths qualify, so no buckets are allocated
        self.loss = "hs" if hs and not negative else "ns"
        self.supervised = False
        self.labels = None
        self.label_counts = None
        self.syn1out = None
        self.fb_args = None
        self.fb_version = 12
        self.wv = FastTextKeyedVectors(vector_size, min_n, max_n, bucket)
        self.wv.vectors_vocab_lockf = np.ones(1, dtype=REAL)
        self.wv.vectors_ngrams_lockf = np.ones(1, dtype=REAL)
        Word2Vec.__init__(
            self, sentences=sentences, corpus_file=corpus_file, workers=workers, vector_size=vector_size,
            epochs=epochs, callbacks=callbacks, batch_words=batch_words, trim_rule=trim_rule, sg=sg, alpha=alpha,
            window=window, max_vocab_size=max_vocab_size, max_final_vocab=max_final_vocab,
            min_count=min_count, sample=sample, sorted_vocab=sorted_vocab, null_word=null_word,
            ns_exponent=ns_exponent, hashfxn=hashfxn, seed=seed, hs=hs, negative=negative, cbow_mean=cbow_mean,
            min_alpha=min_alpha, shrink_windows=shrink_windows)

    @property
    def output_matrix(self) -> np.ndarray | None:
        """The output (hidden -> output) matrix whichever loss the model uses."""
        if self.loss == "hs":
            return getattr(self, "syn1", None)
        if self.loss == "ns":
            return getattr(self, "syn1neg", None)
        return self.syn1out

    @classmethod
    def load(cls, *args, **kwargs) -> FastText:
        """Load a model saved with ``save``; models saved by gensim's ``FastText`` are adopted."""
        model = super().load(*args, **kwargs)
        if not isinstance(model, cls) and isinstance(model, gensim_fasttext.FastText):
            model.__class__ = cls
            model._set_defaults()
            FastTextKeyedVectors.adopt(model.wv)
        return model

    def _load_specials(self, *args, **kwargs):
        super()._load_specials(*args, **kwargs)
        self._set_defaults()

    def _set_defaults(self) -> None:
        defaults = {"loss": "hs" if self.hs and not self.negative else "ns", "supervised": False,
                    "labels": None, "label_counts": None, "syn1out": None, "fb_args": None,
                    "fb_version": 12}
        for name, value in defaults.items():
            if not hasattr(self, name):
                setattr(self, name, value)
