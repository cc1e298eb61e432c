"""gensim_ftx in one minute: train fastText vectors on gensim's Lee corpus, query them, and round-trip
them through Facebook's ``.bin`` format.

    python examples/quickstart.py        # a short, readable result
    python examples/quickstart.py -v     # with gensim's and gensim_ftx's log

The corpus (about 300 news articles, 60k words) is tokenised with gensim's ``simple_preprocess``
(lowercase, punctuation dropped), so neighbours are other words, not the same word with a comma.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time

from gensim.models.callbacks import CallbackAny2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

import gensim_ftx

EPOCHS = 10


class ProgressBar(CallbackAny2Vec):
    """A one-line progress bar on stderr, one step an epoch."""

    def __init__(self, epochs: int, stream=sys.stderr):
        self.epochs, self.done, self.stream = epochs, 0, stream

    def on_epoch_end(self, model) -> None:
        self.done += 1
        filled = 30 * self.done // self.epochs
        self.stream.write(f"\rtraining [{'#' * filled}{'.' * (30 - filled)}] epoch {self.done}/{self.epochs}")
        if self.done == self.epochs:
            self.stream.write("\n")
        self.stream.flush()


def read_corpus() -> list[list[str]]:
    with open(datapath("lee_background.cor"), encoding="utf-8") as src:
        return [simple_preprocess(line) for line in src]


def show(title: str, pairs) -> None:
    print(f"  {title:18s} " + ", ".join(f"{word} {score:.2f}" for word, score in pairs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="show gensim's and gensim_ftx's INFO log")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        level=logging.INFO if args.verbose else logging.WARNING)

    sentences = read_corpus()
    words = sum(len(s) for s in sentences)
    print(f"Lee corpus: {len(sentences)} articles, {words:,} words, tokenised with simple_preprocess")
    start = time.perf_counter()
    # bucket: 200,000 n-gram rows are plenty for 3,000 words (gensim's default is 2,000,000)
    model = gensim_ftx.FastText(vector_size=64, window=5, min_count=3, sg=1, epochs=EPOCHS, workers=2, seed=1,
                                bucket=200_000)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=EPOCHS, callbacks=[ProgressBar(EPOCHS)])
    trained = time.perf_counter() - start
    print(f"trained skip-gram, {len(model.wv):,} words x 64 dims, in {trained:.1f} s\n")

    print("nearest neighbours (cosine):")
    for word in ("government", "police", "fire", "afghanistan"):
        show(word, model.wv.most_similar(word, topn=5))
    print("\nout-of-vocabulary words, built from their character n-grams:")
    for word in ("governmentalism", "goverment", "firefighting"):
        assert word not in model.wv.key_to_index
        show(word, model.wv.most_similar(word, topn=4))
    print("\nanalogy  sydney - australia + afghanistan:")
    show("", model.wv.most_similar(positive=["sydney", "afghanistan"], negative=["australia"], topn=4))

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lee.bin")
        begin = time.perf_counter()
        gensim_ftx.save_facebook_model(model, path)
        saved = time.perf_counter() - begin
        begin = time.perf_counter()
        reloaded = gensim_ftx.load_facebook_model(path)
        loaded = time.perf_counter() - begin
        same = bool((reloaded.wv["governmentalism"] == model.wv["governmentalism"]).all())
        print(f"\nsaved as fastText .bin ({os.path.getsize(path) / 2**20:.0f} MiB) in {saved:.2f} s, "
              f"loaded back in {loaded:.2f} s; same vectors: {same}")
        try:
            import fasttext
        except ImportError:
            print("(install the fasttext package to check the file with Facebook's own reader)")
        else:
            reference = fasttext.load_model(path)
            gap = abs(reference.get_word_vector("governmentalism") - model.wv["governmentalism"]).max()
            print(f"Facebook's fasttext reads it: largest difference of an OOV vector {gap:.1e}")
    print(f"\ndone in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
