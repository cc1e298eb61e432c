"""The command line's two kinds of failure and how their messages are worded.

A :class:`UsageError` is a bad command line (one line on stderr, exit status 2); an :class:`InputError`
is a file that cannot be read, written or parsed (one line naming it, exit status 1). :func:`_one_line`
folds any exception's message onto the single line both are reported on.
"""
from __future__ import annotations


class UsageError(Exception):
    """Bad command line: reported on one line, exit status 2."""


class InputError(Exception):
    """A file cannot be read, written or parsed: reported on one line, exit status 1."""


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
