"""The gensim_ftx model: a drop-in subclass of gensim's ``FastText``."""
from __future__ import annotations

import errno
import logging
import os
from timeit import default_timer

import numpy as np
from gensim import utils
from gensim.models import fasttext as gensim_fasttext
from gensim.models.word2vec import MAX_WORDS_IN_BATCH, Word2Vec

from .args import check_floret, check_gensim_args, check_value
from .keyedvectors import FastTextKeyedVectors
from .text._counts import count_words
from .text.vocab import split_dictionary
from .train import trainer
from .train._engine import encode_sentences
from .train.supervised import train_epochs
from .train.tables import SEMANTICS

logger = logging.getLogger(__name__)

REAL = np.float32
LOSS_NAMES = ("ns", "hs", "softmax", "ova")


class FastText(gensim_fasttext.FastText):
    """fastText model with gensim's API; a subclass of :class:`gensim.models.fasttext.FastText`.

    Takes exactly gensim's arguments, with gensim's defaults and meanings, and trains with
    gensim_ftx's Cython kernels inside gensim's own training loop (callbacks, logging,
    ``build_vocab(update=True)``, ``save``/``load`` keep working). Where gensim's kernels were
    wrong, these follow fastText: the skip-gram hidden vector is the mean of the 1 + n subword
    rows, the sigmoid is clamped (not skipped) outside [-8, 8], ``</s>`` has no n-grams,
    ``compute_loss=True`` reports a real loss, and the learning rate falls with a word counter
    shared by all threads (also with ``corpus_file``).

    Beyond gensim's attributes the model carries what fastText models have and gensim's class
    cannot express, so that a model loaded from a ``.bin`` saves back unchanged (see Attributes).

    Parameters
    ----------
    semantics : {'gensim', 'fasttext'}, keyword-only
        ``'fasttext'`` trains as Facebook's fastText does (see :mod:`gensim_ftx.train.tables`): ``</s>``
        tokens at newlines, fastText's subsampling, negatives drawn from count^0.5 and redrawn,
        lines of at most 1025 words, unscaled CBOW gradient. :func:`gensim_ftx.train_unsupervised`
        also sets fastText's defaults.
    loss : {'ns', 'hs', 'softmax'}, keyword-only
        ``'softmax'`` trains a full softmax output layer (not in gensim); otherwise gensim's
        ``hs``/``negative`` decide.
    floret_hash_count : int, keyword-only
        0 (default) trains fastText vectors. 1 to 4 trains floret vectors (Explosion's floret,
        ``-mode floret -hashCount N``): each word and each of its character n-grams is hashed
        with MurmurHash3 into ``floret_hash_count`` rows of the ``bucket`` table, and words have no
        row of their own (``</s>`` apart), so that the whole model is the ``bucket`` rows. Such a
        model saves as a floret ``.bin`` and exports the ``.floret`` table spaCy imports
        (:func:`gensim_ftx.save_floret_vectors`).
    position_weights : bool, keyword-only
        CBOW only: learn a weight vector ``d_p`` per window offset ``p`` and weight the context
        rows of the word at ``p`` by it, elementwise (position-dependent weighting, Mikolov et al.
        2018, §2.2; the CBOW Meta trained ``cc.XX.300`` with). The weights start at 1 (plain CBOW)
        and are ``model.position_weights``, a ``(2 * window, vector_size)`` array, rows for the
        offsets ``-window .. -1, 1 .. window``; they are kept by ``save``/``load`` and by further
        training. Word and subword vectors stay an ordinary fastText model.
    position_dims : int, keyword-only
        With ``position_weights``: train only the first ``position_dims`` dimensions of each
        weight vector (the rest stay 1), the constrained form measured in gensim PR #2905.

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
                 max_final_vocab=None, shrink_windows=True, *, semantics: str = "gensim", loss: str | None = None,
                 floret_hash_count: int = 0, position_weights: bool = False, position_dims: int | None = None):
        if semantics not in SEMANTICS:
            raise ValueError(f"semantics must be one of {sorted(SEMANTICS)}, got {semantics!r}")
        if loss not in (None, "ns", "hs", "softmax"):
            raise ValueError(f"loss must be 'ns', 'hs' or 'softmax', got {loss!r}")
        # settings that cannot train are refused before any allocation
        check_gensim_args(alpha=alpha, min_alpha=min_alpha, negative=negative, workers=workers, sample=sample,
                          epochs=epochs, vector_size=vector_size, window=window, min_n=min_n, max_n=max_n,
                          bucket=bucket)
        self.semantics = semantics
        self.fasttext_ntokens = None
        self._run = None
        self.load = utils.call_on_class_only
        self.load_fasttext_format = utils.call_on_class_only
        self.callbacks = callbacks
        if word_ngrams != 1:
            raise NotImplementedError("word_ngrams != 1 is only meaningful for supervised models")
        self.word_ngrams = word_ngrams
        check_floret(floret_hash_count, bucket)
        if position_weights and sg:
            raise ValueError("position_weights weight CBOW's context: set sg=0 (skip-gram has no such weights)")
        if position_dims is not None:
            check_value("position_dims", position_dims, (True, 1, vector_size))
        self.position_weights = np.ones((2 * window, vector_size), dtype=REAL) if position_weights else None
        self.position_dims = position_dims
        if max_n < min_n and not floret_hash_count:
            bucket = 0  # as gensim: no n-gram lengths qualify, so no buckets are allocated
        self.loss = loss or ("hs" if hs and not negative else "ns")
        self.supervised = False
        self.labels = None
        self.label_counts = None
        self.syn1out = None
        self.fb_args = None
        self.fb_version = 12
        self.wv = FastTextKeyedVectors(vector_size, min_n, max_n, bucket)
        self.wv.floret_hash_count = int(floret_hash_count)
        self.wv.vectors_vocab_lockf = np.ones(1, dtype=REAL)
        self.wv.vectors_ngrams_lockf = np.ones(1, dtype=REAL)
        Word2Vec.__init__(
            self, sentences=sentences, corpus_file=corpus_file, workers=workers, vector_size=vector_size,
            epochs=epochs, callbacks=callbacks, batch_words=batch_words, trim_rule=trim_rule, sg=sg, alpha=alpha,
            window=window, max_vocab_size=max_vocab_size, max_final_vocab=max_final_vocab,
            min_count=min_count, sample=sample, sorted_vocab=sorted_vocab, null_word=null_word,
            ns_exponent=ns_exponent, hashfxn=hashfxn, seed=seed, hs=hs, negative=negative, cbow_mean=cbow_mean,
            min_alpha=min_alpha, shrink_windows=shrink_windows)

    # -- vocabulary -------------------------------------------------------------------------------

    def scan_vocab(self, corpus_iterable=None, corpus_file=None, progress_per=10000, workers=None, trim_rule=None,
                   *, on_reading=None):
        """Count words; a ``corpus_file`` is counted in Cython with fastText's tokenisation (and
        ``on_reading(ntokens)``, keyword-only, is called every million tokens)."""
        eos = SEMANTICS[self.semantics].eos
        if corpus_file is None:
            if eos:
                corpus_iterable = _WithEos(corpus_iterable)
            total_words, corpus_count = super().scan_vocab(corpus_iterable=corpus_iterable, progress_per=progress_per,
                                                           workers=workers, trim_rule=trim_rule)
            self.fasttext_ntokens = total_words
            return total_words, corpus_count
        start = default_timer()
        words, counts, ntokens = count_words(os.fspath(corpus_file), eos=eos, progress=on_reading)
        self.raw_vocab = self._counted_vocab(zip(words, counts.tolist()))
        self.corpus_count = _count_lines(corpus_file)
        self.corpus_total_words = ntokens
        self.fasttext_ntokens = ntokens
        logger.info("collected %i word types from %s (%i tokens, %i lines) in %.1fs", len(self.raw_vocab), corpus_file,
                    ntokens, self.corpus_count, default_timer() - start)
        return ntokens, self.corpus_count

    def _counted_vocab(self, items) -> dict:
        """``raw_vocab`` from counted ``(token, count)`` pairs, tokens as ``bytes`` (or ``str``):
        a token that is not valid in the model's encoding keeps its bytes in ``wv.raw_keys``
        (so its n-grams hash as fastText's), ``max_vocab_size`` keeps the most frequent, and in
        fastText semantics the labels are split off."""
        raw_vocab = {}
        raw_keys = {}
        for word, count in items:
            if isinstance(word, str):
                key = word
            else:
                try:
                    key = word.decode(self.wv.encoding)
                except UnicodeDecodeError:
                    key = word.decode(self.wv.encoding, errors="backslashreplace")
                    raw_keys[key] = word
            raw_vocab[key] = raw_vocab.get(key, 0) + count
        if self.max_vocab_size and len(raw_vocab) > self.max_vocab_size:
            keep = sorted(raw_vocab, key=raw_vocab.get, reverse=True)[:self.max_vocab_size]
            raw_vocab = {w: raw_vocab[w] for w in keep}
        if SEMANTICS[self.semantics].eos:
            raw_vocab = self._split_labels(raw_vocab)
        self.wv.raw_keys.update(raw_keys)
        return raw_vocab

    def prepare_vocab(self, update=False, keep_raw_vocab=False, trim_rule=None, min_count=None, sample=None,
                      dry_run=False):
        """gensim's ``prepare_vocab``; in fastText semantics the counted order (fastText's
        sort, see :meth:`_split_labels`) is kept instead of gensim's unstable re-sort."""
        keep_order = SEMANTICS[self.semantics].eos and self.sorted_vocab and not update
        sorted_vocab = self.sorted_vocab
        if keep_order:
            self.sorted_vocab = 0
        try:
            return super().prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule,
                                         min_count=min_count, sample=sample, dry_run=dry_run)
        finally:
            self.sorted_vocab = sorted_vocab

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None, trim_rule=None,
                              update=False):
        """Build the vocabulary from counts made elsewhere (gensim's method, for counted corpora).

        Parameters
        ----------
        word_freq : dict or gensim_ftx.partitions.VocabularyCounts
            ``{word: count}``; keys may be ``bytes`` (a token that is not UTF-8 keeps its bytes,
            as when counting a file). Counts from :func:`gensim_ftx.dask.count_vocabulary` give
            exactly the vocabulary ``build_vocab(corpus_file=...)`` gives for the same corpus.
            In fastText semantics the counts should include ``</s>`` (one a line) and the labels.
        keep_raw_vocab, trim_rule, update
            As gensim's.
        corpus_count : int, optional
            Lines of the corpus; a ``VocabularyCounts`` brings its own.

        Notes
        -----
        Unlike gensim, the counts' total becomes ``corpus_total_words``, so
        ``train(corpus_file=..., total_words=model.corpus_total_words)`` follows fastText's
        learning-rate schedule over every token.
        """
        counted = getattr(word_freq, "word_freq", None)
        if counted is not None:
            corpus_count = word_freq.nlines if corpus_count is None else corpus_count
            word_freq = counted
        total = int(sum(word_freq.values()))
        raw_vocab = self._counted_vocab(word_freq.items())
        result = super().build_vocab_from_freq(raw_vocab, keep_raw_vocab=keep_raw_vocab, corpus_count=corpus_count,
                                               trim_rule=trim_rule, update=update)
        self.corpus_total_words = total
        self.fasttext_ntokens = total
        return result

    def _split_labels(self, raw_vocab: dict) -> dict:
        """``raw_vocab`` (in order of first occurrence) in fastText's dictionary order (its sort,
        ties as its unstable sort leaves them, so word ids and rows equal fastText's;
        :meth:`prepare_vocab` keeps it), its labels split off: fastText makes every token that
        starts with the label prefix a label, never a trained word. Words are thresholded later
        (``min_count``, by gensim's ``prepare_vocab``); labels here, by ``min_count_label``."""
        prefix = getattr(self, "label_prefix", "__label__")
        keys = list(raw_vocab)
        counts = np.fromiter(raw_vocab.values(), dtype=np.int64, count=len(keys))
        is_label = np.fromiter((k.startswith(prefix) for k in keys), dtype=bool, count=len(keys))
        words, labels = split_dictionary(counts, is_label, -(2**62), getattr(self, "min_count_label", 0))
        if is_label.any():
            self.labels = [keys[i] for i in labels.tolist()]
            self.label_counts = counts[labels]
        return {keys[i]: int(counts[i]) for i in words.tolist()}

    def make_cum_table(self, domain=2**31 - 1):
        """gensim's cumulative negative-sampling table, vectorised (kept for gensim API users)."""
        counts = np.asarray(self.wv.expandos.get("count", ()), dtype=np.float64)[:len(self.wv.index_to_key)]
        if not len(counts):
            self.cum_table = np.zeros(0, dtype=np.uint32)
            return
        cumulative = np.cumsum(counts ** float(self.ns_exponent))
        self.cum_table = np.round(cumulative / cumulative[-1] * domain).astype(np.uint32)

    def create_binary_tree(self):
        """The Huffman tree is fastText's and is built when training starts (see tables.huffman_paths)."""

    def estimate_memory(self, vocab_size=None, report=None):
        """Estimate memory for training, without hashing every word in Python."""
        vocab_size = vocab_size or len(self.wv)
        row = self.vector_size * np.dtype(np.float32).itemsize
        report = report or {}
        report["vocab"] = vocab_size * (700 if self.hs else 500)
        report["syn0_vocab"] = vocab_size * row
        if self.hs:
            report["syn1"] = vocab_size * row
        if self.negative:
            report["syn1neg"] = vocab_size * row
            report["negative_table"] = 8 * vocab_size
        if self.wv.bucket:
            report["syn0_ngrams"] = self.wv.bucket * row
            # subword table: about 20 int32 ids per word plus its offset
            report["subword_table"] = vocab_size * (20 * 4 + 8)
        report["total"] = sum(report.values())
        logger.info("estimated required memory for %i words, %i buckets and %i dimensions: %i bytes",
                    vocab_size, self.wv.bucket, self.vector_size, report["total"])
        return report

    # -- training ----------------------------------------------------------------------------------

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None,
              epochs=None, start_alpha=None, end_alpha=None, word_count=0,
              queue_factor=2, report_delay=1.0, compute_loss=False, callbacks=(), *, progress=None, **kwargs):
        """Train with gensim's loop and gensim_ftx's kernels; arguments as in gensim.

        With ``corpus_file``, ``total_words`` may be omitted (the vocabulary scan counted them).
        Ctrl-C stops the threads within a line and leaves a usable model before re-raising.

        Parameters
        ----------
        progress : callable, keyword-only
            With ``corpus_file``: called about ten times a second from the calling thread with a
            :class:`gensim_ftx.train.trainer.Progress` (fraction done, words/s/thread, lr, average loss, ETA).

        Raises
        ------
        gensim_ftx.train.trainer.EncounteredNaNError
            When a NaN appears in training (the learning rate is too high for the data); a
            ``RuntimeError`` and a ``FloatingPointError``, naming the learning rate and epoch.
        """
        check_gensim_args(start_alpha=start_alpha, end_alpha=end_alpha, epochs=epochs)
        if getattr(self, "supervised", False):
            return self._train_classifier(corpus_file, epochs, start_alpha, progress)
        if corpus_file is not None and not total_words and not total_examples:
            total_words = self.corpus_total_words
        self._check_corpus_sanity(corpus_iterable=corpus_iterable, corpus_file=corpus_file, passes=epochs or 1)
        self._check_training_sanity(epochs=epochs, total_examples=total_examples, total_words=total_words)
        run = trainer.build_engine(self, compute_loss)
        words_per_epoch = self._words_per_epoch(corpus_file, total_words, total_examples)
        epochs_to_run = epochs if epochs is not None else self.epochs
        run.alpha = float(start_alpha or self.alpha)
        run.min_alpha = float(end_alpha or self.min_alpha)
        run.epochs = max(epochs_to_run or 0, 1)
        run.budget = max(1, int(words_per_epoch * run.epochs))
        if corpus_file is not None:
            run.table = trainer.word_table(self.wv)
        run.progress = progress
        self._run = run
        self.wv.adjust_vectors()
        try:
            result = super().train(
                corpus_iterable=corpus_iterable, corpus_file=corpus_file, total_examples=total_examples,
                total_words=total_words, epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha,
                word_count=word_count, queue_factor=queue_factor, report_delay=report_delay,
                compute_loss=compute_loss, callbacks=callbacks, **kwargs)
        except KeyboardInterrupt:
            run.stop[0] = 1
            self._clear_post_train()
            logger.warning("training interrupted; the model keeps the updates made so far")
            raise
        finally:
            self._run = None
        if run.error is not None:
            raise run.error
        if run.nan_seen:
            raise run.nan_error()
        return result

    def _train_classifier(self, corpus_file, epochs, start_alpha, progress) -> tuple[int, int]:
        """Go on training a fastText classifier on a labelled file, as fastText's ``-supervised``:
        its output rows are its labels, which gensim's loop would resize to the words."""
        if corpus_file is None:
            raise ValueError("this model is a fastText classifier: train it on a labelled file with "
                             "train(corpus_file=path, epochs=...), as fastText's -supervised reads one")
        if not os.path.isfile(corpus_file):
            raise FileNotFoundError(errno.ENOENT, "corpus_file not found", os.fspath(corpus_file))
        tokens = train_epochs(self, os.fspath(corpus_file), output=output_matrix(self),
                              epoch=int(epochs if epochs is not None else self.epochs),
                              lr=float(start_alpha or self.alpha), thread=max(1, int(self.workers)),
                              seed=int(self.seed), progress=progress)
        return tokens, tokens

    def _words_per_epoch(self, corpus_file, total_words, total_examples) -> int:
        """Words the kernels will see per epoch: what the learning-rate schedule spans."""
        if corpus_file is not None and total_words and SEMANTICS[self.semantics].streaming:
            return int(total_words)  # fastText: every token counts, so more than one pass of known words
        counts = np.asarray(self.wv.expandos.get("count", np.zeros(0)), dtype=np.int64)
        retained = int(counts.sum())
        if corpus_file is not None and self.corpus_total_words and total_words == self.corpus_total_words:
            return retained or int(total_words)
        if total_words:
            return int(total_words)
        if total_examples and self.corpus_count:
            return int(retained * total_examples / self.corpus_count) or retained
        return retained

    def _check_training_sanity(self, epochs=0, total_examples=None, total_words=None, **kwargs):
        # gensim's version composes all word vectors just to test that they exist
        trainer.effective_loss(self)
        if not self.wv.key_to_index:
            raise RuntimeError("you must first build vocabulary before training the model")
        if self.wv.vectors_vocab is None or len(self.wv.vectors_vocab) != len(self.wv.index_to_key):
            raise RuntimeError("you must initialize vectors before training the model")
        if total_words is None and total_examples is None:
            raise ValueError("You must specify either total_examples or total_words, for proper learning-rate and "
                             "progress calculations (after build_vocab: total_examples=model.corpus_count).")
        if epochs is None or epochs <= 0:
            raise ValueError("You must specify an explicit epochs count. The usual value is epochs=model.epochs.")

    def _check_corpus_sanity(self, corpus_iterable=None, corpus_file=None, passes=1):
        if corpus_iterable is None and isinstance(corpus_file, (str, os.PathLike)) and not os.path.isfile(corpus_file):
            raise FileNotFoundError(errno.ENOENT, "corpus_file not found", os.fspath(corpus_file))
        super()._check_corpus_sanity(corpus_iterable=corpus_iterable, corpus_file=corpus_file, passes=passes)

    def _get_thread_working_mem(self):
        return self._run.new_worker()

    def _job_producer(self, data_iterator, job_queue, cur_epoch=0, total_examples=None, total_words=None):
        self._run.epoch = cur_epoch + 1
        super()._job_producer(_UntilStopped(data_iterator, self._run), job_queue, cur_epoch=cur_epoch,
                              total_examples=total_examples, total_words=total_words)

    def _do_train_job(self, sentences, alpha, inits):
        run = self._run
        try:
            eos_id = self.wv.key_to_index.get("</s>", -1) if run.semantics.eos else -1
            ids, bounds, raw = encode_sentences(sentences, self.wv.key_to_index, eos_id, run.semantics.max_line)
            effective, _ = inits.train_batch(run.kernel, ids, bounds, alpha, run.alpha_step(), run.min_alpha,
                                             run.stop)
        except Exception as err:
            # gensim's loop waits forever on a worker that dies: stop the run, re-raise from train()
            if run.error is None:
                run.error = err
            run.stop[0] = 1
            return 0, 0
        self.running_training_loss += inits.take_loss()[0]
        if inits.nan_seen:
            run.diverged(inits)
        return effective, raw

    def _raw_word_count(self, job):
        eos = self._run is not None and self._run.semantics.eos
        return sum(len(sentence) + eos for sentence in job)

    def _train_epoch_corpusfile(self, corpus_file, cur_epoch=0, total_examples=None, total_words=None,
                                callbacks=(), **kwargs):
        effective, raw, lines, loss, elapsed = trainer.train_corpus_file_epoch(
            self._run, os.fspath(corpus_file), max(1, int(self.workers)), cur_epoch,
            report_delay=kwargs.get("report_delay", 1.0))
        self.running_training_loss += loss
        self._log_epoch_end(cur_epoch, lines, total_examples, raw, total_words, effective, elapsed,
                            is_corpus_file_mode=True)
        return effective, raw, lines

    def _clear_post_train(self):
        super()._clear_post_train()
        self.wv.adjust_vectors()

    def weighted_vectors(self) -> FastTextKeyedVectors:
        """The word vectors as a position-weighted CBOW's context sees them, averaged over the
        window: every input row times the mean of ``position_weights`` over the offsets.

        The weights and the rows share a scale per dimension (doubling ``d_p`` in a dimension and
        halving the rows there trains the same model), so the rows alone are the vectors with
        that scale left out; these put it back. A copy: ``model.wv`` (the training state) is
        unchanged. On en17m they score well above the raw rows (see the documentation's
        performance page). To write them as a fastText ``.bin``, assign them to a copy of the model.

        Raises
        ------
        ValueError
            If the model has no position weights.
        """
        import copy

        if self.position_weights is None:
            raise ValueError("the model has no position weights (train with position_weights=True)")
        scale = np.asarray(self.position_weights, dtype=REAL).mean(axis=0)
        wv = copy.copy(self.wv)
        wv.vectors_vocab = np.asarray(self.wv.vectors_vocab, dtype=REAL) * scale
        wv.vectors_ngrams = np.asarray(self.wv.vectors_ngrams, dtype=REAL) * scale
        wv.adjust_vectors()
        return wv

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
        from .portable import restore, restore_vectors

        model = super().load(*args, **kwargs)
        if not isinstance(model, cls) and isinstance(model, gensim_fasttext.FastText):
            model.__class__ = cls
            restore(model)  # what a portable file kept as plain data
            model._set_defaults()
            restore_vectors(model.wv)
            FastTextKeyedVectors.adopt(model.wv)
        return model

    def save(self, fname_or_handle, *args, portable: bool = False, **kwargs) -> None:
        """gensim's ``save``; with ``portable=True`` the file loads in plain gensim too.

        Parameters
        ----------
        portable : bool, keyword-only
            Write gensim's own classes (see :mod:`gensim_ftx.portable`): ``gensim.models.FastText.load``
            opens the file without gensim_ftx, and ``gensim_ftx.FastText.load`` gives this class back
            with its fastText state. Costs the vocabulary as a Python ``dict`` and ``list`` while saving.
        """
        if portable:
            from .portable import to_gensim

            to_gensim(self).save(fname_or_handle, *args, **kwargs)
            return
        super().save(fname_or_handle, *args, **kwargs)

    def _load_specials(self, *args, **kwargs):
        super()._load_specials(*args, **kwargs)
        self._set_defaults()

    def _set_defaults(self) -> None:
        defaults = {"loss": "hs" if self.hs and not self.negative else "ns", "supervised": False,
                    "labels": None, "label_counts": None, "syn1out": None, "fb_args": None,
                    "fb_version": 12, "position_weights": None, "position_dims": None}
        for name, value in defaults.items():
            if not hasattr(self, name):
                setattr(self, name, value)


