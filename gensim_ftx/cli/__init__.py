"""fastText's command line on gensim_ftx: ``gensim-ftx skipgram -input data.txt -output model``.

The commands and flags are those of Facebook's ``fasttext`` binary (``src/main.cc``, ``src/args.cc``),
and so are the outputs: ``model.bin`` for ``fasttext.load_model``, ``model.vec`` and ``model.output``
in fastText's text format, and the query commands print what fastText prints. Training runs on
:func:`gensim_ftx.train_unsupervised`; models are read and written by :mod:`gensim_ftx.facebook`.

Exit status: 0 on success, 1 on input errors (a file that cannot be read or written, a malformed
model), 2 on usage errors (one line on stderr), 130 when interrupted.

This module ties the commands together (:func:`build_parser`, :func:`main`, :func:`run`); they live
in :mod:`.train` (``skipgram``, ``cbow``), :mod:`.supervised` (``supervised``, ``quantize``),
:mod:`.query` (``print-*``, ``nn``, ``analogies``, ``dump``) and :mod:`.classify` (``predict*``,
``test*``), on :mod:`.stdin`, :mod:`.models`, :mod:`.parsing` and :mod:`.errors`.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from . import query, train
from .errors import InputError, UsageError
from .models import load_model, load_vectors, load_vocabulary
from .parsing import PROG, ArgumentParser
from .query import dump_args, dump_dict, dump_matrix, format_values
from .stdin import line_batches, token_batches
from .train import save_outputs, training_file

__all__ = [
    "PROG", "ArgumentParser", "InputError", "UsageError", "build_parser", "dump_args", "dump_dict",
    "dump_matrix", "format_values", "line_batches", "load_model", "load_vectors", "load_vocabulary", "main", "run",
    "save_outputs", "token_batches", "training_file",
]


def build_parser() -> ArgumentParser:
    """The ``gensim-ftx`` argument parser: fastText's commands, each with fastText's flags."""
    from .. import __version__
    from ..kernels import kernel_level

    parser = ArgumentParser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="fastText's command line, on gensim_ftx's engine.",
        epilog=f"'{PROG} <command> --help' describes each command. Exit status: 0 success, 1 input error, "
               "2 usage error, 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__} (kernels: {kernel_level()}; "
                                                               "details: python -c 'import gensim_ftx; "
                                                               "gensim_ftx.show_config()')")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True, parser_class=ArgumentParser)
    train.add_parsers(commands)
    query.add_parsers(commands)
    from . import classify, supervised

    supervised.add_parsers(commands)
    classify.add_parsers(commands, dict(allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    import logging

    verbose = getattr(args, "verbose", 2)
    if verbose == 0:  # silent: not even warnings
        for name in ("gensim", "gensim_ftx", "smart_open"):
            logging.getLogger(name).setLevel(logging.ERROR)
    elif verbose >= 3:  # beyond fastText's levels: the engine's own log
        logging.basicConfig(format="%(asctime)s : %(levelname)s : %(message)s", level=logging.INFO)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that the exit flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gensim-ftx`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 input error, 2 usage error, 130 interrupted, 141 broken pipe.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:
            prog = f"{PROG} {args.command}"
            raise UsageError(f"{prog}: error: unrecognized arguments: {' '.join(extra)} (see '{prog} --help')")
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    _configure_logging(args)
    try:
        return args.handler(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except InputError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141  # as a program killed by SIGPIPE


def run() -> None:
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":
    run()
