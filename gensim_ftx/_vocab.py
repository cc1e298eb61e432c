"""Kept so that models pickled before 0.2 load: their vocabulary store names this module.

The store lives in :mod:`gensim_ftx.text._vocab`.
"""
from .text._vocab import KeyStore, _rebuild

__all__ = ["KeyStore", "_rebuild"]
