"""Make code you cannot edit use gensim_ftx: ``gensim_ftx.patch_gensim()`` and its undo.

gensim's own methods call ``super(FastText, self)`` and ``isinstance(self, FastTextKeyedVectors)``
with the module globals; rebinding those globals to our subclasses would make gensim's methods
recurse into ours. So the two classes are swapped through properties on the module's type:
``gensim.models.fasttext.FastText`` and ``from gensim.models.fasttext import FastText`` see ours,
while gensim's function bodies, which read the module dictionary, still see gensim's.
"""
from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator

import gensim.models
import gensim.models.fasttext
import gensim.models.keyedvectors

from .facebook import load_facebook_model, load_facebook_vectors, save_facebook_model
from .keyedvectors import FastTextKeyedVectors
from .model import FastText


class _PatchedFastTextModule(types.ModuleType):
    """Type of ``gensim.models.fasttext`` while patched: its classes read as gensim_ftx's."""

    FastText = property(lambda self: FastText)
    FastTextKeyedVectors = property(lambda self: FastTextKeyedVectors)


_TARGETS = (
    (gensim.models, "FastText", FastText),
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
    gensim.models.fasttext.__class__ = _PatchedFastTextModule


def unpatch_gensim() -> None:
    """Restore gensim's own names."""
    gensim.models.fasttext.__class__ = types.ModuleType
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
