"""fastText-named arguments to a trained classifier, printing as fastText: the step that
``train_supervised``, ``train_unsupervised(model='supervised')`` and autotune's trials share."""
from __future__ import annotations

import sys

from ..train.progress import ProgressPrinter
from .core import loss_name


def parse_loss(name: str) -> loss_name:
    try:
        return loss_name[name]
    except KeyError:
        raise ValueError("Unrecognized loss name") from None


def supervised_model(args: dict, progress=None, on_vocabulary=None, on_reading=None):
    """Train the gensim_ftx classifier of fastText-named ``args`` (no autotune)."""
    from ..classifier import train_supervised_model  # imports gensim: only when training

    return train_supervised_model(
        args["input"], lr=float(args["lr"]), dim=int(args["dim"]), ws=int(args["ws"]), epoch=int(args["epoch"]),
        min_count=int(args["minCount"]), min_count_label=int(args["minCountLabel"]), minn=int(args["minn"]),
        maxn=int(args["maxn"]), neg=int(args["neg"]), word_ngrams=int(args["wordNgrams"]), loss=args["loss"],
        bucket=int(args["bucket"]), thread=int(args["thread"]), lr_update_rate=int(args["lrUpdateRate"]),
        t=float(args["t"]), label=args["label"], seed=int(args["seed"]),
        pretrained_vectors=args["pretrainedVectors"], progress=progress, on_vocabulary=on_vocabulary,
        on_reading=on_reading, mode=args.get("mode", "fasttext"), hash_count=int(args.get("hashCount", 1)))


def printed_supervised_model(args: dict):
    """:func:`supervised_model` with fastText's output on stderr at ``args['verbose']``: the
    dictionary header, the progress line and the final line (also autotune's final training)."""
    verbose = int(args["verbose"])
    printer = ProgressPrinter(sys.stderr, verbose)
    model = supervised_model(args, printer if verbose >= 1 else None, printer.summary, printer.reading)
    printer.finish(int(model.corpus_total_words) * int(args["epoch"]), int(args["thread"]))
    return model
