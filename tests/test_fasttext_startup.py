"""The ``fasttext`` face starts without gensim, scipy or smart_open (they cost ~1 s to import):
a fresh interpreter that imports it, loads a ``.bin`` or ``.ftz`` classifier and predicts, looks
up vectors and neighbours and tests a file never imports them; the gensim face still works in
the same process afterwards."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from gensim_ftx import fasttext as ftx

HEAVY = ("gensim", "scipy", "smart_open")
WORDS = ["apple", "banana", "cherry", "grape", "lemon", "mango", "olive", "peach", "plum", "quince"]


def run_fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """A small classifier saved as ``.bin`` and quantised as ``.ftz``, with its training file."""
    root = tmp_path_factory.mktemp("startup")
    rng = np.random.default_rng(3)
    lines = []
    for i in range(400):
        label = "fruit" if i % 2 else "tree"
        words = rng.choice(WORDS[:6] if i % 2 else WORDS[4:], size=8)
        lines.append(f"__label__{label} " + " ".join(words))
    train = root / "train.txt"
    train.write_text("\n".join(lines) + "\n")
    model = ftx.train_supervised(str(train), epoch=5, wordNgrams=2, minn=2, maxn=3, bucket=20000, thread=1,
                                 verbose=0, seed=1)
    model.save_model(str(root / "model.bin"))
    model.quantize(dsub=2, qnorm=True)
    model.save_model(str(root / "model.ftz"))
    return root


@pytest.mark.parametrize("name", ["model.bin", "model.ftz"])
def test_load_predict_and_look_up_without_gensim(classifier, name):
    path, train = classifier / name, classifier / "train.txt"
    got = run_fresh(f"""
        import json, sys
        from gensim_ftx import fasttext
        after_import = [m for m in {HEAVY!r} if m in sys.modules]
        model = fasttext.load_model({str(path)!r})
        labels, probs = model.predict("apple banana lemon", k=2)
        model.predict(["apple plum", "olive quince"], k=1)
        vector = model.get_word_vector("unseenword")
        model.get_sentence_vector("apple banana")
        neighbours = model.get_nearest_neighbors("apple", k=3)
        examples, precision, recall = model.test({str(train)!r})
        model.get_words(include_freq=True), model.get_labels(), model.get_subwords("apple")
        model.get_input_vector(0), model.get_output_matrix() if not model.is_quantized() else None
        print(json.dumps(dict(after_import=after_import, after_use=[m for m in {HEAVY!r} if m in sys.modules],
                              labels=list(labels), probs=probs.tolist(), vector=vector.tolist(),
                              neighbours=neighbours, test=[examples, precision, recall])))
    """)
    assert got["after_import"] == [] and got["after_use"] == []
    # the same answers as in this process, where the model was built with gensim loaded
    model = ftx.load_model(str(path))
    labels, probs = model.predict("apple banana lemon", k=2)
    assert got["labels"] == list(labels) and got["probs"] == probs.tolist()
    assert got["vector"] == model.get_word_vector("unseenword").tolist()
    assert [tuple(pair) for pair in got["neighbours"]] == model.get_nearest_neighbors("apple", k=3)
    assert got["test"] == list(model.test(str(train)))


def test_gensim_face_after_fasttext_face(classifier):
    """A model loaded by the fastText face hands its arrays to gensim's classes when asked."""
    got = run_fresh(f"""
        import json, sys
        import numpy as np
        from gensim_ftx import fasttext, FastText, FastTextKeyedVectors
        model = fasttext.load_model({str(classifier / "model.bin")!r})
        before = model.get_word_vector("apple")
        gensim_model = model.gensim_model
        print(json.dumps(dict(gensim="gensim" in sys.modules, is_ft=isinstance(gensim_model, FastText),
                              is_kv=isinstance(gensim_model.wv, FastTextKeyedVectors),
                              same=bool(np.array_equal(gensim_model.wv["apple"], before)))))
    """)
    assert got == dict(gensim=True, is_ft=True, is_kv=True, same=True)


def test_package_names_resolve_lazily():
    got = run_fresh(f"""
        import json, sys
        import gensim_ftx
        before = [m for m in {HEAVY!r} if m in sys.modules]
        names = sorted(gensim_ftx.__all__)
        resolved = all(getattr(gensim_ftx, name) is not None for name in names)
        print(json.dumps(dict(before=before, resolved=resolved, in_dir=set(names) <= set(dir(gensim_ftx)))))
    """)
    assert got == dict(before=[], resolved=True, in_dir=True)
    import gensim_ftx

    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        gensim_ftx.nonexistent  # noqa: B018
