"""gensim_ftx.dask on a real cluster (dask.distributed.LocalCluster, two worker processes): results
equal the single-process calls element for element, a killed worker is retried, bad rows are named."""
from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

from gensim_ftx import dask as ftx_dask  # noqa: E402
from gensim_ftx.partitions import predict_partition, sentence_vectors_partition, word_vectors_partition  # noqa: E402
from gensim_ftx.text._counts import count_words  # noqa: E402

CLASSIFIER = "sup_many_labels"


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client


def _texts(trained, n: int = 600) -> list[str]:
    with open(trained.corpus, encoding="utf-8", errors="replace") as corpus:
        lines = corpus.read().splitlines()
    lines = (lines * (n // len(lines) + 1))[:n]
    return [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in lines]


def test_predict_equals_local(client, trained_model, tmp_path):
    trained = trained_model(CLASSIFIER)
    texts = pd.Series(_texts(trained), index=[f"doc{i:04d}" for i in range(600)])
    series = dd.from_pandas(texts, npartitions=5)
    result = ftx_dask.predict(series, trained.path, k=2)
    assert isinstance(result, dd.DataFrame) and result.npartitions == 5
    got = result.compute()
    # dask turns the object index into pandas' string dtype on the way in: same labels, another dtype
    pd.testing.assert_frame_equal(got, predict_partition(texts, trained.path, k=2), check_index_type=False)
    assert got.index.tolist() == texts.index.tolist()
    labels, probs = trained.reference.predict(texts.tolist(), k=2)
    assert got[["label_1", "label_2"]].values.tolist() == [list(row) for row in labels]
    np.testing.assert_array_equal(got[["prob_1", "prob_2"]].to_numpy(), np.asarray(probs, dtype=np.float32))

    result.to_parquet(tmp_path / "wide")  # typed columns: Dask writes them without computing first
    back = pd.read_parquet(tmp_path / "wide")
    assert back["label_1"].tolist() == got["label_1"].tolist() and back["prob_2"].dtype == np.float32

    bag = db.from_sequence(texts.tolist(), npartitions=4)
    lists = ftx_dask.predict(bag, trained.path, k=-1, threshold=0.1, layout="lists").compute()
    want = predict_partition(texts.tolist(), trained.path, k=-1, threshold=0.1, layout="lists")
    assert lists["labels"].tolist() == want["labels"].tolist()
    assert lists["probs"].tolist() == want["probs"].tolist()
    ftx_dask.predict(bag, trained.path, k=3, layout="lists").to_parquet(tmp_path / "lists")
    import pyarrow.parquet as pq  # pandas 3.1 cannot read back the pandas metadata of Arrow list columns

    written = pq.read_table(tmp_path / "lists").to_pydict()
    assert len(written["labels"]) == 600 and max(map(len, written["labels"])) == 3


def test_vectors_equal_local(client, trained_model):
    for name in (CLASSIFIER, "sg_ns"):
        trained = trained_model(name)
        texts = _texts(trained, 300)
        series = dd.from_pandas(pd.Series(texts), npartitions=3)
        vectors = ftx_dask.sentence_vectors(series, trained.path)
        assert isinstance(vectors, da.Array) and vectors.dtype == np.float32
        assert np.isnan(vectors.shape[0]) and vectors.shape[1] == trained.reference.get_dimension()
        np.testing.assert_array_equal(vectors.compute(), sentence_vectors_partition(texts, trained.path))
        words = texts[0].split() + ["qwertzuiop", "café", "日本語", ""]
        array = ftx_dask.word_vectors(db.from_sequence(words, npartitions=3), trained.path, lengths=True)
        assert array.shape == (len(words), trained.reference.get_dimension())  # lengths=True: known chunks
        np.testing.assert_array_equal(array.compute(), word_vectors_partition(words, trained.path))
        np.testing.assert_array_equal(array[-4:].compute(),
                                      np.stack([trained.reference.get_word_vector(w) for w in words[-4:]]))


def test_count_vocabulary_equals_local(client, tmp_path):
    from gensim.test.utils import datapath

    corpus = datapath("lee_background.cor")
    words, counts, ntokens = count_words(corpus)
    for source in (corpus, [corpus]):
        counted = ftx_dask.count_vocabulary(source, blocksize=16384, split_every=3).compute()
        assert counted.words == words and counted.counts.tolist() == counts.tolist()
        assert counted.ntokens == ntokens and counted.nlines == 300
    # A collection's elements are lines, each with its </s>: as a file that ends with a newline
    # (this one does not, so its last line has no </s> in fastText's count).
    ended = tmp_path / "ended.txt"
    ended.write_bytes(open(corpus, "rb").read() + b"\n")
    words, counts, ntokens = count_words(ended)
    for source in (db.read_text(str(corpus), blocksize=20000), dd.from_pandas(pd.Series(
            open(corpus, encoding="utf-8").read().split("\n")), npartitions=4)):
        counted = ftx_dask.count_vocabulary(source, split_every=2).compute()
        assert counted.words == words and counted.counts.tolist() == counts.tolist()
        assert counted.ntokens == ntokens and counted.nlines == 300
    # two files, a glob, one compressed: files in order, as one stream
    import gzip

    files = tmp_path / "files"
    files.mkdir()
    (files / "a.txt").write_bytes(b"x y\nz")
    with gzip.open(files / "b.txt.gz", "wb") as out:
        out.write(b" y w\n")
    counted = ftx_dask.count_vocabulary(str(files / "*"), blocksize=2).compute()
    assert dict(zip(counted.words, counted.counts.tolist())) == {b"x": 1, b"y": 2, b"</s>": 2, b"z": 1, b"w": 1}
    with pytest.raises(FileNotFoundError, match="no file matches"):
        ftx_dask.count_vocabulary(str(tmp_path / "nothing*"))


def test_bad_rows_fail_naming_the_partition(client, trained_model):
    trained = trained_model(CLASSIFIER)
    texts = pd.Series(["fine", "also fine", None, "ok"], index=list("abcd"), dtype=object)
    series = dd.from_pandas(texts, npartitions=2)
    with pytest.raises(ValueError, match=r"partition 1, row 'c': missing text"):
        ftx_dask.predict(series, trained.path).compute()
    with pytest.raises(ValueError, match=r"partition 1, row 0: expected str or bytes, got int"):
        ftx_dask.sentence_vectors(db.from_sequence(["a", "b", 3], npartitions=2), trained.path).compute()
    with pytest.raises(TypeError, match="one column"):
        ftx_dask.predict(dd.from_pandas(pd.DataFrame({"t": ["x"]}), npartitions=1), trained.path)


def test_killed_worker_is_retried(trained_model):
    """A worker process killed while partitions are being scored: Dask reruns its tasks elsewhere
    (its nanny restarts it) and the result is complete and equal."""
    trained = trained_model(CLASSIFIER)
    texts = pd.Series(_texts(trained, 2000))

    def slow(part):  # long enough tasks that the kill lands mid-computation
        time.sleep(0.3)
        return part

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        series = dd.from_pandas(texts, npartitions=16).map_partitions(slow, meta=texts.iloc[:0])
        future = client.compute(ftx_dask.predict(series, trained.path, k=3))
        deadline = time.time() + 60
        while not any(client.processing().values()) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        pids = client.run(os.getpid)
        victim = sorted(pids)[0]
        assert not future.done()  # the kill lands mid-computation
        os.kill(pids[victim], signal.SIGKILL)
        result = future.result(timeout=120)
        assert future.status == "finished"
        assert pids[victim] not in client.run(os.getpid).values()  # the worker did die
    pd.testing.assert_frame_equal(result, predict_partition(texts, trained.path, k=3))
