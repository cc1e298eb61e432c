"""The per-partition functions behind the Dask integration (usable from Spark or Ray): results equal
fastText's, bad rows named, models cached per process, corpus counting split anywhere equal to one pass."""
from __future__ import annotations

import gzip
import http.server
import os
import pickle
import random
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gensim_ftx import FastText, partitions
from gensim_ftx.partitions import (
    VocabularyCounts,
    cached_model,
    count_file_block,
    count_partition,
    file_blocks,
    merge_counts,
    model_header,
    predict_partition,
    sentence_vectors_partition,
    word_vectors_partition,
)
from gensim_ftx.text._counts import TokenCounter, count_words

CLASSIFIER = "sup_many_labels"


def _texts(trained, n: int = 200) -> list[str]:
    """Lines of the model's corpus without their labels (a few hundred real texts)."""
    with open(trained.corpus, encoding="utf-8", errors="replace") as corpus:
        lines = corpus.read().splitlines()[:n]
    return [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in lines]


def test_predict_partition_equals_fasttext(trained_model):
    trained = trained_model(CLASSIFIER)
    texts = _texts(trained)
    series = pd.Series(texts, index=[f"doc{i}" for i in range(len(texts))])
    frame = predict_partition(series, trained.path, k=3)
    assert list(frame.columns) == ["label_1", "label_2", "label_3", "prob_1", "prob_2", "prob_3"]
    assert list(frame.index) == list(series.index)
    assert frame["prob_1"].dtype == np.float32
    labels, probs = trained.reference.predict(texts, k=3)
    assert frame[["label_1", "label_2", "label_3"]].values.tolist() == [list(row) for row in labels]
    np.testing.assert_array_equal(frame[["prob_1", "prob_2", "prob_3"]].to_numpy(),
                                  np.asarray(probs, dtype=np.float32))


def test_predict_partition_threshold_and_layouts(trained_model):
    trained = trained_model(CLASSIFIER)
    texts = _texts(trained, 50)
    labels, probs = trained.reference.predict(texts, k=-1, threshold=0.05)
    wide = predict_partition(texts, trained.path, k=-1, threshold=0.05)
    nlabels = len(trained.reference.labels)
    assert wide.shape == (len(texts), 2 * nlabels)
    for i, (row_labels, row_probs) in enumerate(zip(labels, probs)):
        n = len(row_labels)
        assert wide.iloc[i, :n].tolist() == list(row_labels)
        np.testing.assert_array_equal(wide.iloc[i, nlabels:nlabels + n].to_numpy(dtype=np.float32),
                                      np.asarray(row_probs, dtype=np.float32))
        assert wide.iloc[i, n:nlabels].isna().all()  # fewer labels than k: None, then NaN probabilities
        assert np.isnan(wide.iloc[i, nlabels + n:].to_numpy(dtype=np.float32)).all()
    lists = predict_partition(texts, trained.path, k=-1, threshold=0.05, layout="lists")
    assert list(lists.columns) == ["labels", "probs"]
    assert lists["labels"].tolist() == [list(row) for row in labels]
    for got, want in zip(lists["probs"], probs):
        np.testing.assert_array_equal(np.asarray(got, dtype=np.float32), np.asarray(want, dtype=np.float32))
    with pytest.raises(ValueError, match="layout"):
        predict_partition(texts, trained.path, layout="tall")


def test_quantized_model_and_bytes_and_newlines(trained_model):
    trained = trained_model("sup_quant_qnorm")
    texts = _texts(trained, 40)
    frame = predict_partition(texts, trained.path, k=2)
    labels, _ = trained.reference.predict(texts, k=2)
    assert frame[["label_1", "label_2"]].values.tolist() == [list(row) for row in labels]
    # bytes are scored as they are; a newline inside a text reads as a space (one text, one example)
    as_bytes = predict_partition([t.encode("utf-8") for t in texts], trained.path, k=2)
    pd.testing.assert_frame_equal(as_bytes, frame)
    split = predict_partition([t.replace(" ", "\n", 1) for t in texts], trained.path, k=2)
    pd.testing.assert_frame_equal(split, frame)
    raw = predict_partition([b"caf\xe9 \xff\xfe bad bytes"], trained.path, k=1)  # invalid UTF-8: scored
    assert raw["label_1"].iloc[0] in trained.reference.labels