class _WithEos:
    """Restartable iterable that appends fastText's ``</s>`` to each sentence."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __iter__(self):
        for sentence in self.corpus:
            yield list(sentence) + ["</s>"]


class _UntilStopped:
    """Iterate ``data`` until the training run is stopped (Ctrl-C or NaN)."""

    def __init__(self, data, run):
        self.data = data
        self.run = run

    def __iter__(self):
        for item in self.data:
            if self.run is not None and self.run.stop[0]:
                return
            yield item


def _count_lines(path) -> int:
    """Lines of a text file (a last line without newline counts), in 16 MiB blocks."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def model_loss(model) -> str:
    """The loss a model is saved with: gensim_ftx's ``loss``, else gensim's ``hs`` flag."""
    return getattr(model, "loss", None) or ("hs" if model.hs else "ns")


def output_matrix(model) -> np.ndarray:
    """The output matrix of a gensim or gensim_ftx model: where its loss keeps it."""
    name = {"hs": "syn1", "ns": "syn1neg"}.get(model_loss(model), "syn1out")
    output = getattr(model, name, None)
    if output is None:
        raise ValueError(f"the model has no output matrix ({name}); fastText needs one in a .bin file")
    return output


def set_output_matrix(model, output: np.ndarray) -> None:
    """Install ``output`` as the model's output matrix, where its loss keeps it."""
    setattr(model, {"hs": "syn1", "ns": "syn1neg"}.get(model_loss(model), "syn1out"), output)
