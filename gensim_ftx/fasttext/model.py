"""The model object of Facebook's ``fasttext`` Python package, on gensim_ftx.

:class:`_FastText` has the methods, arguments, return types and errors of ``fasttext`` 0.9.3's
model, works on numpy 1 and 2, and predicts in bulk without the GIL. A loaded model is a file
record and a gensim-free :class:`~gensim_ftx.text.vectors.SubwordVectors`, scored by a
:class:`gensim_ftx.predict.Predictor` (from the codes, for a quantised model); the
:class:`gensim_ftx.FastText` behind it (``model.gensim_model``) is built, and gensim imported,
only for what needs it: saving, quantising, replacing matrices.
"""
from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Sequence
from numbers import Integral

import numpy as np

from ..io.fbbin import LOSSES, FacebookArgs
from ..io.loading import read_file, set_input_rows
from ..io.quant import QuantizedMatrix
from ..io.source import is_plain_local
from ..predict import Predictor
from ..predict.query import Neighbours, analogy_query, sentence_vectors
from ..text._corpus import SEPARATORS
from .core import ARG_NAMES, _Core, _file_args

EOS = "</s>"
BOW = "<"
EOW = ">"
# fastText's separators (its readWord), as the Cython readers use them
_SEPARATORS = re.escape(SEPARATORS.decode("ascii"))
_SPLIT = re.compile(f"[{_SEPARATORS}]+")
_TOKENS = re.compile(f"[^{_SEPARATORS}]+|\n")
_UNICODE_ERRORS = ("strict", "replace", "ignore", "backslashreplace", "surrogateescape")


def _check_line(entry, what: str = "predict") -> str:
    if not isinstance(entry, str):
        raise TypeError(f"{what} takes str (or a list of str), got {type(entry).__name__}")
    if "\n" in entry:
        raise ValueError(f"{what} processes one line at a time (remove '\\n')")
    return entry


def _check_k(k) -> int:
    """``k`` (labels or neighbours asked for) as an int; fastText's own range checks follow."""
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise TypeError(f"k must be an integer, got {k!r}")
    return int(k)


def _check_unicode_errors(on_unicode_error: str) -> None:
    if on_unicode_error not in _UNICODE_ERRORS:
        raise ValueError(f"on_unicode_error must be one of {_UNICODE_ERRORS}, got {on_unicode_error!r}")


def _decoded(keys: list, raw: dict | None, on_unicode_error: str) -> list:
    """Dictionary entries as fastText hands them to Python: entries whose bytes are not UTF-8
    are decoded with ``on_unicode_error`` ('strict' raises ``UnicodeDecodeError``, as fastText)."""
    _check_unicode_errors(on_unicode_error)
    if not raw:
        return keys
    for i, key in enumerate(keys):
        if key in raw:
            keys[i] = raw[key].decode("utf-8", errors=on_unicode_error)
    return keys


