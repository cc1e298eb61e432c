"""Make code you cannot edit use gensim_ftx: ``gensim_ftx.patch_gensim()`` and its undo."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import gensim.models
import gensim.models.fasttext
import gensim.models.keyedvectors

from .facebook import load_facebook_model, load_facebook_vectors, save_facebook_model
from .keyedvectors import FastTextKeyedVectors
from .model import FastText

_TARGETS = (
    (gensim.models, "FastText", FastText),
    (gensim.models.fasttext, "FastText", FastText),
    (gensim.models.fasttext, "FastTextKeyedVectors", FastTextKeyedVectors),
    (gensim.models.keyedvectors, "FastTextKeyedVectors", FastTextKeyedVectors),
    (gensim.models.fasttext, "load_facebook_model", load_facebook_model),
    (gensim.models.fasttext, "load_facebook_vectors", load_facebook_vectors),
    (gensim.models.fasttext, "save_facebook_model", save_facebook_model),
)
_originals: dict[tuple[int, str], object] = {}


def patch_gensim() -> None:
    """Point gensim's FastText names at gensim_ftx's.

    After this, ``gensim.models.FastText``, ``gensim.models.fasttext.FastText``,
    ``FastTextKeyedVectors`` and ``load_facebook_model`` / ``load_facebook_vectors`` /
    ``save_facebook_model`` resolve to gensim_ftx. Code that imported the names before the call
    keeps the objects it already holds. Calling it twice is harmless; :func:`unpatch_gensim` undoes it.
    """
    for module, name, replacement in _TARGETS:
        key = (id(module), name)
        if key not in _originals:
            _originals[key] = getattr(module, name)
        setattr(module, name, replacement)


def unpatch_gensim() -> None:
    """Restore gensim's own names."""
    for module, name, _ in _TARGETS:
        original = _originals.pop((id(module), name), None)
        if original is not None:
            setattr(module, name, original)


def is_patched() -> bool:
    return gensim.models.fasttext.FastText is FastText


@contextlib.contextmanager
def patched_gensim() -> Iterator[None]:
    """Context manager form of :func:`patch_gensim`; restores the previous state on exit."""
    was_patched = is_patched()
    patch_gensim()
    try:
        yield
    finally:
        if not was_patched:
            unpatch_gensim()
