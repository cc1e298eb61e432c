"""Supervised training, quantisation and their files, against Facebook's ``fasttext`` on the same data."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gensim_ftx import fasttext as ftx

fasttext = pytest.importorskip("fasttext")

LOSSES = ("softmax", "ns", "hs", "ova")


def synthetic(path: Path, lines: int, seed: int, labels: int = 6, multi: bool = False) -> Path:
    """Lines whose label shows in some of their words, among noise words (a learnable, noisy task)."""
    rng = np.random.default_rng(seed)
    cue = [[f"cue{k}w{j}" for j in range(15)] for k in range(labels)]
    noise = [f"noise{j}" for j in range(300)]
    out = []
    for _ in range(lines):
        k = int(rng.integers(labels))
        tags = {k} | ({int(rng.integers(labels))} if multi and rng.random() < 0.5 else set())
        words = list(rng.choice(noise, size=int(rng.integers(4, 12))))
        for tag in tags:
            words += list(rng.choice(cue[tag], size=2))
        if rng.random() < 0.15:  # label noise
            tags = {int(rng.integers(labels))}
        rng.shuffle(words)
        out.append(" ".join([f"__label__c{t}" for t in sorted(tags)] + words))
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("supervised")
    return synthetic(root / "train.txt", 3000, 1), synthetic(root / "test.txt", 1000, 2)


def lines_of(path: Path) -> list[str]:
    return [" ".join(t for t in line.split() if not t.startswith("__label__"))
            for line in path.read_text().splitlines()]


@pytest.mark.parametrize("loss", LOSSES)
def test_trained_model_loads_in_fasttext_and_predicts_the_same(data, loss, tmp_path):
    train, test = data
    model = ftx.train_supervised(str(train), loss=loss, epoch=5, wordNgrams=2, minn=2, maxn=4, bucket=50000,
                                 thread=2, verbose=0, lr=0.5)
    labels, counts = model.get_labels(include_freq=True)
    assert set(labels) == {f"__label__c{k}" for k in range(6)} and list(counts) == sorted(counts, reverse=True)
    path = tmp_path / "model.bin"
    model.save_model(str(path))
    reference = fasttext.load_model(str(path))
    queries = lines_of(test)[:300] + ["", "unknown words only", "__label__c1"]
    ours, theirs = model.predict(queries, k=3), reference.predict(queries, k=3)
    assert ours[0] == theirs[0]
    assert all(np.array_equal(a, b) for a, b in zip(ours[1], theirs[1]))
    assert model.test(str(test)) == reference.test(str(test))
    assert reference.get_dimension() == 100 and reference.f.getArgs().loss.name == loss


@pytest.mark.parametrize("loss", ("softmax", "hs", "ova"))
def test_accuracy_equals_fasttexts_on_the_same_data(data, loss):
    train, test = data
    settings = dict(epoch=10, wordNgrams=2, verbose=0, lr=0.5, dim=20, bucket=100000)
    ours = [ftx.train_supervised(str(train), loss=loss, seed=s, thread=1, **settings).test(str(test))[1]
            for s in (1, 2)]
    # fastText with fewer than 10 threads leaves part of its input matrix uninitialised (REFERENCE.md
    # 10.2) and may stop on NaN: 10 threads fill all of it
    theirs = [fasttext.train_supervised(str(train), loss=loss, seed=s, thread=10, **settings).test(str(test))[1]
              for s in (1, 2)]
    assert min(theirs) > 0.6  # the task is learnable
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.02, (ours, theirs)


def test_one_thread_with_a_seed_is_deterministic(data):
    train, _ = data
    runs = [ftx.train_supervised(str(train), epoch=2, wordNgrams=2, bucket=20000, thread=1, seed=7, verbose=0)
            for _ in range(2)]
    assert np.array_equal(runs[0].get_input_matrix(), runs[1].get_input_matrix())
    assert np.array_equal(runs[0].get_output_matrix(), runs[1].get_output_matrix())
    other = ftx.train_supervised(str(train), epoch=2, wordNgrams=2, bucket=20000, thread=1, seed=8, verbose=0)
    assert not np.array_equal(runs[0].get_output_matrix(), other.get_output_matrix())


def test_multi_label_one_vs_all(tmp_path):
    train = synthetic(tmp_path / "train.txt", 2000, 3, multi=True)
    test = synthetic(tmp_path / "test.txt", 500, 4, multi=True)
    model = ftx.train_supervised(str(train), loss="ova", epoch=10, wordNgrams=2, thread=1, verbose=0, lr=0.5)
    reference = fasttext.train_supervised(str(train), loss="ova", epoch=10, wordNgrams=2, thread=10, verbose=0,
                                          lr=0.5)
    for k in (1, 3):
        ours, theirs = model.test(str(test), k=k), reference.test(str(test), k=k)
        assert abs(ours[1] - theirs[1]) < 0.03 and abs(ours[2] - theirs[2]) < 0.03, (k, ours, theirs)


def test_quantize_writes_an_ftz_fasttext_reads(data, tmp_path):
    train, test = data
    model = ftx.train_supervised(str(train), epoch=5, wordNgrams=2, bucket=50000, dim=16, thread=1, verbose=0)
    dense_accuracy = model.test(str(test))[1]
    model.quantize(input=str(train), cutoff=2000, retrain=True, qnorm=True, verbose=0)
    assert model.is_quantized()
    with pytest.raises(ValueError, match="quantized"):
        model.get_input_matrix()
    path = tmp_path / "model.ftz"
    model.save_model(str(path))
    reference = fasttext.load_model(str(path))
    assert reference.is_quantized()
    queries = lines_of(test)[:200]
    ours, theirs = model.predict(queries, k=2), reference.predict(queries, k=2)
    assert ours[0] == theirs[0] and all(np.array_equal(a, b) for a, b in zip(ours[1], theirs[1]))
    assert model.test(str(test))[1] > dense_accuracy - 0.05
    assert len(reference.words) <= 2000
    again = ftx.load_model(str(path))
    assert again.predict(queries, k=2)[0] == ours[0]


def test_quantize_errors(data):
    train, _ = data
    model = ftx.train_supervised(str(train), epoch=1, bucket=0, dim=8, thread=1, verbose=0)
    with pytest.raises(ValueError, match="input file path"):
        model.quantize(retrain=True, cutoff=100)
    with pytest.raises(ValueError, match="256 rows"):
        model.quantize(qout=True)  # six labels: too few rows for fastText's quantiser
    unsupervised = ftx.train_unsupervised(str(train), dim=8, epoch=1, minCount=1, thread=1, verbose=0)
    with pytest.raises(ValueError, match="supervised"):
        unsupervised.quantize()


def test_bad_training_files_give_clear_errors(tmp_path):
    unlabelled = tmp_path / "plain.txt"
    unlabelled.write_text("just words\nand more words\n")
    with pytest.raises(ValueError, match="no labels"):
        ftx.train_supervised(str(unlabelled), verbose=0)
    labels_only = tmp_path / "labels.txt"
    labels_only.write_text("__label__a\n__label__b\n")
    model = ftx.train_supervised(str(labels_only), verbose=0, epoch=1, thread=1)  # only </s>: as fastText
    assert sorted(model.labels) == ["__label__a", "__label__b"]
    with pytest.raises(ValueError, match="cannot be opened"):
        ftx.train_supervised(str(tmp_path / "missing.txt"), verbose=0)
    with pytest.raises(ValueError, match="Unrecognized loss"):
        ftx.train_supervised(str(labels_only), loss="nope", verbose=0)
    broken = tmp_path / "latin1.txt"
    broken.write_bytes(b"__label__x caf\xe9 ol\xe9\n__label__y plain words\n" * 50)
    model = ftx.train_supervised(str(broken), epoch=2, thread=1, verbose=0)
    path = tmp_path / "latin1.bin"
    model.save_model(str(path))
    assert fasttext.load_model(str(path)).get_words(on_unicode_error="replace") == \
        model.get_words(on_unicode_error="replace")


def test_autotune_searches_within_its_duration_and_fits_the_size(data, tmp_path):
    import time

    train, test = data
    start = time.perf_counter()
    model = ftx.train_supervised(str(train), autotuneValidationFile=str(test), autotuneDuration=4, thread=1,
                                 verbose=0)
    assert time.perf_counter() - start < 60
    baseline = ftx.train_supervised(str(train), thread=1, verbose=0)
    assert model.test(str(test))[1] >= baseline.test(str(test))[1] - 0.01  # the defaults are the first trial
    small = ftx.train_supervised(str(train), autotuneValidationFile=str(test), autotuneDuration=3,
                                 autotuneModelSize="150K", thread=1, verbose=0)
    path = tmp_path / "small.ftz"
    small.save_model(str(path))
    assert small.is_quantized() and path.stat().st_size <= 150_000
    assert fasttext.load_model(str(path)).predict(["cue0w1 noise3"])[0] == [list(small.predict("cue0w1 noise3")[0])]


def test_autotune_metrics_and_errors(data):
    from gensim_ftx.fasttext.autotune import Metric, parse_model_size

    assert Metric.parse("f1:__label__c1") == Metric("f1", "__label__c1")
    assert Metric.parse("precisionAtRecall:30") == Metric("precisionAtRecall", None, 0.3)
    assert Metric.parse("recallAtPrecision:0.9:__label__x") == Metric("recallAtPrecision", "__label__x", 0.9)
    assert parse_model_size("2M") == 2_000_000 and parse_model_size("500K") == 500_000
    with pytest.raises(ValueError, match="Unknown metric"):
        Metric.parse("accuracy")
    with pytest.raises(ValueError, match="model size"):
        parse_model_size("two megs")
    train, test = data
    with pytest.raises(ValueError, match="cannot be opened for validation"):
        ftx.train_supervised(str(train), autotuneValidationFile=str(test) + ".missing", verbose=0)
    with pytest.raises(ValueError, match="too small"):
        ftx.train_supervised(str(train), autotuneValidationFile=str(test), autotuneDuration=1,
                             autotuneModelSize="10K", verbose=0)
    model = ftx.train_supervised(str(train), autotuneValidationFile=str(test), autotuneDuration=2,
                                 autotuneMetric="f1:__label__c2", thread=1, verbose=0)
    assert model.test_label(str(test))["__label__c2"]["f1score"] > 0.5


def test_autotune_strategy_steps_as_fasttexts():
    """fastText's AutotuneStrategy: the given arguments first, then steps from the best whose
    spread is the start sigma for a quarter of the time and the end sigma from three quarters."""
    from gensim_ftx.fasttext.autotune import Strategy

    given = dict(epoch=5, lr=0.3, dim=100, wordNgrams=1, minn=0, maxn=0, bucket=2_000_000, loss="ns", dsub=2)
    strategy = Strategy(given, {"loss", "dim"}, seed=1)
    assert strategy.ask(0.0) == given

    def spread(progress: float) -> float:
        steps = [strategy.ask(progress)["lr"] for _ in range(3000)]
        return float(np.std(np.log2(np.asarray(steps) / given["lr"])))

    assert 1.65 < spread(0.1) < 2.0 and 1.3 < spread(0.5) < 1.55 and 0.9 < spread(0.9) < 1.1  # 1.9, 1.45, 1.0
    asked = [strategy.ask(0.6) for _ in range(500)]
    assert all(a["loss"] == "ns" and a["dim"] == 100 for a in asked)  # the caller's arguments stay
    assert {a["dsub"] for a in asked} <= {2, 4, 8, 16} and {a["minn"] for a in asked} == {0, 2, 3}
    assert all(a["maxn"] == (a["minn"] + 3 if a["minn"] else 0) for a in asked)
    assert all(a["bucket"] == 0 for a in asked if a["wordNgrams"] <= 1 and a["maxn"] == 0)
    assert all(1 <= a["epoch"] <= 100 and isinstance(a["epoch"], int) and 1 <= a["wordNgrams"] <= 5 for a in asked)
    strategy.update_best({**given, "bucket": 500_000})
    strategy.update_best({**given, "bucket": 0, "minn": 3, "maxn": 6})
    assert strategy.best_nonzero_bucket == 500_000  # buckets step from the last nonzero best
    assert strategy.best_minn_index == 2
    unsupervised = Strategy({**given, "loss": "hs"}, set(), seed=2)
    unsupervised.ask(0.0)
    assert unsupervised.ask(0.5)["loss"] == "softmax"  # fastText searches softmax unless loss was given


def test_pretrained_vectors_start_the_words_rows(data, tmp_path):
    train, test = data
    vec = tmp_path / "pre.vec"
    vec.write_text("3 4\ncue0w1 1 2 3 4\nbrandnewword 0.5 0.5 0.5 0.5\nnoise1 -1 0 1 0\n")
    model = ftx.train_supervised(str(train), dim=4, epoch=0, pretrainedVectors=str(vec), thread=1, verbose=0)
    assert "brandnewword" in model.words  # fastText adds every pretrained word to the dictionary
    rows = model.get_input_matrix()
    assert np.array_equal(rows[model.get_word_id("cue0w1")], [1, 2, 3, 4])
    assert np.array_equal(rows[model.get_word_id("noise1")], [-1, 0, 1, 0])
    with pytest.raises(ValueError, match="dimension 4, but dim is 5"):
        ftx.train_supervised(str(train), dim=5, pretrainedVectors=str(vec), verbose=0)


@pytest.mark.parametrize("text, message", [
    ("", "starts with '<count> <dim>'"),
    ("two 4\nw 1 2 3 4\n", "starts with '<count> <dim>'"),
    ("3 4\nw 1 2 3 4\n", "holds fewer"),
    ("1 4\nw 1 2 x 4\n", "not a number"),
    ("1 4\nw 1 2 nan 4\n", "NaN or infinity"),
])
def test_bad_pretrained_vectors_are_named(data, tmp_path, text, message):
    train, _ = data
    vec = tmp_path / "bad.vec"
    vec.write_text(text)
    with pytest.raises(ValueError, match=message) as raised:
        ftx.train_supervised(str(train), dim=4, pretrainedVectors=str(vec), thread=1, verbose=0)
    assert str(vec) in str(raised.value)
