"""fastText's unsupervised training commands, ``skipgram`` and ``cbow``, and the flags all training commands share.

Training runs on :func:`gensim_ftx.train_unsupervised` and writes ``<output>.bin`` (readable by
``fasttext.load_model``), ``<output>.vec`` and, with ``-saveOutput``, ``<output>.output``. An input
the trainer cannot seek in (standard input, a compressed or remote file) is first staged in a
temporary file by :func:`training_file`; the output is checked before training starts, as fastText
does; Ctrl-C saves the model trained so far. :func:`_add_training_parser` builds a command with
fastText's training flags, which ``supervised`` reuses with its own defaults.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from ..args import ARGS, MODE_CODES, UNSUPERVISED_LOSSES, bucket_for
from ..io.source import is_plain_local
from ..train.progress import ProgressPrinter
from .errors import InputError, _one_line
from .parsing import PROG, ArgumentParser, table_type

if TYPE_CHECKING:  # the package imports gensim: only load it when a command needs it
    from ..model import FastText

# ---------------------------------------------------------------------------------------------
# training


@contextlib.contextmanager
def training_file(source: str) -> Iterator[str]:
    """A local, uncompressed path for ``source``: itself, or a temporary copy of stdin (``-``) or of a
    compressed or remote file (read through smart_open), removed afterwards.

    The trainer needs a real file: its threads seek to their own byte ranges.

    Parameters
    ----------
    source : str
        ``-``, a path, a compressed path (``.gz``, ``.bz2``, ``.xz``, ``.zst``) or a URL smart_open reads.

    Yields
    ------
    str
        A path the trainer can read.

    Raises
    ------
    InputError
        When ``source`` cannot be read; the message names it.
    """
    if source != "-" and is_plain_local(source):
        try:
            with open(source, "rb"):
                pass
        except OSError as err:  # also a directory: IsADirectoryError
            raise InputError(f"{source} cannot be opened for training! ({err.strerror})") from err
        yield source
        return
    handle, staged = tempfile.mkstemp(prefix="gensim-ftx-", suffix=".txt")
    try:
        with os.fdopen(handle, "wb") as target:
            if source == "-":
                shutil.copyfileobj(sys.stdin.buffer, target, 1 << 20)
            else:
                _copy_remote(source, target)
        yield staged
    finally:
        with contextlib.suppress(OSError):
            os.remove(staged)


def _copy_remote(source: str, target: BinaryIO) -> None:
    import smart_open

    try:
        with smart_open.open(source, "rb") as stream:
            shutil.copyfileobj(stream, target, 1 << 20)
    except KeyboardInterrupt:
        raise
    except Exception as err:  # smart_open's transports raise their own error types
        raise InputError(f"{source} cannot be opened for training! ({_one_line(err)})") from err


def _check_output(path: str) -> None:
    """Fail before training, as fastText does, when the model cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(directory) or not os.access(directory, os.W_OK):
        raise InputError(f"{path} cannot be opened for saving.")


def _model_from_interrupt(interrupt: KeyboardInterrupt) -> FastText | None:
    """The model a Ctrl-C left behind (``train_unsupervised`` attaches it), if training had started."""
    return getattr(interrupt, "model", None)


def save_outputs(model: FastText, output: str, save_output: bool) -> None:
    """``<output>.bin``, ``<output>.vec``, (floret mode) ``<output>.floret`` and (``-saveOutput``)
    ``<output>.output``, as fastText and floret write them."""
    from ..facebook import save_facebook_model
    from ..io.vec import save_floret_vectors, save_output_vectors, save_word_vectors

    steps: list[tuple[str, Callable[[str], None]]] = [
        (output + ".bin", lambda path: save_facebook_model(model, path)),
        (output + ".vec", lambda path: save_word_vectors(model.wv, path)),
    ]
    if model.wv.floret_hash_count:
        steps.append((output + ".floret", lambda path: save_floret_vectors(model.wv, path)))
    if save_output:
        steps.append((output + ".output", lambda path: save_output_vectors(model, path)))
    for path, save in steps:
        try:
            save(path)
        except OSError as err:
            raise InputError(f"{path} cannot be opened for saving! ({err.strerror or _one_line(err)})") from err


def _training_arguments(args: argparse.Namespace) -> dict:
    bucket = bucket_for(args.bucket, args.wordNgrams, args.maxn, args.mode)
    return dict(model=args.command, lr=args.lr, dim=args.dim, ws=args.ws, epoch=args.epoch, minCount=args.minCount,
                minCountLabel=args.minCountLabel, minn=args.minn, maxn=args.maxn, neg=args.neg,
                wordNgrams=args.wordNgrams, loss=args.loss, bucket=bucket, thread=args.thread,
                lrUpdateRate=args.lrUpdateRate, t=args.t, label=args.label, verbose=args.verbose,
                pretrainedVectors=args.pretrainedVectors, seed=args.seed, mode=args.mode, hashCount=args.hashCount,
                positionWeights=args.positionWeights, positionDims=args.positionDims)


