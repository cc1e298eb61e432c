"""``gensim_ftx.fasttext`` against Facebook's ``fasttext`` package on the same model files:
predictions and probabilities bit for bit (every loss, dense and quantised), the same words,
ids, vectors, lines and test scores, and fastText's errors."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from gensim_ftx import fasttext as ftx

fasttext = pytest.importorskip("fasttext")
fasttext_util = pytest.importorskip("fasttext.util")

SUPERVISED = ["sup_softmax", "sup_ova", "sup_ngrams", "sup_quant_qnorm", "sup_many_labels", "sup_quant_qout",
              "sup_hs_many_labels"]
LID = Path(__file__).resolve().parents[2] / "shared" / "data" / "models" / "lid.176.ftz"


def probe_lines(corpus: str, count: int = 300) -> list[str]:
    """Lines of the training text without their labels, plus unseen words, labels and odd spacing."""
    with open(corpus, "rb") as src:
        raw = [line.decode("utf-8", errors="replace").rstrip("\n") for line in src][:count]
    lines = [" ".join(t for t in line.split(" ") if not t.startswith("__label__")) for line in raw]
    return lines + ["", "   ", "qwertyuiop zxcvb", "__label__pos only a label", "tab\tand\rcarriage\x0bfeeds\x0c",
                    "ünïcödé wörds ≠ ascii", "the the the the the"]


def assert_same_predictions(ours: ftx._FastText, reference, lines: list[str], k: int, threshold: float) -> None:
    labels, probs = ours.predict(lines, k=k, threshold=threshold)
    ref_labels, ref_probs = reference.predict(lines, k=k, threshold=threshold)
    assert labels == ref_labels
    for i, (got, want) in enumerate(zip(probs, ref_probs)):
        assert got.dtype == np.float32
        assert np.array_equal(got, want), (lines[i], got, want)


@pytest.mark.parametrize("name", SUPERVISED)
def test_predictions_equal_fasttext_bit_for_bit(trained_model, name):
    model = trained_model(name)
    ours = ftx.load_model(str(model.path))
    lines = probe_lines(model.corpus)
    for k, threshold in ((1, 0.0), (3, 0.0), (-1, 0.0), (5, 0.05)):
        assert_same_predictions(ours, model.reference, lines, k, threshold)
    assert ours.is_quantized() == model.reference.is_quantized()


@pytest.mark.parametrize("name", ["sup_ngrams", "sup_quant_qout", "sup_hs_many_labels"])
def test_single_line_predict_returns_fasttext_types(trained_model, name):
    model = trained_model(name)
    ours = ftx.load_model(str(model.path))
    line = probe_lines(model.corpus)[3]
    labels, probs = ours.predict(line, k=2)
    ref_labels, ref_probs = model.reference.predict([line], k=2)
    assert isinstance(labels, tuple) and list(labels) == ref_labels[0]
    assert probs.dtype == np.float64 and np.array_equal(probs, ref_probs[0].astype(np.float64))


def test_array_form_and_threads_give_the_same_answers(trained_model):
    model = trained_model("sup_many_labels")
    ours = ftx.load_model(str(model.path))
    lines = probe_lines(model.corpus) * 4
    labels, probs = ours.predict(lines, k=3)
    ids, scores = ours.predict(lines, k=3, as_arrays=True, threads=3)
    assert ids.shape == scores.shape == (len(lines), 3) and ids.dtype == np.int32
    for i, row in enumerate(labels):
        assert [ours.labels[j] for j in ids[i] if j >= 0] == row
        assert np.array_equal(scores[i, :len(row)], probs[i])
    # Python threads calling predict at once get the same answers
    results = {}

    def work(index: int) -> None:
        results[index] = ours.predict(lines, k=3, as_arrays=True)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got_ids, got_scores in results.values():
        assert np.array_equal(got_ids, ids) and np.array_equal(got_scores, scores)


def test_token_cache_keeps_answers_when_it_fills(trained_model):
    """Prediction remembers what each token read as (its rows, or that it is a label); 280,000
    distinct tokens overflow that memory (262,144 entries) and it starts again, mid-call. Known
    and unknown labels among the words, repeated tokens and every call form still give fastText's
    answers."""
    model = trained_model("sup_ova")
    ours = ftx.load_model(str(model.path))
    known = model.reference.labels[0]
    lines = [" ".join(f"t{7 * i + j}q" for j in range(7)) + (f" {known} __label__nope t5q" if i % 3 == 0 else "")
             for i in range(40000)]
    assert_same_predictions(ours, model.reference, lines, 2, 0.0)
    labels, probs = ours.predict(lines, k=2, threads=2)
    assert labels == ours.predict(lines, k=2)[0]
    for i in range(0, len(lines), 997):
        one = ours.predict(lines[i], k=2)
        assert list(one[0]) == labels[i] and np.array_equal(one[1].astype(np.float32), probs[i])


@pytest.mark.skipif(not LID.exists(), reason="needs ../shared/data/models/lid.176.ftz")
def test_language_identification_model_equals_fasttext():
    reference = fasttext.load_model(str(LID))
    ours = ftx.load_model(str(LID))
    lines = ["hello world", "bonjour tout le monde", "guten Tag, wie geht es dir?", "¿Dónde está la biblioteca?",
             "これは日本語の文です", "Привет, как дела?", "", "1234 5678", "a"] * 3
    for k, threshold in ((1, 0.0), (5, 0.0), (-1, 0.0), (3, 0.1)):
        assert_same_predictions(ours, reference, lines, k, threshold)
    shared = LID.parents[1] / "sms_spam" / "SMSSpamCollection"
    if shared.exists():  # real short texts: every line of the SMS collection
        sms = [line.rstrip("\n") for line in shared.read_text(encoding="utf-8", errors="replace").splitlines()]
        assert_same_predictions(ours, reference, sms, 2, 0.0)
    top, prob = ours.predict("the cat sat on the mat")
    assert top == ("__label__en",) and prob[0] > 0.5
    assert ours.words == reference.words and ours.labels == reference.labels


@pytest.mark.parametrize("name", ["sup_ngrams", "sup_quant_qnorm", "sup_hs_many_labels"])
def test_test_and_test_label_equal_fasttext(trained_model, name, tmp_path):
    model = trained_model(name)
    ours = ftx.load_model(str(model.path))
    # the training file itself: every line labelled; one unlabelled line and no final newline
    data = Path(model.corpus).read_bytes().rstrip(b"\n") + b"\nno label here\n__label__pos"
    path = tmp_path / "valid.txt"
    path.write_bytes(data)
    for k in (1, 2):
        assert ours.test(str(path), k=k) == model.reference.test(str(path), k=k)
    got, want = ours.test_label(str(path), k=2), model.reference.test_label(str(path), k=2)
    assert got.keys() == want.keys()
    for label in want:
        assert got[label] == pytest.approx(want[label], nan_ok=True)


@pytest.mark.parametrize("name", ["sup_ngrams", "sup_quant_qnorm", "sg_minn2_maxn4"])
def test_words_ids_vectors_and_lines_equal_fasttext(trained_model, name):
    model = trained_model(name)
    ours, ref = ftx.load_model(str(model.path)), model.reference
    every = ref.get_words(on_unicode_error="replace")
    words = [w for w in every if "\ufffd" not in w][:50] + ["unseenword", "</s>"]
    assert ours.get_dimension() == ref.get_dimension()
    for handler in ("replace", "ignore"):
        assert ours.get_words(on_unicode_error=handler) == ref.get_words(on_unicode_error=handler)
        assert ours.get_labels(on_unicode_error=handler) == ref.get_labels(on_unicode_error=handler)
    if any("\ufffd" in w for w in every):  # some entries are not UTF-8: fastText's default raises
        with pytest.raises(UnicodeDecodeError):
            ref.get_words()
        with pytest.raises(UnicodeDecodeError):
            ours.get_words()
    assert np.array_equal(ours.get_words(include_freq=True, on_unicode_error="replace")[1],
                          ref.get_words(include_freq=True, on_unicode_error="replace")[1])
    for word in words:
        assert ours.get_word_id(word) == ref.get_word_id(word)
        assert ours.get_label_id(word) == ref.get_label_id(word)
        assert np.array_equal(ours.get_word_vector(word), ref.get_word_vector(word)), word
        names, ids = ours.get_subwords(word)
        ref_names, ref_ids = ref.get_subwords(word)
        assert names == ref_names and np.array_equal(ids, ref_ids)
    for label in ref.labels[:3]:
        assert ours.get_label_id(label) == ref.get_label_id(label)
    assert ours.get_subword_id("abc") == ref.get_subword_id("abc")
    # Unicode spaces are not separators to fastText (U+00A0, U+2003, U+0085, \x1c-\x1f)
    unicode_spaces = ["word\u00a0word other", "a\u2003b\x1cc d\x85e", "\x1f\x1e lone"]
    for line in probe_lines(model.corpus, 20) + unicode_spaces:
        assert np.array_equal(ours.get_sentence_vector(line), ref.get_sentence_vector(line)), line
        assert ours.get_line(line) == ref.get_line(line)
    assert ours.get_line(["a b", "c __label__x"]) == ref.get_line(["a b", "c __label__x"])
    if not ref.is_quantized():
        assert np.array_equal(ours.get_input_matrix(), ref.get_input_matrix())
        assert np.array_equal(ours.get_output_matrix(), ref.get_output_matrix())
    for row in (0, 1, ours.get_dimension()):
        assert np.array_equal(ours.get_input_vector(row), ref.get_input_vector(row))
    assert ("the" in ours) == ("the" in every) and np.array_equal(ours["the"], ref["the"])


def test_neighbours_and_analogies_equal_fasttext(trained_model):
    model = trained_model("sg_ns")
    ours, ref = ftx.load_model(str(model.path)), model.reference
    for word in ("government", "australia", "governmentalism"):
        got, want = ours.get_nearest_neighbors(word, k=5), ref.get_nearest_neighbors(word, k=5)
        assert [w for _, w in got] == [w for _, w in want]
        assert np.allclose([s for s, _ in got], [s for s, _ in want], atol=1e-6)
    got, want = ours.get_analogies("sydney", "australia", "canada", k=4), ref.get_analogies(
        "sydney", "australia", "canada", k=4)
    assert [w for _, w in got] == [w for _, w in want]


def test_errors_are_fasttexts(trained_model, tmp_path):
    sup = ftx.load_model(str(trained_model("sup_softmax").path))
    with pytest.raises(ValueError, match="one line at a time"):
        sup.predict("two\nlines")
    with pytest.raises(ValueError, match="one line at a time"):
        sup.predict(["fine", "not\nfine"])
    with pytest.raises(ValueError, match="k needs to be 1 or higher"):
        sup.predict("text", k=0)
    with pytest.raises(ValueError, match="Test file cannot be opened"):
        sup.test(str(tmp_path / "missing.txt"))
    unsup = ftx.load_model(str(trained_model("sg_ns").path))
    with pytest.raises(ValueError, match="supervised"):
        unsup.predict("text")
    with pytest.raises(ValueError, match="cannot be opened for loading"):
        ftx.load_model(str(tmp_path / "missing.bin"))
    (tmp_path / "junk.bin").write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="junk.bin"):
        ftx.load_model(str(tmp_path / "junk.bin"))


def test_save_model_round_trips_byte_for_byte(trained_model, tmp_path):
    for name in ("sup_ngrams", "sup_quant_qnorm"):
        path = trained_model(name).path
        out = tmp_path / path.name
        ftx.load_model(str(path)).save_model(str(out))
        assert out.read_bytes() == path.read_bytes()


def test_set_matrices_and_reduce_model(trained_model):
    model = trained_model("sup_ngrams")
    ours, ref = ftx.load_model(str(model.path)), fasttext.load_model(str(model.path))
    inputs, outputs = ours.get_input_matrix(), ours.get_output_matrix()
    scale = np.float32(0.5)
    ours.set_matrices(inputs * scale, outputs)
    ref.set_matrices(inputs * scale, outputs)
    assert_same_predictions(ours, ref, probe_lines(model.corpus, 50), 2, 0.0)
    reduced = ftx.util.reduce_model(ours, 4)
    assert reduced.get_dimension() == 4 and reduced.get_input_matrix().shape[1] == 4
    assert reduced.predict("a good film")[0]
    # the same axes, in fastText's order and with its signs
    ref_reduced = fasttext_util.reduce_model(ref, 4)
    assert np.array_equal(reduced.get_input_matrix(), ref_reduced.get_input_matrix())
    assert np.array_equal(reduced.get_output_matrix(), ref_reduced.get_output_matrix())


def test_train_unsupervised_returns_the_api_object(tmp_path):
    from gensim.test.utils import datapath

    model = ftx.train_unsupervised(datapath("lee_background.cor"), "cbow", dim=16, epoch=2, minCount=3, thread=1,
                                   verbose=0)
    assert model.dim == 16 and model.epoch == 2 and model.loss == ftx.loss_name.ns
    assert model.get_word_vector("government").shape == (16,)
    assert model.get_nearest_neighbors("government", k=3)
    model.save_model(str(tmp_path / "m.bin"))
    reference = fasttext.load_model(str(tmp_path / "m.bin"))
    assert np.array_equal(model.get_word_vector("governmentalism"), reference.get_word_vector("governmentalism"))
    with pytest.raises(TypeError, match="unexpected keyword argument 'dims'"):
        ftx.train_unsupervised(datapath("lee_background.cor"), dims=3)
    with pytest.raises(TypeError, match="multiple values for argument 'minCount'"):
        ftx.train_unsupervised(datapath("lee_background.cor"), minCount=3, min_count=2)


def test_tokenize_equals_fasttext():
    for text in ("hello  world\n foo\tbar\n\n", "", " a\x00b\rc ", "ünï cödé\x0b\x0cend"):
        assert ftx.tokenize(text) == fasttext.tokenize(text)


def test_util_helpers():
    assert ftx.util.test([["a", "b"], ["c"]], [["a"], ["d", "e"]], k=2) == (0.25, 1 / 3)
    vectors = np.eye(4, dtype=np.float32)
    assert ftx.util.find_nearest_neighbor(np.array([0, 1, 0.5, 0], np.float32), vectors, {1}) == 2
    # among equal scores, the row fastText's selection picks
    rng = np.random.default_rng(3)
    many = rng.integers(-2, 3, size=(5000, 8)).astype(np.float32)
    for query in many[:40]:
        for ban in (set(), {int(np.argmax(many @ query))}):
            assert ftx.util.find_nearest_neighbor(query, many, ban) == \
                fasttext_util.find_nearest_neighbor(query, many, ban)
    with pytest.raises(ValueError, match="Invalid lang id"):
        ftx.util.download_model("xx")


def test_download_model_from_a_local_server(tmp_path, monkeypatch):
    import gzip
    import http.server

    served = tmp_path / "served"
    served.mkdir()
    payload = b"pretend model bytes" * 100
    (served / "cc.la.300.bin.gz").write_bytes(gzip.compress(payload))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert ftx.util.download_model("la", base_url=base) == "cc.la.300.bin"
        assert (work / "cc.la.300.bin").read_bytes() == payload
        assert ftx.util.download_model("la", if_exists="strict", base_url=base) is None
        assert ftx.util.download_model("la", if_exists="ignore", base_url=base) == "cc.la.300.bin"
        with pytest.raises(OSError, match="cc.de.300.bin.gz"):
            ftx.util.download_model("de", base_url=base)  # 404: named, nothing left behind
        assert not [p for p in os.listdir(work) if p.startswith("cc.de") or p.startswith(".cc.de")]
    finally:
        server.shutdown()
    with pytest.raises(OSError, match="cannot download"):
        ftx.util.download_model("fr", base_url="http://127.0.0.1:9/")


@pytest.mark.parametrize("name", ["sup_many_labels", "sup_quant_qnorm"])
def test_get_meter_equals_fasttexts(trained_model, name):
    model = trained_model(name)
    ours, reference = ftx.load_model(str(model.path)), model.reference
    for k in (-1, 2):
        a, b = ours.get_meter(model.corpus, k=k), reference.get_meter(model.corpus, k=k)
        # fastText's own _Meter wrappers use np.array(copy=False), which numpy 2 refuses: read its core
        for label in reference.labels[:4]:
            scores, golds = a.score_vs_true(label)
            pairs = b.m.scoreVsTrue(reference.get_label_id(label))
            assert np.array_equal(scores, np.array([p[0] for p in pairs], dtype=np.float32))
            assert np.array_equal(golds, np.array([p[1] for p in pairs], dtype=np.float32))
            curve = b.m.precisionRecallCurveLabel(reference.get_label_id(label))
            precision, recall = a.precision_recall_curve(label)
            assert np.array_equal(precision, [p for p, _ in curve]) and np.array_equal(recall, [r for _, r in curve])
            assert a.precision_at_recall(0.3, label) == b.precision_at_recall(0.3, label)
            assert a.recall_at_precision(0.5, label) == b.recall_at_precision(0.5, label)
        precision, recall = a.precision_recall_curve()
        curve = b.m.precisionRecallCurve()
        assert np.array_equal(precision, [p for p, _ in curve]) and np.array_equal(recall, [r for _, r in curve])


def _same_signature(ours, reference, where: str) -> None:
    """Every parameter of ``reference`` in ``ours``, in order, of the same kind and default;
    ``ours`` may add keyword-only parameters with defaults."""
    import inspect

    got = list(inspect.signature(ours).parameters.values())
    want = list(inspect.signature(reference).parameters.values())
    assert [p.name for p in got[:len(want)]] == [p.name for p in want], where
    for g, w in zip(got, want):
        assert (g.kind, g.default) == (w.kind, w.default), (where, g, w)
    assert all(p.kind == p.KEYWORD_ONLY and p.default is not p.empty for p in got[len(want):]), where


def test_public_names_and_signatures_are_fasttexts():
    import inspect

    import fasttext.FastText as reference

    from gensim_ftx.fasttext import FastText as ours

    imported = {"absolute_import", "division", "print_function", "unicode_literals", "chain", "np",
                "multiprocessing", "fasttext", "_build_args", "_parse_loss_string", "_parse_model_string"}
    names = {n for n in vars(reference) if not n.startswith("__") and n not in imported}
    assert names <= set(vars(ours)), names - set(vars(ours))
    package = {n for n in vars(fasttext) if not n.startswith("_")} - imported - {"FastText", "util", "tests"}
    assert package <= set(vars(ftx)), package - set(vars(ftx))
    assert ours.unsupervised_default.keys() == reference.unsupervised_default.keys()
    for name in sorted(names):
        theirs, mine = getattr(reference, name), getattr(ours, name)
        if inspect.isfunction(theirs):
            _same_signature(mine, theirs, name)
        elif inspect.isclass(theirs) and name.startswith("_"):
            for method, value in vars(theirs).items():
                # fastText's _Meter wraps its C++ meter; ours is built from a file's predictions
                if inspect.isfunction(value) and (name, method) != ("_Meter", "__init__"):
                    _same_signature(getattr(mine, method), value, f"{name}.{method}")
    for name in ("cbow", "skipgram", "supervised"):
        with pytest.raises(Exception, match=f"`{name}` was removed .* call train_"):
            getattr(ftx, name)("data.txt")
    args, manual = ours.read_args((), {"min_count": 3}, ["input", "minCount"], {"minCount": 5})
    assert (args, manual) == reference.read_args((), {"min_count": 3}, ["input", "minCount"], {"minCount": 5})


@pytest.mark.parametrize("name", ["sup_ngrams", "sup_quant_qnorm"])
def test_model_f_answers_fasttexts_common_calls(trained_model, name, tmp_path):
    model = trained_model(name)
    ours, ref = ftx.load_model(str(model.path)), model.reference
    got, want = ours.f.getArgs(), ref.f.getArgs()
    for arg in [a for a in dir(want) if not a.startswith("_") and a != "setManual"]:
        assert str(getattr(got, arg)) == str(getattr(want, arg)), arg
    assert ours.f.isQuant() == ref.f.isQuant()
    assert ours.f.getWordId("the") == ref.f.getWordId("the")
    ours.f.saveModel(str(tmp_path / "again.bin"))
    assert (tmp_path / "again.bin").read_bytes() == Path(model.path).read_bytes()


def test_unsupervised_test_and_supervised_through_train_unsupervised_are_fasttexts(tmp_path):
    from gensim.test.utils import datapath

    corpus = datapath("lee_background.cor")
    for module in (ftx, fasttext):
        model = module.train_unsupervised(corpus, minCount=3, dim=10, epoch=1, thread=1, verbose=0)
        examples, precision, recall = model.test(corpus)
        assert examples == 0 and np.isnan(precision) and np.isnan(recall)
        assert model.test_label(corpus) == {}
    labelled = tmp_path / "tiny.txt"
    labelled.write_text("__label__a hello world\n__label__b bye world\n" * 50)
    ours = ftx.train_unsupervised(str(labelled), model="supervised", thread=1, verbose=0)
    ref = fasttext.train_unsupervised(str(labelled), model="supervised", thread=1, verbose=0)
    assert ours.get_labels() == ref.get_labels() and ours.f.getArgs().loss == ftx.loss_name.ns
    assert ours.predict(["hello world", "bye"], k=2)[0] == ref.predict(["hello world", "bye"], k=2)[0]


COOKING = Path(__file__).resolve().parents[2] / "shared" / "data" / "cooking" / "cooking.train"


def test_dictionary_order_equals_fasttexts_among_equal_counts(tmp_path):
    # fastText's std::sort is not stable: words and labels of equal count come out in the order
    # libstdc++'s introsort leaves them, which gensim_ftx reproduces (ids and rows then agree)
    from gensim.test.utils import datapath

    corpus = datapath("lee_background.cor")
    ours = ftx.train_unsupervised(corpus, minCount=2, dim=8, epoch=1, thread=1, verbose=0)
    reference = fasttext.train_unsupervised(corpus, minCount=2, dim=8, epoch=1, thread=10, verbose=0)
    assert ours.get_words() == reference.get_words()
    labelled = tmp_path / "ties.txt"
    rng = np.random.default_rng(5)
    labelled.write_text("".join(f"__label__{rng.integers(40)} " + " ".join(f"w{rng.integers(300)}" for _ in range(6))
                                + "\n" for _ in range(400)))
    sources = [str(labelled)] + ([str(COOKING)] if COOKING.exists() else [])
    for path in sources:
        ours = ftx.train_supervised(path, epoch=1, thread=1, verbose=0)
        reference = fasttext.train_supervised(path, epoch=1, thread=10, verbose=0)
        assert ours.get_words() == reference.get_words(), path
        assert ours.get_labels() == reference.get_labels(), path
