"""Every build of the kernels this machine can run gives fastText's predictions bit for bit.

A portable installation holds one build of the vectorised modules per instruction-set level and
loads the best one the CPU supports (``gensim_ftx.kernels``); ``GENSIM_FTX_KERNELS`` caps it. Each
level runs here in its own interpreter, forced by that variable: it must load its own files and
rank labels with exactly the probabilities fastText (and so every other level) computes, since the
scorer adds and multiplies in fastText's order on every level. Training and composed word vectors
may round differently from level to level (their sums are vectorised), so those compare closely.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import gensim_ftx
from gensim_ftx import fasttext as ftx
from gensim_ftx import kernels

RUNNABLE = [level for level in kernels.built_levels() if level == "native" or level in kernels.supported_levels()]
LINES = ["the soup needs more salt", "how long do I bake bread", "unknownish wordz here", "", "bread bread soup"]

PROBE = """
import json, sys
import gensim_ftx
from gensim_ftx import fasttext, kernels
import gensim_ftx.train._kernels as k, gensim_ftx.predict._scorer as s
model = fasttext.load_model(sys.argv[1])
labels, probs = model.predict(json.loads(sys.argv[2]), k=3)
print(json.dumps({"level": kernels.kernel_level(), "files": [k.__file__, s.__file__],
                  "labels": [list(row) for row in labels], "probs": [[float(p).hex() for p in row] for row in probs],
                  "vector": model.get_word_vector("breadsoupish").tolist()}))
"""


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = tmp_path_factory.mktemp("levels")
    rng = np.random.default_rng(0)
    words = {"__label__soup": ["soup", "salt", "broth", "onion"], "__label__bread": ["bread", "bake", "flour", "yeast"],
             "__label__cake": ["cake", "sugar", "icing", "bake"]}
    with open(folder / "train.txt", "w") as out:
        for _ in range(300):
            label = rng.choice(sorted(words))
            out.write(f"{label} {' '.join(rng.choice(words[label], 6))} the a\n")
    model = ftx.train_supervised(str(folder / "train.txt"), epoch=5, wordNgrams=2, minn=2, maxn=4, bucket=2000,
                                 dim=16, thread=1, seed=1, verbose=0)
    path = folder / "model.bin"
    model.save_model(str(path))
    labels, probs = model.predict(LINES, k=3)
    return path, [list(row) for row in labels], [[float(p).hex() for p in row] for row in probs], \
        model.get_word_vector("breadsoupish")


def probe(level: str, path) -> dict:
    env = dict(os.environ, **{kernels.ENVIRONMENT: level})
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), json.dumps(LINES)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("level", kernels.LEVELS)
def test_each_level_predicts_fasttexts_bits(classifier, level):
    if kernels.built_levels() == ("native",):
        pytest.skip("a -march=native build holds one level only")
    if level not in RUNNABLE:
        pytest.skip(f"this CPU cannot run {level} kernels (it runs {', '.join(RUNNABLE)})")
    path, labels, probs, vector = classifier
    seen = probe(level, path)
    assert seen["level"] == level
    for file in seen["files"]:  # the level's own builds were loaded
        name = os.path.basename(file).split(".")[0]
        assert name.endswith(f"_{level}") if level != "baseline" else name in ("_kernels", "_scorer")
    assert seen["labels"] == labels
    assert seen["probs"] == probs
    np.testing.assert_allclose(seen["vector"], vector, rtol=0, atol=1e-6)


def test_the_best_supported_level_is_chosen():
    if os.environ.get(kernels.ENVIRONMENT):
        pytest.skip(f"{kernels.ENVIRONMENT} is set")
    assert kernels.kernel_level() == RUNNABLE[-1]


@pytest.fixture
def machine(monkeypatch):
    """A portable installation of every level on a CPU that runs baseline and avx2 only."""
    monkeypatch.setattr(kernels, "built_levels", lambda: kernels.LEVELS)
    monkeypatch.setattr(kernels, "supported_levels", lambda: ("baseline", "avx2"))
    return monkeypatch


@pytest.mark.parametrize("wanted, level, warns", [
    ("", "avx2", None), ("baseline", "baseline", None), ("AVX2", "avx2", None),
    ("avx512", "avx2", "this CPU or installation cannot run it"), ("sse9", "avx2", "is not a kernel level")])
def test_the_environment_caps_the_level_and_never_goes_above_the_cpu(machine, wanted, level, warns):
    machine.setenv(kernels.ENVIRONMENT, wanted)
    if warns:
        with pytest.warns(RuntimeWarning, match=warns):
            chosen, _ = kernels.choose_level()
    else:
        chosen, note = kernels.choose_level()
        assert (note is not None) == (wanted.lower() == "baseline")
    assert chosen == level


def test_show_config_reports_the_level(capsys):
    report = gensim_ftx.show_config(mode="dicts")
    assert report["gensim_ftx"]["version"] == gensim_ftx.__version__
    assert report["kernels"]["level"] == kernels.kernel_level()
    assert report["dependencies"]["numpy"] == np.__version__
    assert gensim_ftx.show_config() is None
    printed = capsys.readouterr().out
    assert f"level:           {kernels.kernel_level()}" in printed and "gensim:" in printed
    with pytest.raises(ValueError, match="mode must be"):
        gensim_ftx.show_config(mode="json")


def test_a_native_build_says_the_environment_has_no_effect(monkeypatch):
    monkeypatch.setattr(kernels, "built_levels", lambda: ("native",))
    monkeypatch.setenv(kernels.ENVIRONMENT, "baseline")
    with pytest.warns(RuntimeWarning, match="has no effect"):
        assert kernels.choose_level() == ("native", None)
