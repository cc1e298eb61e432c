"""The pieces every command's argument parser shares: the program name, the parser class and value types.

:class:`ArgumentParser` is argparse with fastText's habits (exact flags only, no abbreviations) and
one-line errors raised as :class:`~gensim_ftx.cli.errors.UsageError`; :func:`table_type` (fastText's
arguments, from the argument table), :func:`_int_at_least` and :func:`_non_negative_float` check
numeric flags as they are parsed, so a bad value is a usage error
before any model is loaded or trained.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable

from ..args import ARGS, LIMITS, check_value
from .errors import UsageError

PROG = "gensim-ftx"


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: they become :class:`UsageError` (exit status 2)."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")

    def _get_option_tuples(self, option_string: str) -> list:
        # Only exact flags, as fastText: no '-inp' for '-input', no '-t1e-5' for '-t 1e-5'
        # (allow_abbrev=False leaves single-dash prefixes on).
        return []


def table_type(name: str) -> Callable[[str], object]:
    """The argparse type of fastText argument ``name``: its kind and range from the argument
    table (:data:`gensim_ftx.args.ARGS`), checked as every face checks them."""
    arg = ARGS[name]
    if arg.kind is str:
        return str

    def parse(text: str):
        try:
            value = arg.kind(text)
        except ValueError:
            kind = "integer" if arg.kind is int else "number"
            raise argparse.ArgumentTypeError(f"invalid {kind}: {text!r}") from None
        try:
            return check_value(f"-{name}", value, LIMITS[name])
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = arg.kind.__name__  # argparse names the type in its messages
    return parse


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value