@pytest.mark.parametrize("bad, problem", [
    (None, "missing text"), (float("nan"), "missing text"), (pd.NA, "missing text"),
    (42, "expected str or bytes, got int"), ("bad \udcff surrogate", "text is not valid Unicode"),
])
def test_bad_rows_name_partition_and_row(trained_model, bad, problem):
    trained = trained_model(CLASSIFIER)
    series = pd.Series(["good text", bad, "more"], index=["a", "b", "c"], dtype=object)
    with pytest.raises(ValueError, match=rf"partition 7, row 'b': {problem}"):
        predict_partition(series, trained.path, partition=7)
    with pytest.raises(ValueError, match=rf"row 1: {problem}"):
        sentence_vectors_partition(series.tolist(), trained.path)


def test_vectors_equal_fasttext(trained_model):
    for name in (CLASSIFIER, "sg_ns"):
        trained = trained_model(name)
        texts = _texts(trained, 30)
        vectors = sentence_vectors_partition(pd.Series(texts), trained.path)
        assert vectors.dtype == np.float32 and vectors.shape == (30, trained.reference.get_dimension())
        want = np.stack([trained.reference.get_sentence_vector(t) for t in texts])
        np.testing.assert_array_equal(vectors, want)
        words = ["the", "qwertzuiop", "café", "日本語"]
        np.testing.assert_array_equal(word_vectors_partition(words, trained.path),
                                      np.stack([trained.reference.get_word_vector(w) for w in words]))


def test_header_and_cache(trained_model, tmp_path):
    trained = trained_model(CLASSIFIER)
    header = model_header(trained.path)
    assert header.supervised and header.nlabels == len(trained.reference.labels)
    assert header.dim == trained.reference.get_dimension()
    copy = tmp_path / "model.bin"
    shutil.copyfile(trained.path, copy)
    first = cached_model(copy)
    assert cached_model(str(copy)) is first  # loaded once a process
    other = trained_model("sup_softmax")
    shutil.copyfile(other.path, copy)  # replaced: a new modification time and size, a new model
    os.utime(copy, ns=(0, 1))
    second = cached_model(copy)
    assert second is not first and len(second.labels) == len(other.reference.labels)
    with pytest.raises(FileNotFoundError):
        cached_model(tmp_path / "missing.bin")
    with pytest.raises(ValueError, match="not a classifier"):
        predict_partition(["text"], trained_model("sg_ns").path)


def test_model_from_url_is_downloaded_once(trained_model, tmp_path, monkeypatch):
    trained = trained_model(CLASSIFIER)
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(trained.path, served / "model.bin")
    (served / "model.bin.gz").write_bytes(gzip.compress(Path(trained.path).read_bytes()))
    requests = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(partitions.CACHE_ENV, str(tmp_path / "cache"))
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/model.bin"
        texts = _texts(trained, 20)
        frame = predict_partition(texts, url, k=2)
        pd.testing.assert_frame_equal(frame, predict_partition(texts, trained.path, k=2))
        assert model_header(url).nlabels == len(trained.reference.labels)
        partitions._models.clear()  # a new process on the same machine: the copy on disk serves it
        downloads = requests.count("/model.bin")
        predict_partition(texts, url, k=2)
        assert requests.count("/model.bin") - downloads <= 1  # a header read at most, not the model
        cached = [p for p in os.listdir(tmp_path / "cache") if p.endswith(".bin")]
        assert len(cached) == 1 and not [p for p in os.listdir(tmp_path / "cache") if p.endswith(".part")]
        # a compressed model is decompressed on its way into the cache
        pd.testing.assert_frame_equal(predict_partition(texts, url + ".gz", k=2), frame)
        assert len([p for p in os.listdir(tmp_path / "cache") if p.endswith(".bin")]) == 2
    finally:
        server.shutdown()


# -- counting -------------------------------------------------------------------------------------

