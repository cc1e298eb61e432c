"""Files saved with ``portable=True`` load where only gensim is installed (issue 15)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from gensim.test.utils import datapath

import gensim_ftx
from gensim_ftx import portable

WORDS = ["government", "australia", "fire", "governmentalism", "firefighting"]

PLAIN_GENSIM = r"""
import json, sys
sys.modules["gensim_ftx"] = None  # gensim_ftx cannot be imported here
import numpy as np
from gensim.models import FastText, KeyedVectors
from gensim.models.word2vec import LineSentence
model = FastText.load(sys.argv[1])
kv = KeyedVectors.load(sys.argv[2])
words = json.loads(sys.argv[3])
out = {"model": type(model).__module__ + "." + type(model).__name__, "kv": type(kv).__name__,
       "vectors": [model.wv[w].tolist() for w in words], "kv_vectors": [kv[w].tolist() for w in words],
       "similar": [w for w, _ in model.wv.most_similar(words[0], topn=3)],
       "dropped": getattr(model, "gensim_ftx_dropped", None), "labels": getattr(model, "labels", None)}
if sys.argv[4] == "train":
    model.train(LineSentence(sys.argv[5]), total_examples=model.corpus_count, epochs=1)
    out["trained"] = bool(np.isfinite(model.wv[words[0]]).all())
print(json.dumps(out))
"""


# Training a portable save of a *loaded* fastText model (issue 20): gensim's training threads used
# to die on a missing ``sample_int`` and gensim then waited forever, so a hang must fail the test.
PLAIN_GENSIM_TRAIN = r"""
import faulthandler, json, sys
sys.modules["gensim_ftx"] = None  # gensim_ftx cannot be imported here
faulthandler.dump_traceback_later(float(sys.argv[3]), exit=True)  # a hang prints where, and fails
import numpy as np
from gensim.models import FastText
from gensim.models.word2vec import LineSentence
model, corpus = FastText.load(sys.argv[1]), sys.argv[2]
words = json.loads(sys.argv[4])
out = {"hs": model.hs, "negative": model.negative, "corpus_count": model.corpus_count,
       "expandos": sorted(model.wv.expandos), "vectors": [model.wv[w].tolist() for w in words]}
vocab, ngrams = model.wv.vectors_vocab.copy(), model.wv.vectors_ngrams.copy()
try:
    model.train(LineSentence(corpus), total_examples=model.corpus_count, epochs=1)
except Exception as err:  # a classifier: gensim must refuse, at once
    out["error"] = f"{type(err).__name__}: {err}"
    print(json.dumps(out))
    sys.exit()
