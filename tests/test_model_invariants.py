"""Models whose invariants a user broke, and low-level entry points handed bad sizes, raise at
the call: nothing reads outside its arrays (bounds checking is off in the Cython code)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gensim_ftx import fasttext, load_facebook_model
from gensim_ftx.predict import Predictor
from gensim_ftx.predict._matrix import MatrixRows
from gensim_ftx.predict.scorer import Batch, _word_store
from gensim_ftx.text._corpus import ShardReader, WordTable
from gensim_ftx.text._subwords import SubwordHasher
from gensim_ftx.train._engine import KernelModel, Worker


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("invariants") / "tiny.txt"
    path.write_text("__label__a hello world\n__label__b bye world\n" * 50)
    return str(path)


@pytest.fixture()
def classifier(tiny):
    return fasttext.train_supervised(tiny, epoch=5, wordNgrams=2, bucket=1000, verbose=0)


# -- set_matrices ----------------------------------------------------------------------------------

def test_set_matrices_without_the_ngram_rows_is_refused_and_leaves_the_model(classifier):
    before = classifier.predict("hello world", k=2)
    words = len(classifier.words)
    with pytest.raises(ValueError, match=rf"input matrix has {words} rows.*1000 n-gram buckets need {words + 1000}"):
        classifier.set_matrices(classifier.get_input_matrix()[:words].copy(), classifier.get_output_matrix())
    after = classifier.predict("hello world", k=2)
    assert before[0] == after[0] and np.array_equal(before[1], after[1])


def test_set_matrices_with_fewer_output_rows_than_labels_is_refused(classifier):
    with pytest.raises(ValueError, match="output matrix has 1 rows; the model has 2 .labels."):
        classifier.set_matrices(classifier.get_input_matrix(), classifier.get_output_matrix()[:1].copy())


def test_set_matrices_of_the_right_shape_is_used(classifier):
    inp, out = classifier.get_input_matrix(), classifier.get_output_matrix()
    classifier.set_matrices(inp, out[::-1].copy())  # labels swapped
    labels, _ = classifier.predict("hello world", k=2)
    classifier.set_matrices(inp, out)
    assert classifier.predict("hello world", k=2)[0] == labels[::-1]


# -- the scorer checks what it is built over ----------------------------------------------------------

def _predictor(model, input_rows=None, output=None) -> Predictor:
    """The classifier's predictor, built over the given matrices instead of its own."""
    gm = model.gensim_model
    wv = gm.wv
    inp = MatrixRows.dense(*(input_rows or (wv.vectors_vocab, wv.vectors_ngrams)))
    out = MatrixRows.dense(output if output is not None else gm.syn1out)
    return Predictor(_word_store(wv), model.labels, gm.label_counts, wv.hasher, inp, out, gm.loss, 2, 1000,
                     subword_indptr=wv.subword_indptr, subword_ids=wv.subword_ids)


def test_scorer_refuses_an_input_matrix_short_of_the_buckets(classifier):
    wv = classifier.gensim_model.wv
    with pytest.raises(ValueError, match=r"input matrix has \d+ rows.*need"):
        _predictor(classifier, (wv.vectors_vocab, wv.vectors_ngrams[:10]))


def test_scorer_refuses_an_output_matrix_short_of_the_labels(classifier):
    with pytest.raises(ValueError, match="output matrix has 1 rows; the model's 2 labels need 2"):
        _predictor(classifier, output=classifier.gensim_model.syn1out[:1])


def test_scorer_predict_checks_its_arguments(classifier):
    scorer = classifier.predictor.scorer
    batch = Batch.from_texts(["hello world", "bye"])
    labels = np.zeros((2, 1), dtype=np.int32)
    probs = np.zeros((2, 1), dtype=np.float32)
    counts = np.zeros(2, dtype=np.int32)
    args = (batch.data, batch.starts, batch.ends, batch.ended)
    for lo, hi in [(0, 3), (-1, 1), (2, 1)]:
        with pytest.raises(ValueError, match="lo and hi"):
            scorer.predict(*args, lo, hi, 1, 0.0, labels, probs, counts)
    with pytest.raises(ValueError, match="k needs to be 1 or higher"):
        scorer.predict(*args, 0, 2, 0, 0.0, labels, probs, counts)
    with pytest.raises(ValueError, match=r"labels and scores must be \(2, 5\)"):
        scorer.predict(*args, 0, 2, 5, 0.0, labels, probs, counts)
    with pytest.raises(ValueError, match="text spans"):
        scorer.predict(batch.data, batch.starts, batch.ends + 100, batch.ended, 0, 2, 1, 0.0, labels, probs, counts)
    with pytest.raises(ValueError, match="differ in length"):
        scorer.predict(batch.data, batch.starts, batch.ends, batch.ended[:1], 0, 2, 1, 0.0, labels, probs, counts)
    with pytest.raises(ValueError, match=r"out must be \(2, 100\)"):
        scorer.vectors(*args, 0, 2, np.zeros((1, 100), dtype=np.float32))
    with pytest.raises(ValueError, match="k needs to be 1 or higher"):
        scorer.predict_line(b"hello", -3, 0.0)
    scorer.predict(*args, 0, 2, 1, 0.0, labels, probs, counts)
    assert counts.tolist() == [1, 1]