def _counts(counter: TokenCounter) -> tuple:
    words, counts, ntokens = counter.result()
    return words, counts.tolist(), ntokens, counter.nlines


def test_blocks_anywhere_equal_one_pass(tmp_path):
    """Random texts of words, separators, CRLF, invalid UTF-8; random block and read sizes."""
    rng = random.Random(5)
    path = tmp_path / "corpus.txt"
    for _ in range(300):
        data = bytes(rng.choice(b"ab \n\t\xff\rc\x00") for _byte in range(rng.randint(0, 80)))
        path.write_bytes(data)
        words, counts, ntokens = count_words(path)
        lines = data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))
        blocks = file_blocks([path], rng.randint(1, 25))
        merged = merge_counts([pickle.loads(pickle.dumps(count_file_block(*b, chunk=rng.randint(1, 9))))
                               for b in blocks])
        assert _counts(merged) == (words, counts.tolist(), ntokens, lines), (data, blocks)


def test_counting_a_real_corpus_in_blocks(tmp_path):
    from gensim.test.utils import datapath

    source = open(datapath("lee_background.cor"), "rb").read()
    path = tmp_path / "one_line.txt"
    path.write_bytes(source.replace(b"\n", b" "))  # one long line, as text8: blocks split it anyway
    for corpus in (datapath("lee_background.cor"), path):
        words, counts, ntokens = count_words(corpus)
        blocks = file_blocks([corpus], 4096)
        assert len(blocks) > 20
        merged = merge_counts([count_file_block(*b) for b in blocks])
        assert merged.result()[0] == words and merged.result()[1].tolist() == counts.tolist()
        assert merged.ntokens == ntokens


def test_count_partition_of_lines():
    lines = ["a b a\n", "c", "\u00e9t\u00e9 a"]
    counted = VocabularyCounts.from_counter(merge_counts([count_partition(lines[:2]), count_partition(lines[2:])]))
    assert counted.word_freq == {"a": 3, "b": 1, "</s>": 3, "c": 1, "\u00e9t\u00e9": 1}
    assert (counted.ntokens, counted.nlines) == (9, 3)
    raw = VocabularyCounts.from_counter(count_partition([b"\xff ok", b"__label__x ok"], eos=False))
    assert raw.word_freq == {b"\xff": 1, "ok": 2, "__label__x": 1}  # not UTF-8: its bytes
    assert raw.labels() == {"__label__x": 1}
    with pytest.raises(ValueError, match="partition 3, row 1: missing text"):
        count_partition(["fine", None], partition=3)
    with pytest.raises(ValueError, match="eos"):
        TokenCounter(eos=True).merge(TokenCounter(eos=False))


@pytest.mark.parametrize("text", [b"__label__a x y\n__label__b x \xff\n" * 40, b"x y z " * 300])
def test_vocabulary_from_counts_equals_build_vocab(tmp_path, text):
    """Counted elsewhere, built with build_vocab_from_freq: the same vocabulary, labels, token total
    and, trained on one thread with the same seed, the same vectors."""
    path = tmp_path / "corpus.txt"
    path.write_bytes(text)
    params = dict(vector_size=8, min_count=1, epochs=2, workers=1, seed=3, bucket=1000, semantics="fasttext")
    local = FastText(**params)
    local.build_vocab(corpus_file=str(path))
    counts = VocabularyCounts.from_counter(merge_counts([count_file_block(*b) for b in file_blocks([path], 50)]))
    remote = FastText(**params)
    remote.build_vocab_from_freq(counts)
    assert remote.wv.index_to_key == local.wv.index_to_key
    assert remote.wv.expandos["count"].tolist() == local.wv.expandos["count"].tolist()
    assert remote.wv.raw_keys == local.wv.raw_keys
    assert (remote.labels, remote.corpus_count) == (local.labels, local.corpus_count)
    assert remote.corpus_total_words == local.corpus_total_words == remote.fasttext_ntokens
    for model in (local, remote):
        model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=model.epochs)
    np.testing.assert_array_equal(remote.wv.vectors_vocab, local.wv.vectors_vocab)
    np.testing.assert_array_equal(remote.wv.vectors_ngrams, local.wv.vectors_ngrams)
