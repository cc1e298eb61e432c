"""Kept so that models pickled before 0.2 load: their vocabulary views name this module.

The views live in :mod:`gensim_ftx.text.vocab`.
"""
from .text.vocab import IndexToKey, KeyToIndex

__all__ = ["IndexToKey", "KeyToIndex"]
