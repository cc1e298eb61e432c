"""Loading the model files the query commands read, with fastText's messages when that fails.

Local files are memory-mapped, so that a query on a 7 GB model costs no more than the pages it
touches; compressed or remote files are read through smart_open. A file that cannot be opened or
parsed becomes an :class:`~gensim_ftx.cli.errors.InputError` naming it. The gensim-dependent
readers are imported inside the functions, so importing the command line does not import gensim.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..io.source import is_plain_local
from ..predict.query import Vocabulary
from .errors import InputError, _one_line

if TYPE_CHECKING:  # the package imports gensim: only load it when a command needs it
    from ..keyedvectors import FastTextKeyedVectors
    from ..model import FastText


def _load_error(path: str, err: BaseException) -> InputError:
    if isinstance(err, OSError):
        reason = err.strerror or _one_line(err)
        return InputError(f"{path} cannot be opened for loading! ({reason})")
    return InputError(f"{path} has wrong file format! ({_one_line(err)})")


def load_vectors(path: str) -> FastTextKeyedVectors:
    """Word vectors of a fastText model file; local files are memory-mapped (fast for 7 GB models)."""
    from ..facebook import load_facebook_vectors

    try:
        return load_facebook_vectors(path, mmap="r" if is_plain_local(path) else None)
    except (OSError, ValueError, EOFError) as err:
        raise _load_error(path, err) from err


def load_model(path: str) -> FastText:
    """A whole fastText model (arguments, labels, both matrices)."""
    from ..facebook import load_facebook_model

    try:
        return load_facebook_model(path, mmap="r" if is_plain_local(path) else None)
    except (OSError, ValueError, EOFError) as err:
        raise _load_error(path, err) from err


def load_vocabulary(path: str) -> Vocabulary:
    """The words (and labels) of a model file, for the query commands."""
    if is_plain_local(path):  # memory-mapped: the whole model costs no more than its vectors
        return Vocabulary.from_model(load_model(path))
    return Vocabulary(load_vectors(path))  # compressed or remote: skip reading the output matrix
