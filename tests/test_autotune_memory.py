"""Memory and robustness of autotune and quantisation: a search holds one trial's model at a time,
a trial whose quantiser has too few rows is skipped (the search goes on), wide sub-vectors
quantise, and a classifier's untouched n-gram buckets cost no memory."""
from __future__ import annotations

import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

from gensim_ftx import fasttext as ftx
from gensim_ftx.fasttext import autotune as autotune_module
from gensim_ftx.fasttext import supervised_training as supervised_module
from gensim_ftx.fasttext.autotune import Strategy
from gensim_ftx.quantize import TooFewRowsError


def small_vocabulary(path: Path, lines: int, seed: int) -> Path:
    """Three labels over 60 words: fewer than the quantiser's 256 rows without n-gram buckets."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(lines):
        k = int(rng.integers(3))
        words = [f"w{int(j)}" for j in rng.integers(0, 45, size=int(rng.integers(3, 8)))]
        words += [f"cue{k}x{int(j)}" for j in rng.integers(0, 5, size=2)]
        rng.shuffle(words)
        out.append(f"__label__c{k} " + " ".join(words))
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("autotune-memory")
    return small_vocabulary(root / "train.txt", 600, 1), small_vocabulary(root / "valid.txt", 200, 2)


def test_quantize_with_too_few_rows_is_a_clear_value_error_and_changes_nothing(files):
    train, _ = files
    model = ftx.train_supervised(str(train), dim=10, epoch=2, thread=1, verbose=0)  # bucket 0: ~60 rows
    rows = len(model.get_words())
    with pytest.raises(ValueError, match=rf"at least 256 rows: the model has {rows} input rows"):
        model.quantize(dsub=2)
    wide = ftx.train_supervised(str(train), dim=10, epoch=2, wordNgrams=2, bucket=1000, thread=1, verbose=0)
    with pytest.raises(TooFewRowsError, match=r"cutoff=100 keeps 100 input rows"):
        wide.quantize(cutoff=100, retrain=True, input=str(train))
    with pytest.raises(ValueError, match=r"output matrix \(qout=True\) has 3 rows"):
        wide.quantize(cutoff=500, qout=True)
    assert not wide.is_quantized() and wide.get_input_matrix().shape == (len(wide.get_words()) + 1000, 10)
    assert wide.predict("w1 cue0x1")[0][0].startswith("__label__")


def test_wide_subvectors_quantize_as_fasttext_reads_them(files, tmp_path):
    """dsub up to 16 (autotune's range) and wider than the dimension."""
    fasttext = pytest.importorskip("fasttext")
    train, _ = files
    for dim, dsub in ((20, 16), (10, 16), (12, 8)):
        model = ftx.train_supervised(str(train), dim=dim, epoch=2, wordNgrams=2, bucket=1000, thread=1, verbose=0)
        model.quantize(cutoff=600, dsub=dsub, qnorm=True)
        path = tmp_path / f"wide-{dim}-{dsub}.ftz"
        model.save_model(str(path))
        reference = fasttext.load_model(str(path))
        line = "w3 w7 cue1x2 w11"
        labels, probs = reference.predict([line], k=3)  # fastText's list form (its one-line form needs numpy 1)
        assert tuple(labels[0]) == model.predict(line, k=3)[0]
        assert np.allclose(probs[0], model.predict(line, k=3)[1], atol=1e-5)


def _seed_whose_second_trial_has_buckets(given: dict, manual: set) -> int:
    """A seed whose second trial (drawn early, at the start sigma) uses n-gram buckets."""
    for seed in range(100):
        strategy = Strategy(given, manual, seed)
        strategy.ask(0.0)
        if strategy.ask(0.01)["bucket"] > 0:
            return seed
    raise AssertionError("no seed in 0..99 gives a second trial with buckets")


def test_autotune_with_a_model_size_skips_trials_the_quantiser_cannot_train(files, tmp_path, caplog):
    """The first trial (no buckets) has ~60 input rows: it is skipped, and the search goes on."""
    train, valid = files
    fixed = dict(epoch=5, lr=0.5, dim=10, bucket=20000)
    given = dict(fixed, wordNgrams=1, minn=0, maxn=0, loss="softmax", dsub=2)
    seed = _seed_whose_second_trial_has_buckets(given, set(fixed))
    caplog.set_level("INFO", logger="gensim_ftx.fasttext.autotune")
    model = ftx.train_supervised(str(train), autotuneValidationFile=str(valid), autotuneDuration=3,
                                 autotuneModelSize="100K", thread=1, verbose=0, seed=seed, **fixed)
    assert "autotune trial 1 skipped: Matrix too small for quantization" in caplog.text
    path = tmp_path / "tuned.ftz"
    model.save_model(str(path))
    assert model.is_quantized() and path.stat().st_size <= 100_000
    assert model.test(str(valid))[1] > 0.5


def test_autotune_holds_one_trials_model_at_a_time(files, monkeypatch):
    """When a trial starts training, no earlier trial's model is alive (no gc pass needed), and
    once the search returns only the final model is."""
    train, valid = files
    trained, alive_at_start = [], []
    real = autotune_module.supervised_model

    def recording(*args):
        alive_at_start.append(sum(ref() is not None for ref in trained))
        model = real(*args)
        trained.append(weakref.ref(model))
        return model

    monkeypatch.setattr(autotune_module, "supervised_model", recording)  # the trials
    monkeypatch.setattr(supervised_module, "supervised_model", recording)  # the final training
    result = ftx.train_supervised(str(train), autotuneValidationFile=str(valid), autotuneDuration=2, dim=10,
                                  epoch=2, thread=1, verbose=0)
    assert len(trained) >= 3  # at least two trials and the final model
    assert alive_at_start == [0] * len(trained)
    assert [ref() is not None for ref in trained] == [False] * (len(trained) - 1) + [True]
    assert trained[-1]() is result.gensim_model


def test_sklearn_refit_drops_the_previous_model_first(files, monkeypatch):
    pytest.importorskip("sklearn")
    import gensim_ftx.fasttext as package
    from gensim_ftx.sklearn import FastTextClassifier

    lines = Path(files[0]).read_text().splitlines()
    texts = [line.split(" ", 1)[1] for line in lines]
    labels = [line.split(" ", 1)[0][9:] for line in lines]
    estimator = FastTextClassifier(dim=10, epoch=2, thread=1).fit(texts, labels)
    previous = weakref.ref(estimator.model_.gensim_model)
    seen = []
    real = package.train_supervised

    def recording(*args, **kwargs):
        seen.append(previous() is None)
        return real(*args, **kwargs)

    monkeypatch.setattr(package, "train_supervised", recording)
    estimator.fit(texts, labels)
    assert seen == [True]
    assert estimator.score(texts, labels) > 0.5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_untouched_buckets_of_a_classifier_cost_no_memory(files):
    """2M buckets x dim 100 is 800 MB of rows; a tiny file writes a few of them and the
    initialisation a tenth (one thread), so the process grows by far less than the matrix."""
    def rss_mb() -> float:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

    train, _ = files
    before = rss_mb()
    model = ftx.train_supervised(str(train), wordNgrams=2, epoch=1, thread=1, verbose=0)
    grown = rss_mb() - before
    assert model.gensim_model.wv.vectors_ngrams.shape == (2_000_000, 100)
    assert grown < 400, f"training grew the process by {grown:.0f} MB for a matrix of 800 MB mostly never written"