out["trained"] = not np.array_equal(vocab, model.wv.vectors_vocab) and bool(np.isfinite(model.wv.vectors).all())
ngrams_before = model.wv.vectors_ngrams.copy()
model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=1)
out["trained_file"] = not np.array_equal(ngrams_before, model.wv.vectors_ngrams)
new = list(LineSentence(corpus)) + [["zzqnewword", "government", "fire"]] * 20
size = len(model.wv)
model.build_vocab(new, update=True)
fresh = model.wv.vectors_vocab[model.wv.key_to_index["zzqnewword"]].copy()
model.train(new, total_examples=len(new), epochs=1)
out["added"] = len(model.wv) - size
out["trained_update"] = not np.array_equal(fresh, model.wv.vectors_vocab[model.wv.key_to_index["zzqnewword"]])
print(json.dumps(out))
"""
TRAIN_TIMEOUT = 120  # seconds; the script dumps its threads and exits 10 s before


def _run_plain(script: str, args: list[str], timeout: float) -> dict:
    """Run ``script`` in a Python where gensim_ftx cannot be imported; its last line of JSON."""
    try:
        done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"plain gensim hung for {timeout} s:\n{err.stderr}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def plain_gensim(model_path, kv_path, words, train_corpus=None) -> dict:
    return _run_plain(PLAIN_GENSIM, [str(model_path), str(kv_path), json.dumps(words),
                                     "train" if train_corpus else "no", train_corpus or ""], timeout=300)


def plain_gensim_train(model_path, corpus: str, words: list[str]) -> dict:
    """Load ``model_path`` in plain gensim and train it: an epoch, a corpus-file epoch, then a
    vocabulary update and an epoch over it (stops after the first ``train`` if that raises)."""
    return _run_plain(PLAIN_GENSIM_TRAIN, [str(model_path), corpus, str(TRAIN_TIMEOUT - 10), json.dumps(words)],
                      timeout=TRAIN_TIMEOUT)


@pytest.fixture(scope="module")
def trained():
    corpus = datapath("lee_background.cor")
    return gensim_ftx.train_unsupervised(corpus, dim=16, epoch=2, minCount=3, thread=1, verbose=0), corpus


def test_portable_files_load_in_plain_gensim(trained, tmp_path):
    model, corpus = trained
    model.save(str(tmp_path / "m.model"), portable=True)
    model.wv.save(str(tmp_path / "wv.kv"), portable=True)
    got = plain_gensim(tmp_path / "m.model", tmp_path / "wv.kv", WORDS, corpus)
    assert got["model"] == "gensim.models.fasttext.FastText" and got["kv"] == "FastTextKeyedVectors"
    expected = model.wv[WORDS]
    # in-vocabulary vectors are recomposed by gensim (another summation order); OOV ones are sums of rows
    np.testing.assert_allclose(got["vectors"], expected, atol=1e-6)
    np.testing.assert_allclose(got["kv_vectors"], expected, atol=1e-6)
    assert got["similar"] == [w for w, _ in model.wv.most_similar(WORDS[0], topn=3)]
    assert got["trained"] and got["dropped"] == []


def test_portable_files_come_back_as_gensim_ftx(trained, tmp_path):
    model, _ = trained
    model.save(str(tmp_path / "m.model"), portable=True)
    back = gensim_ftx.FastText.load(str(tmp_path / "m.model"))
    assert type(back) is gensim_ftx.FastText and type(back.wv) is gensim_ftx.FastTextKeyedVectors
    assert back.semantics == "fasttext" and back.fb_args == model.fb_args
    assert np.array_equal(back.wv[WORDS], model.wv[WORDS])
    assert np.array_equal(back.wv["</s>"], model.wv["</s>"])  # fastText's rule (no n-grams) again
    assert not hasattr(back, "gensim_ftx_dropped")
    kv_path = tmp_path / "wv.kv"
    model.wv.save(str(kv_path), portable=True)
    assert np.array_equal(gensim_ftx.FastTextKeyedVectors.load(str(kv_path))[WORDS], model.wv[WORDS])


def test_portable_classifier_keeps_labels_and_lists_what_it_dropped(tmp_path):
    pytest.importorskip("fasttext")
    from fixtures_models import SPEC_BY_NAME, ModelBuilder

    (tmp_path / "fixtures").mkdir()
    builder = ModelBuilder(tmp_path / "fixtures", jobs=1)
    builder._build(SPEC_BY_NAME["sup_ngrams"])
    builder._build(SPEC_BY_NAME["sup_quant_qnorm"])
    for name in ("sup_ngrams", "sup_quant_qnorm"):
        model = gensim_ftx.load_facebook_model(str(builder.path(name)))
        model.save(str(tmp_path / f"{name}.model"), portable=True)
        model.wv.save(str(tmp_path / f"{name}.kv"), portable=True)
        got = plain_gensim(tmp_path / f"{name}.model", tmp_path / f"{name}.kv", ["the", "movie", "zzqxy"])
        assert got["labels"] == list(model.labels)
        assert any(note.startswith("training:") for note in got["dropped"])  # gensim cannot train a classifier
        assert any(note.startswith("quantised") for note in got["dropped"]) == (name == "sup_quant_qnorm")
        back = gensim_ftx.FastText.load(str(tmp_path / f"{name}.model"))
        assert back.supervised and back.loss == model.loss and list(back.labels) == list(model.labels)
        words = ["the", "movie", "zzqxy"]  # in and out of the vocabulary, through the pruning table
        assert np.array_equal(back.wv[words], model.wv[words])


# ---------------------------------------------------------------------------------------------
# loaded fastText models keep training in plain gensim (issue 20)


@pytest.fixture(scope="module")
def fb_files(tmp_path_factory) -> dict[str, str]:
    """fastText ``.bin`` files: gensim's two skip-gram ns test models, a cbow ns and a skip-gram
    hs model trained here, and classifiers (softmax, ns, hs, and a quantised ``.ftz``)."""
    from gensim_ftx import fasttext

    where = tmp_path_factory.mktemp("fb")
    corpus = datapath("lee_background.cor")
    files = {"sg_ns": datapath("lee_fasttext_new.bin"), "sg_ns_v11": datapath("lee_fasttext.bin")}
    small = dict(dim=10, epoch=1, bucket=1000, thread=1, verbose=0, seed=1)
    # the hs model trains a few epochs: its test tells trees apart by how well they fit the corpus
    unsupervised = {"cbow_ns": dict(model="cbow", minCount=3), "sg_hs": dict(loss="hs", minCount=1, epoch=5)}
    for name, kwargs in unsupervised.items():
        files[name] = str(where / f"{name}.bin")
        fasttext.train_unsupervised(corpus, **{**small, **kwargs}).save_model(files[name])
    labelled = where / "labelled.txt"
    with open(corpus) as lines:
        labelled.write_text("".join(f"__label__{'ab'[i % 2]} {' '.join(line.split()[:40])}\n"
                                    for i, line in enumerate(lines)))
    for loss in ("softmax", "ns", "hs"):
        files[f"sup_{loss}"] = str(where / f"sup_{loss}.bin")
        fasttext.train_supervised(str(labelled), loss=loss, **small).save_model(files[f"sup_{loss}"])
    quantised = fasttext.train_supervised(str(labelled), **small)
    quantised.quantize(cutoff=300, qnorm=True)  # 300 rows: the quantiser needs 256
    files["sup_ftz"] = str(where / "sup.ftz")
    quantised.save_model(files["sup_ftz"])
    return files


@pytest.mark.parametrize("name", ["sg_ns", "sg_ns_v11", "cbow_ns", "sg_hs"])
def test_portable_loaded_model_trains_in_plain_gensim(fb_files, name, tmp_path):
    model = gensim_ftx.load_facebook_model(fb_files[name])
    path = tmp_path / "m.model"
    model.save(str(path), portable=True)
    got = plain_gensim_train(path, datapath("lee_background.cor"), WORDS)
    assert "error" not in got, got.get("error")
    np.testing.assert_allclose(got["vectors"], model.wv[WORDS], atol=1e-6)
    assert got["trained"] and got["trained_file"]
    assert got["added"] >= 1 and got["trained_update"]  # the new word, and any the corpus now has min_count of
    assert got["hs"] == model.hs and got["negative"] == model.negative
    assert {"sample_int", "count"} <= set(got["expandos"])
    assert ({"code", "point"} <= set(got["expandos"])) == bool(model.hs)
    assert got["corpus_count"] == model.wv.get_vecattr("</s>", "count")  # lines fastText read


@pytest.mark.parametrize("name", ["sup_softmax", "sup_ns", "sup_hs", "sup_ftz"])
def test_portable_classifier_refuses_plain_gensim_training(fb_files, name, tmp_path):
    model = gensim_ftx.load_facebook_model(fb_files[name])
    path = tmp_path / "m.model"
    model.save(str(path), portable=True)
    words = ["the", "government"]  # in the vocabulary: these classifiers have no character n-grams
    got = plain_gensim_train(path, datapath("lee_background.cor"), words)
    assert got["error"].startswith("ValueError") and got["hs"] == got["negative"] == 0
    np.testing.assert_allclose(got["vectors"], model.wv[words], atol=1e-6)
    back = gensim_ftx.FastText.load(str(path))  # gensim_ftx still gets its classifier back
    assert (back.hs, back.negative, back.loss) == (model.hs, model.negative, model.loss)
    assert list(back.labels) == list(model.labels) and np.array_equal(back.output_matrix, model.output_matrix)


@pytest.mark.parametrize("name", ["sg_ns", "sg_hs"])
def test_portable_loaded_model_comes_back_unchanged(fb_files, name, tmp_path):
    model = gensim_ftx.load_facebook_model(fb_files[name])
    path = tmp_path / "m.model"
    model.save(str(path), portable=True)
    back = gensim_ftx.FastText.load(str(path))
    # what was added for plain gensim is gone again
    assert sorted(back.wv.expandos) == sorted(model.wv.expandos)
    assert back.corpus_count == model.corpus_count and back.corpus_total_words == model.corpus_total_words
    assert (back.hs, back.negative, back.loss, back.fb_args) == (model.hs, model.negative, model.loss, model.fb_args)
    assert np.array_equal(back.output_matrix, model.output_matrix)
    assert np.array_equal(back.wv[WORDS], model.wv[WORDS])
    assert not hasattr(back.wv, portable.PORTABLE_KEY) and not hasattr(back, portable.PORTABLE_KEY)


def test_portable_hs_paths_are_the_trees_the_output_rows_learned(fb_files):
    """gensim fits ``1 - code`` along ``point``: with the portable paths a loaded hs model scores
    its own corpus better than with the tree gensim's ``create_binary_tree`` builds, or unflipped bits."""
    model = gensim_ftx.load_facebook_model(fb_files["sg_hs"])
    out = portable.to_gensim(model)
    code, point = out.wv.expandos["code"], out.wv.expandos["point"]
    assert all(c.dtype == np.uint8 and p.dtype == np.uint32 and len(c) == len(p) for c, p in zip(code, point))
    with open(datapath("lee_background.cor")) as lines:
        ids = [[out.wv.key_to_index[w] for w in line.split() if w in out.wv.key_to_index] for line in lines]
    pairs = np.array([(a, b) for line in ids for a, b in zip(line, line[1:])])[::7]
    hidden = out.wv.vectors

    def log_likelihood(codes, points, flip: bool = False) -> float:
        total = 0.0
        for context, target in pairs:
            f = out.syn1[points[target]] @ hidden[context]
            label = codes[target] if flip else 1 - codes[target].astype(np.int8)  # gensim's target
            total += np.sum(-np.logaddexp(0, np.where(label == 1, -f, f)))
        return total / len(pairs)

    ours = log_likelihood(code, point)
    assert ours > log_likelihood(code, point, flip=True)
    out.create_binary_tree()  # gensim's heap-built tree over the same counts
    assert ours > log_likelihood(out.wv.expandos["code"], out.wv.expandos["point"])


def test_portable_sample_ints_are_gensims(fb_files):
    """``sample_int`` is what gensim's own ``load_facebook_model`` derives from the same counts."""
    from gensim.models.fasttext import load_facebook_model as gensim_load

    ours = portable.to_gensim(gensim_ftx.load_facebook_model(fb_files["sg_ns"]))
    theirs = gensim_load(fb_files["sg_ns"])
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    assert ours.wv.expandos["sample_int"].dtype == np.uint32
    assert np.array_equal(ours.wv.expandos["sample_int"], theirs.wv.expandos["sample_int"])
    assert np.array_equal(ours.cum_table, theirs.cum_table)
