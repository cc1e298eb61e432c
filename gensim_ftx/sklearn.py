"""A scikit-learn classifier on gensim_ftx's fastText engine (``pip install gensim_ftx[sklearn]``).

:class:`FastTextClassifier` takes raw texts (one example a string) and labels, so it drops into
``Pipeline``, ``cross_val_score`` and ``GridSearchCV``::

    from sklearn.model_selection import GridSearchCV
    from gensim_ftx.sklearn import FastTextClassifier

    search = GridSearchCV(FastTextClassifier(epoch=25), {"wordNgrams": [1, 2], "lr": [0.1, 0.5]}, cv=3)
    search.fit(texts, labels)
    search.predict(["how long do I boil an egg"])

``y`` may be labels (any values; ``classes_`` keeps them sorted) or a multi-label indicator
matrix, trained one-vs-all by default and predicted with a 0.5 threshold.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from .args import default_threads

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import check_is_fitted
except ImportError as err:  # pragma: no cover - the optional extra is missing
    raise ImportError("gensim_ftx.sklearn needs scikit-learn: pip install 'gensim_ftx[sklearn]'") from err

_PREFIX = "__label__"


def _texts(X) -> list[str]:
    """One line of text per example (fastText reads lines: newlines inside a text become spaces)."""
    if isinstance(X, str):
        raise ValueError("X must be a sequence of texts, not one string")
    array = np.asarray(X, dtype=object)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"X must be a 1-D sequence of texts, got shape {array.shape}")
    out = []
    for i, text in enumerate(array.tolist()):
        if not isinstance(text, str):
            raise ValueError(f"X[{i}] is {type(text).__name__}, expected str")
        out.append(" ".join(text.split()))
    return out


class FastTextClassifier(ClassifierMixin, BaseEstimator):
    """fastText text classification with scikit-learn's interface.

    Parameters are ``fasttext.train_supervised``'s, with its defaults except ``verbose`` (0) and
    ``loss`` (None: 'softmax', or 'ova' for multi-label targets).

    Attributes
    ----------
    classes_ : ndarray
        The labels seen by ``fit`` (the columns of an indicator ``y``: 0..n-1).
    model_ : gensim_ftx.fasttext._FastText
        The trained model (``model_.save_model('x.bin')`` writes a file ``fasttext`` reads).
    """

    def __init__(self, lr: float = 0.1, dim: int = 100, ws: int = 5, epoch: int = 5, minCount: int = 1,  # noqa: N803
                 minCountLabel: int = 0, minn: int = 0, maxn: int = 0, neg: int = 5, wordNgrams: int = 1,  # noqa: N803
                 loss: str | None = None, bucket: int = 2000000, thread: int | None = None,
                 lrUpdateRate: int = 100, t: float = 1e-4, seed: int = 0, verbose: int = 0):  # noqa: N803
        self.lr = lr
        self.dim = dim
        self.ws = ws
        self.epoch = epoch
        self.minCount = minCount
        self.minCountLabel = minCountLabel
        self.minn = minn
        self.maxn = maxn
        self.neg = neg
        self.wordNgrams = wordNgrams
        self.loss = loss
        self.bucket = bucket
        self.thread = thread
        self.lrUpdateRate = lrUpdateRate
        self.t = t
        self.seed = seed
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X, y) -> FastTextClassifier:
        """Train on texts ``X`` with labels (or a multi-label indicator) ``y``."""
        from .fasttext import train_supervised

        texts = _texts(X)
        if not texts:
            raise ValueError("X is empty: fit needs at least one text")
        y = np.asarray(y)
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        self.multilabel_ = y.ndim == 2 and type_of_target(y) == "multilabel-indicator"
        if self.multilabel_:
            self.classes_ = np.arange(y.shape[1])
            tags = [" ".join(f"{_PREFIX}{j}" for j in np.flatnonzero(row)) for row in y]
        else:
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D labels or a multi-label indicator matrix, got shape {y.shape}")
            self.classes_, index = np.unique(y, return_inverse=True)
            tags = [f"{_PREFIX}{j}" for j in index]
        loss = self.loss or ("ova" if self.multilabel_ else "softmax")
        # a refit replaces the model: drop the old one first rather than hold both while training
        self.__dict__.pop("model_", None)
        self.__dict__.pop("_columns", None)
        fd, path = tempfile.mkstemp(prefix="gensim_ftx-fit-", suffix=".txt")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for tag, text in zip(tags, texts):
                    out.write(f"{tag} {text}\n")
            self.model_ = train_supervised(
                path, lr=self.lr, dim=self.dim, ws=self.ws, epoch=self.epoch, minCount=self.minCount,
                minCountLabel=self.minCountLabel, minn=self.minn, maxn=self.maxn, neg=self.neg,
                wordNgrams=self.wordNgrams, loss=loss, bucket=self.bucket,
                thread=self.thread or default_threads(), lrUpdateRate=self.lrUpdateRate, t=self.t,
                seed=self.seed, verbose=self.verbose)
        finally:
            os.unlink(path)
        self._columns = np.array([int(label[len(_PREFIX):]) for label in self.model_.labels], dtype=np.int64)
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probability of every class for each text, as fastText computes it (columns: ``classes_``)."""
        check_is_fitted(self, "model_")
        texts = _texts(X)
        ids, probs = self.model_.predict(texts, k=-1, as_arrays=True, threads=self.thread)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        rows, cols = np.nonzero(ids >= 0)
        out[rows, self._columns[ids[rows, cols]]] = probs[rows, cols]
        return out

    def predict(self, X) -> np.ndarray:
        """The most probable class of each text (multi-label: every class above 0.5, as an indicator)."""
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= 0.5).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]