def test_a_huge_k_returns_every_label(classifier):
    labels, probs = classifier.predict("hello world", k=10**9)
    assert sorted(labels) == ["__label__a", "__label__b"] and len(probs) == 2
    assert sorted(classifier.predictor.scorer.predict_line(b"hello world", 2**31 - 1, 0.0)[0]) == [0, 1]
    lists, _ = classifier.predict(["hello world", "bye"], k=2**62)
    assert [sorted(x) for x in lists] == [["__label__a", "__label__b"]] * 2
    ids, probs = classifier.predict(["hello world"], k=10**9, as_arrays=True)
    assert ids.shape == probs.shape == (1, 2)


def test_a_partition_never_has_more_label_columns_than_labels(classifier, tmp_path):
    pytest.importorskip("pandas")
    from gensim_ftx.partitions import predict_partition

    path = str(tmp_path / "model.bin")
    classifier.save_model(path)
    for k in (2, 4, 2**40, -1):  # 2**40 columns took forever to build
        frame = predict_partition(["hello world"], path, k=k)
        assert list(frame.columns) == ["label_1", "label_2", "prob_1", "prob_2"]
        assert frame.notna().all().all()
    for k in (0, -2, "1", 1.5):
        with pytest.raises(ValueError, match="k must be an integer >= 1 or -1"):
            predict_partition(["hello world"], path, k=k)


def test_batch_ended_must_have_one_flag_a_text():
    with pytest.raises(ValueError, match="one flag a text"):
        Batch.from_texts(["a", "b", "c"], ended=[True])


# -- the training kernels check their tables -------------------------------------------------------

def _kernel(nwords=4, dim=8, loss="softmax", targets=2):
    vocab = np.zeros((nwords, dim), dtype=np.float32)
    ngrams = np.zeros((10, dim), dtype=np.float32)
    output = np.zeros((targets, dim), dtype=np.float32)
    indptr = np.arange(nwords + 1, dtype=np.int64)
    ids = np.arange(nwords, dtype=np.int32)
    return KernelModel(vocab, ngrams, output, indptr, ids, loss=loss, targets=targets)


def _lines(kernel, **changes):
    args = dict(row_indptr=np.array([0, 2, 3], dtype=np.int64), rows=np.array([0, 1, 2], dtype=np.int32),
                label_indptr=np.array([0, 1, 2], dtype=np.int64), labels=np.array([0, 1], dtype=np.int32),
                tokens=np.array([3, 2], dtype=np.int32), start=0, counter=np.zeros(1, dtype=np.int64), budget=10,
                alpha=0.1, min_alpha=0.0, stop=np.zeros(1, dtype=np.int64))
    args.update(changes)
    return Worker(kernel, 1).train_lines(kernel, *args.values())