class _FastText:
    """A fastText model as Facebook's ``fasttext`` package presents it.

    Returned by :func:`gensim_ftx.fasttext.load_model` and the training functions; not meant
    to be built directly (``_FastText(model_path=...)`` works, as in fastText).

    Parameters
    ----------
    model_path : str, optional
        A ``.bin``/``.ftz`` file; local uncompressed files are memory-mapped (read-only), so
        processes that load the same model share one copy of it.
    args : object or dict, optional
        Training arguments to expose as attributes (``model.dim``, ``model.loss``, ...).
    model : gensim_ftx.FastText, keyword-only
        Wrap a model trained or loaded with gensim_ftx.
    """

    def __init__(self, model_path: str | None = None, args=None, *, model=None):
        self._model = model
        self._file = None
        self._wv = model.wv if model is not None else None
        self._predictor: Predictor | None = None
        self._neighbours: Neighbours | None = None
        self._words = None
        self._labels = None
        self._path = None
        if model_path is not None:
            self._load(os.fspath(model_path))
        elif model is None:
            raise ValueError("_FastText needs a model_path or a model")
        self.set_args(args if args is not None else _file_args(self._args))

    def _load(self, path: str) -> None:
        if "://" not in path and not os.path.isfile(path):
            raise ValueError(f"{path} cannot be opened for loading!")
        mmap = "r" if is_plain_local(path) else None
        self._file, self._wv = read_file(path, "utf-8", full_model=True, mmap=mmap, dense=False)
        self._path = path

    # -- the pieces ----------------------------------------------------------------------------

    @property
    def f(self) -> _Core:
        """fastText's internal object, for code that calls it (``model.f.getArgs()``); see :class:`_Core`."""
        return _Core(self)

    @property
    def gensim_model(self):
        """The :class:`gensim_ftx.FastText` behind this object (a quantised file is dequantised
        the first time it is asked for)."""
        if self._model is None:
            from .. import facebook
            from ..keyedvectors import FastTextKeyedVectors

            self._wv = FastTextKeyedVectors.from_table(self._dense_words())
            self._model = facebook.model_from_file(self._file, self._wv, self._path)
        return self._model

    def _dense_words(self):
        """The vocabulary with its input rows (a quantised file's are decoded the first time)."""
        if self._wv.vectors_vocab is None:
            set_input_rows(self._wv, self._file)
        return self._wv

    @property
    def _args(self) -> FacebookArgs:
        if self._file is not None:
            return self._file.args
        return self._model.fb_args

    @property
    def _quantized_input(self) -> bool:
        return self._file is not None and isinstance(self._file.input, QuantizedMatrix)

    @property
    def _supervised(self) -> bool:
        return self._args.supervised

    @property
    def _label_list(self) -> list:
        if self._file is not None:
            return list(self._file.words[self._file.nwords:])
        return list(getattr(self._model, "labels", None) or ())

    @property
    def _label_counts(self) -> np.ndarray:
        if self._file is not None:
            return np.asarray(self._file.counts[self._file.nwords:], dtype=np.int64)
        return np.asarray(getattr(self._model, "label_counts", None) if self._label_list else [], dtype=np.int64)

    @property
    def predictor(self) -> Predictor:
        """The :class:`gensim_ftx.predict.Predictor` that answers ``predict``, ``test`` and vectors."""
        if self._predictor is None:
            if self._file is not None and (self._model is None or self._quantized_input):
                f = self._file
                wv, input_codes = self._wv, f.input if self._quantized_input else None
                output = f.output if isinstance(f.output, QuantizedMatrix) else f.dense_output()
            else:
                from ..model import output_matrix

                model = self._model
                quantized = getattr(model, "_quantized", None) or {}
                wv, input_codes = model.wv, quantized.get("input")
                output = quantized.get("output")
                if output is None:
                    output = output_matrix(model)
            labels = self._label_list if self._supervised else []
            self._predictor = Predictor.from_parts(wv, labels, self._label_counts if labels else [], self._args,
                                                   LOSSES[self._args.loss], input_codes, output)
        return self._predictor

    def set_args(self, args=None) -> None:
        """Expose training arguments as attributes (``dim``, ``epoch``, ``loss``...)."""
        if not args:
            return
        for name in ARG_NAMES:
            value = args.get(name) if isinstance(args, dict) else getattr(args, name, None)
            if value is not None:
                setattr(self, name, value)

    def _more_args(self) -> dict:
        """Arguments a derived face's ``f.getArgs()`` adds (floret's mode and hash count)."""
        return {}

    # -- words and vectors --------------------------------------------------------------------

    def is_quantized(self) -> bool:
        """Whether the input matrix is product-quantised (a ``.ftz`` model)."""
        if self._file is not None and self._quantized_input:
            return True
        return bool(getattr(self._model, "_quantized", None) and self._model._quantized.get("input") is not None)

    def get_dimension(self) -> int:
        """Dimension of the vectors (the hidden layer)."""
        return int(self._args.dim)

    def get_word_vector(self, word: str) -> np.ndarray:
        """A word's vector: the mean of its subword rows (n-grams only for an unknown word)."""
        return self.predictor.word_vectors([word])[0]

    def get_sentence_vector(self, text: str) -> np.ndarray:
        """One vector for a line: for a classifier the mean of its input rows (``</s>`` included),
        otherwise the mean of its words' unit vectors."""
        _check_line(text, "predict")
        if self._supervised:
            return self.predictor.line_vectors([text])[0]
        words = [token.encode("utf-8") for token in _SPLIT.split(text) if token]
        return sentence_vectors(self.predictor.word_vectors, [b" ".join(words)], self.get_dimension())[0]

    def _neighbour_index(self) -> Neighbours:
        if self._neighbours is None:
            self._neighbours = Neighbours(self._dense_words())
        return self._neighbours

    def _banned(self, words: Sequence[str]) -> list[int]:
        index = self._wv.key_to_index
        return [index[w] for w in words if w in index]

    def get_nearest_neighbors(self, word: str, k: int = 10, on_unicode_error: str = "strict") -> list:
        """The ``k`` words closest to ``word`` by cosine, as ``(similarity, word)`` pairs, best first."""
        _check_unicode_errors(on_unicode_error)
        k = _check_k(k)
        found = self._neighbour_index().query(self.get_word_vector(word), k, self._banned([word]))
        return [(score, w) for w, score in found]

    def get_analogies(self, wordA: str, wordB: str, wordC: str, k: int = 10,  # noqa: N803 - fastText's names
                      on_unicode_error: str = "strict") -> list:
        """Words closest to ``A - B + C`` (unit vectors), as ``(similarity, word)`` pairs."""
        _check_unicode_errors(on_unicode_error)
        k = _check_k(k)
        query = analogy_query(self.predictor.word_vectors([wordA, wordB, wordC]))
        found = self._neighbour_index().query(query, k, self._banned([wordA, wordB, wordC]))
        return [(score, w) for w, score in found]

    def _entry_id(self, token: str) -> int:
        wid = self._wv.key_to_index.get(token, -1)
        if wid >= 0:
            return wid
        try:
            return len(self._wv.index_to_key) + self._label_list.index(token)
        except ValueError:
            return -1

    def get_word_id(self, word: str) -> int:
        """The dictionary id of ``word`` (labels come after the words), -1 if absent."""
        return self._entry_id(word)

    def get_label_id(self, label: str) -> int:
        """The index of ``label`` among the labels; -1 if absent (a word gives its id minus nwords)."""
        entry = self._entry_id(label)
        return entry - len(self._wv.index_to_key) if entry != -1 else -1

    def get_subword_id(self, subword: str) -> int:
        """The input-matrix row the string ``subword`` hashes to (no pruning applied)."""
        from ..text._subwords import ft_hash

        if not int(self._args.bucket):
            raise ValueError("the model has no n-gram buckets (bucket 0): no subword has a row")
        return len(self._wv.index_to_key) + ft_hash(subword.encode("utf-8")) % int(self._args.bucket)

    def get_subwords(self, word: str, on_unicode_error: str = "strict") -> tuple[list, np.ndarray]:
        """A word's subwords (the word itself when known, then its n-grams) and their rows."""
        _check_unicode_errors(on_unicode_error)
        names, ids = self._wv.get_subwords(word)
        return list(names), np.asarray(ids, dtype=np.int64)

    def get_input_vector(self, ind: int) -> np.ndarray:
        """Row ``ind`` of the input matrix (decoded from its codes for a quantised model)."""
        rows = self._file.input.m if self._quantized_input else \
            len(self._wv.index_to_key) + len(self._wv.vectors_ngrams)
        if isinstance(ind, bool) or not isinstance(ind, Integral) or not 0 <= ind < rows:
            raise IndexError(f"ind must be an input row in [0, {rows}), got {ind!r}")
        if self._quantized_input:
            matrix = self._file.input
            row = matrix.pq.decode(matrix.codes.reshape(matrix.m, matrix.pq.nsubq)[ind:ind + 1])[0]
            if matrix.qnorm:
                row *= matrix.npq.centroids[int(matrix.norm_codes[ind])]
            return row
        nwords = len(self._wv.index_to_key)
        wv = self._wv
        return np.array(wv.vectors_vocab[ind] if ind < nwords else wv.vectors_ngrams[ind - nwords], dtype=np.float32)

    def get_input_matrix(self) -> np.ndarray:
        """A copy of the whole input matrix (words, then n-gram buckets)."""
        if self.is_quantized():
            raise ValueError("Can't get quantized Matrix")
        wv = self._dense_words()
        return np.concatenate([wv.vectors_vocab, wv.vectors_ngrams]).astype(np.float32, copy=False)

    def get_output_matrix(self) -> np.ndarray:
        """A copy of the output matrix."""
        if self.is_quantized():
            raise ValueError("Can't get quantized Matrix")
        if self._file is not None:
            return np.array(self._file.dense_output(), dtype=np.float32)
        from ..model import output_matrix

        return np.array(output_matrix(self._model), dtype=np.float32)

    def get_words(self, include_freq: bool = False, on_unicode_error: str = "strict"):
        """The dictionary's words (no labels), with their counts as an array if ``include_freq``."""
        words = _decoded(list(self._wv.index_to_key), self._wv.raw_keys, on_unicode_error)
        if include_freq:
            return words, np.asarray(self._wv.expandos["count"], dtype=np.int64)
        return words

    def get_labels(self, include_freq: bool = False, on_unicode_error: str = "strict"):
        """The labels of a classifier; for an unsupervised model, its words."""
        if not self._supervised:
            return self.get_words(include_freq, on_unicode_error)
        raw = {label: self._file.raw_words[self._file.nwords + i] for i, label in enumerate(self._label_list)
               if self._file.nwords + i in self._file.raw_words} if self._file is not None else {}
        labels = _decoded(self._label_list, raw, on_unicode_error)
        if include_freq:
            return labels, self._label_counts
        return labels

    def _split_line(self, text: str) -> tuple[list, list]:
        words, labels = [], []
        index, known_labels = self._wv.key_to_index, set(self._label_list)
        for token in [t for t in _SPLIT.split(text) if t] + [EOS]:
            if token in index:
                words.append(token)
            elif token in known_labels:
                labels.append(token)
            elif not token.startswith(getattr(self, "label", "__label__")):
                words.append(token)
        return words, labels

    def get_line(self, text, on_unicode_error: str = "strict"):
        """Split a line (or each line of a list) into its words (``</s>`` last) and known labels."""
        _check_unicode_errors(on_unicode_error)
        if isinstance(text, list):
            pairs = [self._split_line(_check_line(entry, "get_line")) for entry in text]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        return self._split_line(_check_line(text, "get_line"))

    # -- prediction ------------------------------------------------------------------------------

    def predict(self, text, k: int = 1, threshold: float = 0.0, on_unicode_error: str = "strict", *,
                threads: int | None = None, as_arrays: bool = False):
        """The ``k`` most likely labels of a line of text and their probabilities.

        Parameters
        ----------
        text : str or list of str
            One line (no ``\\n``), or a list of lines.
        k : int
            Labels per line; -1 for all of them.
        threshold : float
            Leave out labels whose probability is below it.
        on_unicode_error : str
            Accepted for compatibility (labels are already decoded).
        threads : int, keyword-only
            Score a list on this many threads (default 1; each releases the GIL).
        as_arrays : bool, keyword-only
            Return ``(label_ids, probs)`` as ``(n, k)`` int32 / float32 arrays instead of Python
            lists (ids index ``model.labels``; -1 and 0.0 pad lines with fewer than ``k`` labels).

        Returns
        -------
        labels : tuple of str, or list of lists of str
            The labels found, best first (a list of them per line for a list of lines).
        probs : numpy.ndarray, or list of numpy.ndarray
            Their probabilities (float32 arrays for a list of lines).

        Raises
        ------
        ValueError
            If a line contains ``\\n``, if ``k`` is 0 or below -1, or if the model is not a classifier.
        """
        if type(k) is not int or on_unicode_error != "strict":  # the common call skips the checks
            if on_unicode_error not in _UNICODE_ERRORS:
                _check_unicode_errors(on_unicode_error)
            k = _check_k(k)
        if not self._supervised:
            raise ValueError("Model needs to be supervised for prediction!")
        predictor = self._predictor or self.predictor
        if not as_arrays:  # the calls of pipelines, answered in Cython (None: a text the path below names)
            fast = predictor.scorer.predict_text(text, k, threshold) if type(text) is str else \
                predictor.predict_texts(text, k, threshold, threads=threads) if type(text) is list else None
            if fast is not None:
                return fast
        single = not isinstance(text, list | tuple)
        lines = [_check_line(text)] if single else [_check_line(entry) for entry in text]
        ids, probs, counts = predictor.predict(lines, k, threshold, threads=threads)
        if as_arrays:
            return ids, probs
        names = predictor.labels
        labels = [[names[j] for j in row[:count]] for row, count in zip(ids.tolist(), counts.tolist())]
        return labels, [row[:count].copy() for row, count in zip(probs, counts)]

    def test(self, path: str, k: int = 1, threshold: float = 0.0) -> tuple[int, float, float]:
        """``(examples, precision@k, recall@k)`` on a labelled file (``(0, nan, nan)`` for a
        model without labels, as fastText: no line has a label it knows)."""
        if not self._supervised:
            self._no_labels_to_test(path, k)
            return 0, float("nan"), float("nan")
        meter = self.predictor.test_file(path, _check_k(k), threshold)
        return meter.nexamples, meter.precision(), meter.recall()

    def test_label(self, path: str, k: int = 1, threshold: float = 0.0) -> dict:
        """Precision, recall and F1 of each label on a labelled file: ``{label: {'precision': ...}}``."""
        if not self._supervised:
            self._no_labels_to_test(path, k)
            return {}
        meter = self.predictor.test_file(path, _check_k(k), threshold)
        return {label: {"precision": meter.precision(i), "recall": meter.recall(i), "f1score": meter.f1score(i)}
                for i, label in enumerate(self.predictor.labels)}

    @staticmethod
    def _no_labels_to_test(path: str, k) -> None:
        """What fastText checks when a model without labels is tested: the file and ``k``."""
        if not os.path.isfile(path):
            raise ValueError("Test file cannot be opened!")
        _check_k(k)

    def get_meter(self, path: str, k: int = -1):
        """A meter of the predictions on a labelled file: ``score_vs_true``, ``precision_recall_curve``,
        ``precision_at_recall``, ``recall_at_precision`` (per label or over all)."""
        from ..predict.meter import _Meter

        return _Meter.from_file(self, path, _check_k(k))

    # -- compression -----------------------------------------------------------------------------

    def quantize(self, input: str | None = None, qout: bool = False, cutoff: int = 0, retrain: bool = False,
                 epoch: int | None = None, lr: float | None = None, thread: int | None = None,
                 verbose: int | None = None, dsub: int = 2, qnorm: bool = False) -> None:
        """Compress the classifier as fastText's ``quantize``: keep the ``cutoff`` input rows of
        largest norm (0: all), retrain on ``input`` if ``retrain``, and product-quantise the input
        matrix (``dsub`` columns a code, norms apart if ``qnorm``) and the output if ``qout``.
        ``save_model('model.ftz')`` then writes fastText's compressed file."""
        from ..quantize import quantize_model
        from ..train.progress import ProgressPrinter

        if retrain and not input:
            raise ValueError("Need input file path if retraining")
        model = self.gensim_model
        verbose = int(verbose if verbose is not None else getattr(self, "verbose", 2))
        printer = ProgressPrinter(sys.stderr, verbose) if retrain and verbose >= 2 else None
        # the file, the scorer and the neighbour index hold the matrices quantize replaces: let
        # them go now rather than keep both through retraining
        self._file = None
        self._predictor = self._neighbours = None
        quantize_model(model, input=input, qout=qout, cutoff=cutoff, retrain=retrain,
                       epoch=epoch or getattr(self, "epoch", None), lr=lr or getattr(self, "lr", None),
                       thread=thread or getattr(self, "thread", 1), dsub=dsub, qnorm=qnorm, progress=printer)
        self._wv = model.wv
        self._words = None

    # -- saving and replacing ------------------------------------------------------------------

    def save_model(self, path: str) -> None:
        """Write the model as fastText's ``.bin`` (or ``.ftz`` when quantised).

        Raises
        ------
        ValueError
            fastText's "<path> cannot be opened for saving!" when the file cannot be written
            (the ``OSError`` behind it is the exception's ``__cause__``); a file already there is
            left as it was.
        """
        from ..facebook import save_facebook_model

        path = os.fspath(path)
        try:
            save_facebook_model(self.gensim_model, path)
        except OSError as err:
            reason = os.strerror(err.errno) if err.errno else str(err)
            raise ValueError(f"{path} cannot be opened for saving! ({reason})") from err

    def set_matrices(self, input_matrix: np.ndarray, output_matrix: np.ndarray) -> None:
        """Replace the input and output matrices (the model is no longer quantised)."""
        from ..model import output_matrix as model_output
        from ..model import set_output_matrix

        model = self.gensim_model
        input_matrix = np.array(input_matrix, dtype=np.float32)
        output_matrix = np.array(output_matrix, dtype=np.float32)
        nwords = len(model.wv.index_to_key)
        if input_matrix.ndim != 2 or output_matrix.ndim != 2 or input_matrix.shape[1] != output_matrix.shape[1]:
            raise ValueError(f"matrices must be 2-D with equal widths, got {input_matrix.shape} and "
                             f"{output_matrix.shape}")
        # the dictionary and n-gram hashing stay: rows must match them one for one
        ngram_rows = len(model.wv.vectors_ngrams)
        if input_matrix.shape[0] != nwords + ngram_rows:
            raise ValueError(f"input matrix has {input_matrix.shape[0]} rows; the model's {nwords} words and "
                             f"{ngram_rows} n-gram buckets need {nwords + ngram_rows}")
        output_rows = len(model_output(model))
        if output_matrix.shape[0] != output_rows:
            raise ValueError(f"output matrix has {output_matrix.shape[0]} rows; the model has {output_rows} "
                             f"({'labels' if self._supervised else 'words'})")
        model.wv.vectors_vocab = input_matrix[:nwords]
        model.wv.vectors_ngrams = input_matrix[nwords:]
        dim = input_matrix.shape[1]
        model.wv.vector_size = model.vector_size = model.layer1_size = dim
        model.fb_args = dataclasses.replace(model.fb_args, dim=dim)
        if hasattr(self, "dim"):
            self.dim = dim
        model.wv.adjust_vectors()
        set_output_matrix(model, output_matrix)
        model._quantized = None
        self._file = None
        self._predictor = self._neighbours = None

    # -- fastText's conveniences -------------------------------------------------------------

    @property
    def words(self) -> list:
        if self._words is None:
            self._words = self.get_words()
        return self._words

    @property
    def labels(self) -> list:
        if self._labels is None:
            self._labels = self.get_labels()
        return self._labels

    def __getitem__(self, word: str) -> np.ndarray:
        return self.get_word_vector(word)

    def __contains__(self, word: str) -> bool:
        return word in self._wv.key_to_index


def tokenize(text: str) -> list[str]:
    """Split ``text`` as fastText's reader does: on whitespace, each newline a ``</s>`` token."""
    return [EOS if token == "\n" else token for token in _TOKENS.findall(text)]


def load_model(path: str) -> _FastText:
    """Load a fastText ``.bin`` or ``.ftz`` model."""
    return _FastText(model_path=path)
