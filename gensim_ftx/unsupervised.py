"""fastText's Python entry point, ``train_unsupervised``, with fastText's argument names and defaults."""
from __future__ import annotations

import logging
import os

from .args import LOSS_CODES, MODEL_CODES, UNSUPERVISED_LOSSES, check_fasttext_args, check_mode, default_threads
from .io.fbbin import FacebookArgs, floret_fields
from .io.vec import read_vec
from .model import FastText
from .text.vocab import with_pretrained
from .train.supervised import fasttext_init

logger = logging.getLogger(__name__)

_MODELS = {"skipgram": 1, "cbow": 0}


def train_unsupervised(input: str, model: str = "skipgram", lr: float = 0.05, dim: int = 100, ws: int = 5,
                       epoch: int = 5, minCount: int = 5, minCountLabel: int = 0, minn: int = 3, maxn: int = 6,
                       neg: int = 5, wordNgrams: int = 1, loss: str = "ns", bucket: int = 2000000,
                       thread: int | None = None, lrUpdateRate: int = 100, t: float = 1e-4, label: str = "__label__",
                       verbose: int = 2, pretrainedVectors: str = "", seed: int = 0, *,
                       mode: str = "fasttext", hashCount: int = 1, positionWeights: bool = False,
                       positionDims: int = 0, progress=None, on_vocabulary=None, on_reading=None) -> FastText:
    """Train word vectors on a text file as ``fasttext.train_unsupervised`` does.

    The model trains with fastText's semantics (``</s>`` at newlines, its subsampling and
    negative sampling, learning rate falling to 0, lines of at most 1025 words) and its defaults,
    on gensim_ftx's kernels, and is returned as a :class:`gensim_ftx.FastText`:
    ``model.wv[word]``, ``save_facebook_model(model, 'x.bin')`` and gensim's API all work.

    Parameters
    ----------
    input : str
        Training file, one sentence per line, tokens separated by whitespace.
    model : {'skipgram', 'cbow'}
    lr, dim, ws, epoch, minCount, minn, maxn, neg, bucket, t, seed
        As in fastText.
    loss : {'ns', 'hs', 'softmax'}
    thread : int, optional
        Worker threads (default: all cores but one, at least one).
    lrUpdateRate, wordNgrams
        Recorded in the model's arguments (written to ``.bin``); they do not change unsupervised training.
    label, minCountLabel
        Tokens starting with ``label`` are labels, as in fastText: kept in ``model.labels`` (when
        seen at least ``minCountLabel`` times) and never trained as words.
    verbose : int
        0 silences gensim_ftx's INFO logging during training.
    pretrainedVectors : str
        A ``.vec`` file: its words join the dictionary and their rows start from its vectors.
    mode : {'fasttext', 'floret'}, keyword-only
        ``'floret'`` trains floret (Bloom) vectors as Explosion's floret does: words and character
        n-grams hashed with MurmurHash3 into ``hashCount`` rows each of the ``bucket`` table.
    hashCount : int, keyword-only
        floret mode only: hashes per word and n-gram, 1 to 4.
    positionWeights : bool, keyword-only
        CBOW only: position-dependent weighting of the context (Mikolov et al. 2018); the
        weights end up in ``model.position_weights`` (see :class:`gensim_ftx.FastText`).
    positionDims : int, keyword-only
        With ``positionWeights``: weight only the first ``positionDims`` dimensions (0: all).
    progress : callable, keyword-only
        Receives a :class:`gensim_ftx.train.trainer.Progress` about ten times a second (the CLI's
        progress line is one).
    on_vocabulary : callable, keyword-only
        Called as ``on_vocabulary(ntokens, nwords, nlabels)`` once the dictionary is built, before
        training (fastText prints its ``Read ... / Number of words`` header then).
    on_reading : callable, keyword-only
        Called as ``on_reading(ntokens)`` every million tokens while the file is read (fastText's
        ``Read NM words`` as it goes).

    Returns
    -------
    FastText

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C during training, with the partly trained, usable model as its ``model`` attribute.
    """
    if model not in _MODELS:
        raise ValueError(f"model must be 'skipgram' or 'cbow', got {model!r}")
    if loss not in UNSUPERVISED_LOSSES:
        raise ValueError(f"loss must be one of {UNSUPERVISED_LOSSES} for unsupervised training, got {loss!r}")
    if positionWeights and model != "cbow":
        raise ValueError("positionWeights weight CBOW's context: train with model='cbow'")
    check_mode(mode)
    if not os.path.exists(input):
        raise FileNotFoundError(f"training file not found: {input}")
    workers = thread if thread is not None else default_threads()
    checked = check_fasttext_args(dict(lr=lr, dim=dim, ws=ws, epoch=epoch, minCount=minCount,
                                       minCountLabel=minCountLabel, minn=minn, maxn=maxn, neg=neg,
                                       wordNgrams=wordNgrams, bucket=bucket, thread=workers,
                                       lrUpdateRate=lrUpdateRate, t=t, seed=seed, verbose=verbose,
                                       hashCount=hashCount, positionDims=positionDims))
    lr, dim, ws, epoch, minCount, minCountLabel, minn, maxn, neg, wordNgrams, bucket, workers, lrUpdateRate, t, \
        seed, verbose, hashCount, positionDims = checked.values()
    floret = mode == "floret"
    quiet = verbose == 0
    package_logger = logging.getLogger("gensim_ftx")
    previous = package_logger.level
    if quiet:
        package_logger.setLevel(logging.WARNING)
    try:
        ft = FastText(
            sg=_MODELS[model], hs=int(loss == "hs"), negative=neg if loss == "ns" else 0, vector_size=dim,
            alpha=lr, min_alpha=0.0, window=ws, min_count=minCount, sample=t, seed=seed, workers=workers,
            epochs=epoch, min_n=minn, max_n=maxn, bucket=bucket, semantics="fasttext", loss=loss,
            floret_hash_count=hashCount if floret else 0, position_weights=bool(positionWeights),
            position_dims=positionDims or None,
        )
        ft.label_prefix = label
        ft.min_count_label = minCountLabel
        ft.scan_vocab(corpus_file=input, on_reading=on_reading)
        if pretrainedVectors:
            names, vectors = read_vec(pretrainedVectors, dim)
            names = [name.decode("utf-8", errors="backslashreplace") for name in names]
            kept = {w: c for w, c in ft.raw_vocab.items() if c >= minCount}
            ft.raw_vocab = with_pretrained(kept, names)
            ft.prepare_vocab(min_count=1)
            ft.min_count = minCount
        else:
            ft.prepare_vocab()
        if not len(ft.wv.index_to_key):
            raise ValueError(f"{input}: Empty vocabulary. Try a smaller -minCount value.")
        if on_vocabulary is not None:
            on_vocabulary(int(ft.corpus_total_words), len(ft.wv), len(ft.labels or ()))
        fasttext_input(ft.wv, workers, seed)
        ft.prepare_weights()
        if pretrainedVectors:
            ft.wv.vectors_vocab[[ft.wv.key_to_index[w] for w in names]] = vectors
            ft.wv.adjust_vectors()
        ft.fb_args = FacebookArgs(dim=dim, ws=ws, epoch=epoch, min_count=minCount, neg=neg, word_ngrams=wordNgrams,
                                  loss=LOSS_CODES[loss], model=MODEL_CODES[model],
                                  bucket=bucket, minn=minn, maxn=maxn, lr_update_rate=lrUpdateRate, t=t,
                                  **floret_fields(hashCount if floret else 0))
        try:
            ft.train(corpus_file=input, total_words=ft.corpus_total_words, epochs=epoch, compute_loss=True,
                     progress=progress)
        except KeyboardInterrupt as interrupt:
            interrupt.model = ft  # usable and saveable: the caller may keep what was trained
            raise
    finally:
        package_logger.setLevel(previous)
    return ft


def fasttext_input(wv, threads: int, seed: int) -> None:
    """Start the input rows as fastText (and floret) do: ``uniform(1/dim, thread, seed)`` fills a
    tenth of the matrix per training thread and leaves the rest zero (see
    :func:`~gensim_ftx.train.supervised.fasttext_init`). Called before ``prepare_weights``, which
    keeps matrices of the right shape: gensim's random start of all 2M+ rows (seconds at dim 100)
    is never drawn only to be replaced. The words' rows come first, so they start
    random; with fewer than ten threads most n-gram buckets start at zero, and in floret mode,
    whose words hash into the buckets, nearly all the rows that train do."""
    nwords = len(wv.index_to_key)
    matrix = fasttext_init(nwords + wv.bucket, wv.vector_size, threads, seed)
    wv.vectors_vocab = matrix[:nwords]
    wv.vectors_ngrams = matrix[nwords:]