def test_train_lines_checks_offsets_start_and_labels():
    kernel = _kernel()
    assert _lines(kernel)[0] > 0
    with pytest.raises(ValueError, match="row_indptr must be non-decreasing offsets within the 3"):
        _lines(kernel, row_indptr=np.array([0, 2, 30], dtype=np.int64))
    with pytest.raises(ValueError, match="row_indptr"):
        _lines(kernel, row_indptr=np.array([0, 3, 2], dtype=np.int64))
    with pytest.raises(ValueError, match="label_indptr"):
        _lines(kernel, label_indptr=np.array([-1, 1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match=r"start must be a line in \[0, 2\)"):
        _lines(kernel, start=2)
    with pytest.raises(ValueError, match="labels outside the 2 targets"):
        _lines(kernel, labels=np.array([0, 2], dtype=np.int32))
    with pytest.raises(ValueError, match="stop must hold at least one element"):
        _lines(kernel, stop=np.zeros(0, dtype=np.int64))
    # a counter far below zero would take 2**62 lines to reach the budget: a hang
    with pytest.raises(ValueError, match="counter must start at 0 or above"):
        _lines(kernel, counter=np.full(1, -2**62, dtype=np.int64))


def test_absurd_negative_sample_counts_are_refused():
    vocab = np.zeros((4, 8), dtype=np.float32)
    args = (vocab, np.zeros((0, 8), dtype=np.float32), np.zeros((4, 8), dtype=np.float32),
            np.arange(5, dtype=np.int64), np.arange(4, dtype=np.int32))
    KernelModel(*args, loss="ns", neg=10000, neg_alias=np.arange(4, dtype=np.uint64))
    for neg in (-1, 2**31 - 1):
        with pytest.raises(ValueError, match=r"neg \(negative samples a target\) must be in \[0, 10000\]"):
            KernelModel(*args, loss="ns", neg=neg, neg_alias=np.arange(4, dtype=np.uint64))


def test_train_batch_checks_its_sentence_bounds():
    vocab = np.zeros((4, 8), dtype=np.float32)
    kernel = KernelModel(vocab, np.zeros((0, 8), dtype=np.float32), np.zeros((4, 8), dtype=np.float32),
                         np.arange(5, dtype=np.int64), np.arange(4, dtype=np.int32), loss="hs",
                         path_indptr=np.array([0, 1, 2, 3, 3], dtype=np.int64),
                         path_nodes=np.array([0, 1, 2], dtype=np.int32), path_codes=np.array([0, 1, 0], dtype=np.uint8))
    worker = Worker(kernel, 1)
    ids = np.array([0, 1, 2, 3], dtype=np.int32)
    stop = np.zeros(1, dtype=np.int64)
    assert worker.train_batch(kernel, ids, np.array([0, 4], dtype=np.int64), 0.1, 0.0, 0.0, stop)[1] == 4
    with pytest.raises(ValueError, match="bounds must be non-decreasing offsets within the 4"):
        worker.train_batch(kernel, ids, np.array([0, 40], dtype=np.int64), 0.1, 0.0, 0.0, stop)
    with pytest.raises(ValueError, match="bounds"):
        worker.train_batch(kernel, ids, np.array([0, 3, 1], dtype=np.int64), 0.1, 0.0, 0.0, stop)
    with pytest.raises(ValueError, match="stop"):
        worker.train_batch(kernel, ids, np.array([0, 4], dtype=np.int64), 0.1, 0.0, 0.0, np.zeros(0, dtype=np.int64))


def test_kernel_model_checks_its_tables():
    vocab = np.zeros((4, 8), dtype=np.float32)
    ngrams = np.zeros((0, 8), dtype=np.float32)
    output = np.zeros((4, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="sub_indptr"):
        KernelModel(vocab, ngrams, output, np.array([0, 1, 2, 9, 4], dtype=np.int64), np.arange(4, dtype=np.int32),
                    loss="softmax")
    with pytest.raises(ValueError, match="hierarchical-softmax paths"):
        KernelModel(vocab, ngrams, output, np.arange(5, dtype=np.int64), np.arange(4, dtype=np.int32), loss="hs",
                    path_indptr=np.array([0, 1, 2, 3, 3], dtype=np.int64),
                    path_nodes=np.array([0, -1, 2], dtype=np.int32), path_codes=np.array([0, 1, 0], dtype=np.uint8))
    with pytest.raises(ValueError, match="path_indptr"):
        KernelModel(vocab, ngrams, output, np.arange(5, dtype=np.int64), np.arange(4, dtype=np.int32), loss="hs",
                    path_indptr=np.array([0, 1, 2, 3, 7], dtype=np.int64),
                    path_nodes=np.array([0, 1, 2], dtype=np.int32), path_codes=np.array([0, 1, 0], dtype=np.uint8))
    with pytest.raises(ValueError, match="one output row per target"):
        KernelModel(vocab, ngrams, output[:2], np.arange(5, dtype=np.int64), np.arange(4, dtype=np.int32),
                    loss="ns", neg_alias=np.arange(2, dtype=np.uint64))


def test_train_shard_refuses_a_reader_with_more_words_than_the_model(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("a b c d e f\n" * 10)
    kernel = _kernel(nwords=4, loss="softmax", targets=4)
    reader = ShardReader(str(path), WordTable([b"a", b"b", b"c", b"d", b"e", b"f"]), 0, -1, eos=False,
                         max_line_tokens=100)
    counter, stop = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="word table has 6 words, the model 4"):
        Worker(kernel, 1).train_shard(kernel, reader, counter, 100, 0.1, 0.0, 100, stop)
    with pytest.raises(ValueError, match="max_line must be >= 1"):
        Worker(kernel, 1).train_shard(kernel, reader, counter, 100, 0.1, 0.0, 0, stop)


def test_subword_rows_must_fit_int32():
    SubwordHasher(3, 6, 2**31 - 11, 10)
    with pytest.raises(ValueError, match=r"nwords \+ bucket must be below 2\*\*31"):
        SubwordHasher(3, 6, 2**32 - 1, 10)
    with pytest.raises(ValueError, match=r"nwords \+ bucket"):
        SubwordHasher(3, 6, 2**31 - 10, 10)


# -- faces -----------------------------------------------------------------------------------------

def test_word_vectors_of_an_unsupervised_hs_model(tiny):
    model = fasttext.train_unsupervised(tiny, loss="hs", minCount=1, epoch=1, bucket=1000, verbose=0)
    vector = model.get_word_vector("hello")
    assert vector.shape == (100,) and np.isfinite(vector).all() and np.any(vector)
    assert model.get_word_vector("zzz-unknown").shape == (100,)


def test_save_model_to_a_missing_directory_is_fasttexts_value_error(classifier, tmp_path):
    target = tmp_path / "no_such_dir" / "model.bin"
    with pytest.raises(ValueError, match="cannot be opened for saving!") as info:
        classifier.save_model(str(target))
    assert isinstance(info.value.__cause__, FileNotFoundError)
    assert not target.parent.exists()


def test_gensim_train_of_a_loaded_classifier_keeps_its_labels(classifier, tiny, tmp_path):
    path = str(tmp_path / "sup.bin")
    classifier.save_model(path)
    model = load_facebook_model(path)
    before = model.syn1out.copy()
    model.train(corpus_file=tiny, epochs=2)
    assert model.syn1out.shape == before.shape and not np.array_equal(model.syn1out, before)
    assert fasttext.load_model(path).labels == ["__label__a", "__label__b"]
    with pytest.raises(ValueError, match="classifier: train it on a labelled file"):
        model.train([["hello", "world"]], total_examples=1, epochs=1)


def test_counts_and_rows_asked_of_the_fasttext_face_are_checked(classifier, tiny):
    for call in (lambda: classifier.predict("hello", k=1.5), lambda: classifier.test(tiny, k=None),
                 lambda: classifier.get_nearest_neighbors("hello", k=float("nan")),
                 lambda: classifier.get_analogies("a", "b", "c", k="3")):
        with pytest.raises(TypeError, match="k must be an integer"):
            call()
    assert classifier.predict("hello", k=np.int64(1))[0]
    rows = len(classifier.words) + 1000
    for ind in (-1, rows, 2**40, 1.0):
        with pytest.raises(IndexError, match=rf"ind must be an input row in \[0, {rows}\)"):
            classifier.get_input_vector(ind)
    assert classifier.get_input_vector(rows - 1).shape == (100,)
    plain = fasttext.train_supervised(tiny, epoch=1, verbose=0)  # no n-grams: bucket 0
    with pytest.raises(ValueError, match="no n-gram buckets"):
        plain.get_subword_id("hel")


def test_quantize_train_and_fit_arguments_are_checked(classifier, tiny):
    for kwargs, name in ((dict(dsub=2**63), "dsub"), (dict(cutoff=-1), "cutoff"), (dict(thread=10**6), "thread"),
                         (dict(lr=float("nan"), retrain=True, input=tiny, cutoff=300), "lr")):
        with pytest.raises(ValueError, match=rf"^{name} must be"):
            classifier.quantize(**kwargs)
    model = load_facebook_model(_saved(classifier, tiny))
    with pytest.raises(ValueError, match="start_alpha must be a finite number"):
        model.train(corpus_file=tiny, epochs=1, start_alpha=float("nan"))
    pytest.importorskip("sklearn")
    from gensim_ftx.sklearn import FastTextClassifier

    with pytest.raises(ValueError, match="X is empty"):
        FastTextClassifier().fit([], [])
    assert Batch.from_texts(["a", "b", "c"], ended=[2, -1, 0]).ended.tolist() == [1, 1, 0]


def _saved(model, tiny) -> str:
    path = tiny + ".bin"
    model.save_model(path)
    return path


@pytest.mark.parametrize("sg", [True, False])
def test_one_vs_all_takes_every_word_of_the_line_as_positive(sg):
    """A loss receives the whole target list: one-vs-all in skip-gram and CBOW treats every word of
    the line as a positive at each step, as fastText does (its ``update(input, line, w, ...)``),
    and every other output row as a negative. All input rows are equal here, so every hidden
    vector is ``v`` and each step moves a positive's output row towards ``v``, a negative's away."""
    v = np.array([0.5, -0.25, 0.75, 0.1], np.float32)
    vocab, ngrams, output = np.tile(v, (4, 1)), np.zeros((0, 4), np.float32), np.zeros((4, 4), np.float32)
    model = KernelModel(vocab, ngrams, output, np.array([0, 1, 2, 3, 4]), np.array([0, 1, 2, 3], np.int32),
                        loss="ova", sg=sg, window=2)
    worker = Worker(model, 1)
    worker.train_batch(model, np.array([0, 1, 2], np.int32), np.array([0, 3]), 0.1, 0.0, 0.0, np.zeros(1, np.int64))
    scores = output @ v
    assert np.all(scores[:3] > 0) and scores[3] < 0, scores
    # each step gave all three line words the same update: their rows are equal
    assert np.array_equal(output[0], output[1]) and np.array_equal(output[1], output[2])


def test_text_jobs_belong_to_their_scorer(classifier, tiny):
    """The list form scores a job of the texts' UTF-8 on several threads: a job handed to another
    model's scorer is refused (its label ids index the other model's labels), and the texts are
    the job's own copy, so a list changed afterwards cannot free what the threads read."""
    scorer = classifier.predictor.scorer
    other = fasttext.train_supervised(tiny, epoch=1, bucket=1000, verbose=0, label="__").predictor.scorer
    texts = ["hello world", "bye"] * 600
    job = scorer.text_job(texts, 2)
    texts.clear()
    labels, probs = [None] * len(job), [None] * len(job)
    for misuse in (lambda: other.collect(job, labels, probs, 0.0), lambda: other.score_chunks(job, 0.0),
                   lambda: other.job_results(job, labels, probs, 0, 1)):
        with pytest.raises(ValueError, match="another scorer"):
            misuse()
    scorer.collect(job, labels, probs, 0.0)
    assert labels[:2] == [list(classifier.predict("hello world", k=2)[0]), list(classifier.predict("bye", k=2)[0])]
    with pytest.raises(ValueError, match="fit the lists"):
        scorer.job_results(job, [], [], 0, 1)
    assert scorer.text_job(["fine", 3], 1) is None and scorer.text_job(["two\nlines"], 1) is None
    assert scorer.text_job(["\ud800"], 1) is None  # a lone surrogate: the checked path names it
    with pytest.raises(UnicodeEncodeError):
        classifier.predict(["\ud800"])


@pytest.mark.parametrize("decode", [False, True])
def test_a_quantised_matrix_whose_parts_disagree_is_refused(decode):
    """The scorer reads codes and centroids without bounds checks (and decoding a small input
    matrix reads all of them): codes, centroids or norms that do not cover every row are refused."""
    from gensim_ftx.io.quant import ProductQuantizer, QuantizedMatrix

    rows, dim, nsubq = 6, 4, 2
    pq = ProductQuantizer(dim, nsubq, 2, 2, np.ones(dim * 256, np.float32))
    npq = ProductQuantizer(1, 1, 1, 1, np.ones(256, np.float32))
    good = QuantizedMatrix(True, rows, dim, np.zeros(rows * nsubq, np.uint8), pq, np.zeros(rows, np.uint8), npq)
    dense = MatrixRows.quantized(good, decode)
    assert dense.shape == (rows, dim) and dense.quantised != decode
    for bad, message in ((dict(codes=good.codes[:-1]), "codes for 6 rows"), (dict(codes=good.codes[:0]), "0 codes"),
                         (dict(norm_codes=good.norm_codes[:2]), "norms"),
                         (dict(pq=ProductQuantizer(dim, nsubq, 2, 2, pq.centroids[:300])), "centroids"),
                         (dict(n=5), "does not fit")):
        with pytest.raises(ValueError, match=message):
            MatrixRows.quantized(dataclasses.replace(good, **bad), decode)
