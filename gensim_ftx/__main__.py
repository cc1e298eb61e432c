"""``python -m gensim_ftx``: the ``gensim-ftx`` command line (see :mod:`gensim_ftx.cli`)."""
from .cli import run

if __name__ == "__main__":
    run()