def cmd_train(args: argparse.Namespace) -> int:
    """Train a skipgram or cbow model and write ``<output>.bin`` and ``<output>.vec``."""
    from ..unsupervised import train_unsupervised

    _check_output(args.output + ".bin")
    printer = ProgressPrinter(sys.stderr, args.verbose)
    with training_file(args.input) as path:
        try:
            model = train_unsupervised(path, progress=printer, on_vocabulary=printer.summary,
                                       on_reading=printer.reading, **_training_arguments(args))
        except KeyboardInterrupt as interrupt:
            return _save_interrupted(_model_from_interrupt(interrupt), args, printer)
        except FloatingPointError as err:
            raise InputError(f"{args.input}: {_one_line(err)}") from err
        except RuntimeError as err:
            if "vocabulary" in str(err):
                raise InputError(f"{args.input}: Empty vocabulary. Try a smaller -minCount value.") from err
            raise
        except (OSError, ValueError) as err:
            raise InputError(_one_line(err)) from err
    printer.finish(int(model.corpus_total_words) * args.epoch, args.thread)
    save_outputs(model, args.output, args.saveOutput)
    return 0


def _save_interrupted(model: FastText | None, args: argparse.Namespace, printer: ProgressPrinter) -> int:
    printer.clear()
    if model is None:
        print(f"{PROG}: interrupted before training started; nothing saved", file=sys.stderr)
        return 130
    done = f" ({100 * printer.last.fraction:.1f}% of training)" if printer.last is not None else ""
    save_outputs(model, args.output, args.saveOutput)
    print(f"{PROG}: interrupted; saved the model trained so far{done} to {args.output}.bin "
          "(fastText would have saved nothing)", file=sys.stderr)
    return 130


# ---------------------------------------------------------------------------------------------
# command line

_TRAIN_EPILOG = """\
examples:
  {prog} skipgram -input data.txt -output model
  {prog} cbow -input data.txt.gz -output model -dim 300 -epoch 10 -thread 8
  cat data.txt | {prog} skipgram -input - -output model -verbose 1

writes <output>.bin (readable by fasttext.load_model; by floret's with -mode floret),
<output>.vec, with -mode floret <output>.floret (for spacy init vectors --mode floret) and,
with -saveOutput, <output>.output. A compressed, remote or standard-input -input is first copied to a
temporary file (in $TMPDIR). Ctrl-C stops training and saves the model trained so far.
"""


MODES = tuple(MODE_CODES)

# where the command line says more than fastText's help (or says it for this command)
_HELP = {"wordNgrams": "max length of word ngram (recorded only for unsupervised models)",
         "label": "labels prefix: such tokens are labels, not trained words",
         "loss": "loss function {ns, hs, softmax}",
         "pretrainedVectors": "pretrained word vectors (.vec) to start from",
         "verbose": "verbosity level: 0 silent, 1 summary, 2 progress line"}


def _add_training_parser(commands: argparse._SubParsersAction, name: str, summary: str, *,
                         defaults: dict | None = None, handler: Callable | None = None,
                         losses: tuple = UNSUPERVISED_LOSSES, epilog: str | None = None) -> ArgumentParser:
    """A training command with fastText's flags; ``defaults`` overrides fastText's unsupervised defaults."""
    parser = commands.add_parser(name, help=summary, description=f"{summary} (fastText's '{name}' command).",
                                 epilog=epilog or _TRAIN_EPILOG.format(prog=PROG), allow_abbrev=False,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = defaults or {}
    required = parser.add_argument_group("mandatory arguments")
    required.add_argument("-input", required=True, metavar="PATH",
                          help="training file path; '-' reads standard input; .gz/.bz2/.xz or a URL via smart_open")
    required.add_argument("-output", required=True, metavar="PATH", help="output file path, without extension")
    for title in ("dictionary arguments", "training arguments", "floret arguments", "position weights"):
        group = parser.add_argument_group(title)
        for arg in (arg for arg in ARGS.values() if arg.group == title):
            flag, default, text = "-" + arg.name, defaults.get(arg.name, arg.default), _HELP.get(arg.name, arg.help)
            if arg.kind is bool:  # a flag, as fastText's -saveOutput
                group.add_argument(flag, action="store_true", help=f"{text} [{str(default).lower()}]")
                continue
            metavar = "PATH" if flag == "-pretrainedVectors" else {float: "X", int: "N", str: "S"}[arg.kind]
            extra = {"choices": losses} if flag == "-loss" else {"choices": MODES} if flag == "-mode" else {}
            group.add_argument(flag, type=table_type(arg.name), default=default, metavar=metavar,
                               help=f"{text} [{default:g}]" if arg.kind is float else f"{text} [{default}]",
                               **extra)
        if title == "training arguments":
            group.add_argument("-saveOutput", action="store_true",
                               help="also write the output matrix to <output>.output [false]")
    parser.set_defaults(handler=handler or cmd_train)
    return parser



def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Register ``skipgram`` and ``cbow`` on the ``gensim-ftx`` sub-parsers."""
    _add_training_parser(commands, "skipgram", "train a skipgram model")
    _add_training_parser(commands, "cbow", "train a cbow model")
