"""Train fastText vectors on gensim's Lee corpus with gensim_ftx and print nearest neighbours.

Run ``python examples/quickstart.py``. It also saves the model in Facebook's ``.bin`` format,
loads it back, and shows an out-of-vocabulary lookup.
"""
from __future__ import annotations

import logging
import os
import tempfile

from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath

import gensim_ftx


def main() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)
    corpus = LineSentence(datapath("lee_background.cor"))
    model = gensim_ftx.FastText(corpus, sg=1, vector_size=64, window=5, min_count=3, epochs=10, workers=2, seed=1)
    for word in ("government", "australia", "fire"):
        neighbours = ", ".join(f"{w} ({s:.2f})" for w, s in model.wv.most_similar(word, topn=5))
        print(f"{word:12s} -> {neighbours}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lee.bin")
        gensim_ftx.save_facebook_model(model, path)
        reloaded = gensim_ftx.load_facebook_model(path)
        oov = "governmentalism"
        neighbours = ", ".join(w for w, _ in reloaded.wv.most_similar(oov, topn=5))
        print(f"{oov!r} is out of vocabulary; its n-grams place it near: {neighbours}")


if __name__ == "__main__":
    main()
