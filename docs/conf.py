"""Sphinx configuration of gensim_ftx's documentation.

Build it, and run every example of the guides, with ``python docs/build.py``. Nothing here reaches
the network: no intersphinx, and the examples use gensim's bundled test data or files they write.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

project = "gensim_ftx"
author = "the gensim_ftx authors"
copyright = "the gensim_ftx authors"
# read, not imported: the version is one line of gensim_ftx/__init__.py
release = re.search(r'^__version__ = "([^"]+)"', (ROOT / "gensim_ftx" / "__init__.py").read_text(), re.M).group(1)
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build"]
root_doc = "index"
language = "en"

# -- autodoc and napoleon: numpy-style docstrings, as gensim and scikit-learn write them ------------
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# gensim's own docstrings are not ours to render: members we do not document stay out
autodoc_inherit_docstrings = False
autoclass_content = "class"

# -- doctest: the guides' examples run with ``sphinx -b doctest`` -----------------------------------
doctest_global_setup = """
import logging
logging.getLogger("gensim").setLevel(logging.ERROR)
logging.getLogger("gensim_ftx").setLevel(logging.CRITICAL)  # the test files' non-UTF-8 words
"""

# -- HTML ------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"gensim_ftx {release}"
html_static_path: list[str] = []
html_show_sourcelink = True
