"""The trainer: both semantics, every loss, both input paths, and the failure modes."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from gensim.models import fasttext as gensim_fasttext
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from hypothesis import given, settings
from hypothesis import strategies as st

import gensim_ftx
from gensim_ftx.train.tables import FASTTEXT, GENSIM, huffman_paths, keep_probabilities, negative_sampler

LEE = datapath("lee_background.cor")


@pytest.fixture(scope="module")
def sentences():
    return list(LineSentence(LEE))


def small(**kwargs):
    settings = dict(vector_size=24, min_count=3, epochs=3, workers=2, bucket=50000, seed=7)
    settings.update(kwargs)
    return settings


def topic_corpus(topics: int = 3, words_per_topic: int = 25, sentences: int = 1500, seed: int = 0) -> list:
    """Sentences that each draw words from one topic; words are random strings, so only
    co-occurrence (not shared n-grams) can tell the topics apart."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = [["".join(rng.choice(letters, 7)) for _ in range(words_per_topic)] for _ in range(topics)]
    return [list(rng.choice(vocab[rng.integers(topics)], 12)) for _ in range(sentences)], vocab


def topic_separation(wv, vocab) -> float:
    """Mean within-topic cosine minus mean across-topic cosine."""
    vectors = np.stack([wv.get_vector(w, norm=True) for topic in vocab for w in topic])
    cosine = vectors @ vectors.T
    labels = np.repeat(np.arange(len(vocab)), len(vocab[0]))
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    different = labels[:, None] != labels[None, :]
    return float(cosine[same].mean() - cosine[different].mean())


@pytest.mark.parametrize("sg", [0, 1])
@pytest.mark.parametrize("loss", [dict(negative=5), dict(hs=1, negative=0), dict(loss="softmax", negative=0),
                                  dict(hs=1, negative=3)])
def test_every_model_and_loss_learns(sg, loss):
    corpus, vocab = topic_corpus()
    model = gensim_ftx.FastText(corpus, sg=sg, **small(min_count=1, epochs=5, **loss))
    assert np.isfinite(model.wv.vectors).all()
    assert topic_separation(model.wv, vocab) > 0.3


def test_corpus_file_and_iterable_train_alike(sentences):
    from_file = gensim_ftx.FastText(corpus_file=LEE, **small(epochs=5))
    from_iter = gensim_ftx.FastText(sentences, **small(epochs=5))
    assert from_file.wv.index_to_key[:50] == from_iter.wv.index_to_key[:50]
    assert from_file.corpus_count == len(sentences)


def test_corpus_file_training_learns(tmp_path):
    corpus, vocab = topic_corpus()
    path = tmp_path / "topics.txt"
    path.write_text("\n".join(" ".join(s) for s in corpus) + "\n")
    for semantics in ("gensim", "fasttext"):
        model = gensim_ftx.FastText(corpus_file=str(path), semantics=semantics, **small(min_count=1, epochs=5))
        assert topic_separation(model.wv, vocab) > 0.3, semantics


def test_fasttext_semantics_has_eos_and_its_schedule():
    model = gensim_ftx.train_unsupervised(LEE, model="cbow", dim=20, epoch=2, minCount=3, bucket=50000, thread=2,
                                          verbose=0)
    assert "</s>" in model.wv.key_to_index
    assert model.semantics == "fasttext" and model.min_alpha == 0.0
    assert model.fasttext_ntokens == model.corpus_total_words
    # fastText gives </s> no character n-grams: its vector is its own row.
    eos = model.wv.key_to_index["</s>"]
    assert np.array_equal(model.wv["</s>"], model.wv.vectors_vocab[eos])


@pytest.mark.parametrize("workers", [1, 2])
def test_fasttext_semantics_read_epoch_times_all_tokens(tmp_path, workers):
    # fastText's threads read on, wrapping at the end of the file, until epoch x ntokens known
    # tokens are read, and ntokens counts the words below minCount too: on this corpus, where
    # one token in three is rare, that is half as many again as `epoch` passes of known words.
    rng = np.random.default_rng(0)
    common = [f"w{i}" for i in range(20)]
    lines = []
    for n in range(400):
        words = list(rng.choice(common, 8)) + [f"rare{n}_{k}" for k in range(4)]
        lines.append(" ".join(rng.permutation(words)))
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    model = gensim_ftx.FastText(vector_size=8, min_count=2, epochs=3, workers=workers, bucket=1000, sample=0,
                                min_alpha=0.0, semantics="fasttext")
    model.build_vocab(corpus_file=str(path))
    ntokens = 400 * 13  # 12 words and </s> a line
    assert model.corpus_total_words == ntokens
    known = int(np.sum(model.wv.expandos["count"]))
    assert known == 400 * 9
    trained, _ = model.train(corpus_file=str(path), total_words=model.corpus_total_words, epochs=3)
    # Threads stop before a line once the shared counter reaches the budget (lines of 9 ids).
    assert 3 * ntokens <= trained < 3 * ntokens + workers * 9
    gensim_mode = gensim_ftx.FastText(vector_size=8, min_count=2, epochs=3, workers=workers, bucket=1000, sample=0)
    gensim_mode.build_vocab(corpus_file=str(path))
    trained, _ = gensim_mode.train(corpus_file=str(path), total_words=gensim_mode.corpus_total_words, epochs=3)
    assert trained == 3 * 400 * 8  # gensim: one pass an epoch, no </s>


def test_train_unsupervised_model_round_trips_through_fasttext(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    model = gensim_ftx.train_unsupervised(LEE, model="skipgram", dim=16, epoch=1, minCount=5, bucket=100000,
                                          thread=1, verbose=0, lrUpdateRate=50)
    path = tmp_path / "ours.bin"
    gensim_ftx.save_facebook_model(model, path)
    reference = fasttext.load_model(str(path))
    assert reference.f.getArgs().lrUpdateRate == 50
    for word in model.wv.index_to_key[:100] + ["governmentalism"]:
        assert np.allclose(reference.get_word_vector(word), model.wv[word], atol=1e-6)


def test_deterministic_with_one_worker_and_a_seed(sentences):
    first = gensim_ftx.FastText(sentences, **small(workers=1, seed=11))
    second = gensim_ftx.FastText(sentences, **small(workers=1, seed=11))
    other = gensim_ftx.FastText(sentences, **small(workers=1, seed=12))
    assert np.array_equal(first.wv.vectors_ngrams, second.wv.vectors_ngrams)
    assert np.array_equal(first.syn1neg, second.syn1neg)
    assert not np.array_equal(first.wv.vectors_vocab, other.wv.vectors_vocab)


def test_compute_loss_reports_a_real_loss(sentences):
    model = gensim_ftx.FastText(**small(epochs=1))
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1, compute_loss=True)
    first = model.get_latest_training_loss()
    assert first > 0
    model.train(sentences, total_examples=len(sentences), epochs=1, compute_loss=True)
    assert 0 < model.get_latest_training_loss() < first  # trained further, so a lower loss per epoch


def test_callbacks_and_online_vocabulary(sentences):
    class Count(CallbackAny2Vec):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, model):
            self.epochs += 1

    counter = Count()
    model = gensim_ftx.FastText(sentences, callbacks=[counter], **small(epochs=2))
    assert counter.epochs == 2
    extra = [["zorblax", "quintessential", "government"]] * 10
    model.build_vocab(extra, update=True)
    model.train(extra, total_examples=len(extra), epochs=1)
    assert "zorblax" in model.wv.key_to_index and np.isfinite(model.wv["zorblax"]).all()


def test_continue_training_a_facebook_model():
    model = gensim_ftx.load_facebook_model(datapath("lee_fasttext_new.bin"))
    before = model.wv.vectors_ngrams.copy()
    model.train(corpus_file=LEE, total_words=model.corpus_total_words, epochs=1)
    assert not np.array_equal(before, model.wv.vectors_ngrams)
    assert np.isfinite(model.wv.vectors_ngrams).all()


def test_read_only_mmap_model_refuses_to_train_clearly():
    model = gensim_ftx.load_facebook_model(datapath("lee_fasttext_new.bin"), mmap="r")
    with pytest.raises(ValueError, match="read-only"):
        model.train(corpus_file=LEE, total_words=model.corpus_total_words, epochs=1)


def test_nan_stops_training_with_a_clear_error(sentences):
    model = gensim_ftx.FastText(**small(epochs=1, alpha=1e30, min_alpha=1e30))
    model.build_vocab(sentences)
    with pytest.raises(FloatingPointError, match="NaN"):
        model.train(sentences, total_examples=len(sentences), epochs=1)


def test_interrupt_leaves_a_usable_model(sentences, tmp_path):
    model = gensim_ftx.FastText(**small(epochs=1000))
    model.build_vocab(sentences)

    class Interrupt(CallbackAny2Vec):
        def on_epoch_end(self, model):
            if model.epochs_done_marker == 1:
                raise KeyboardInterrupt
            model.epochs_done_marker += 1

    model.epochs_done_marker = 0
    with pytest.raises(KeyboardInterrupt):
        model.train(sentences, total_examples=len(sentences), epochs=1000, callbacks=[Interrupt()])
    assert threading.active_count() < 5
    assert np.isfinite(model.wv["government"]).all()
    gensim_ftx.save_facebook_model(model, tmp_path / "after-interrupt.bin")
    assert gensim_ftx.load_facebook_model(tmp_path / "after-interrupt.bin").wv.vector_size == 24


@pytest.mark.parametrize("kwargs, message", [
    (dict(vector_size=0), "vector_size"),
    (dict(bucket=-1), "bucket"),
    (dict(window=-2), "window"),
])
def test_bad_arguments_fail_early(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gensim_ftx.FastText(**kwargs)


def test_min_n_above_max_n_trains_words_only(sentences):
    model = gensim_ftx.FastText(sentences, min_n=5, max_n=3, **small())
    assert model.wv.bucket == 0
    assert "governmentalism" not in model.wv


def test_empty_and_all_rare_corpora_fail_clearly(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(RuntimeError, match="vocabulary"):
        gensim_ftx.FastText(corpus_file=str(empty), **small())
    rare = tmp_path / "rare.txt"
    rare.write_text("alpha beta gamma\n")
    with pytest.raises(RuntimeError, match="vocabulary"):
        gensim_ftx.FastText(corpus_file=str(rare), **small(min_count=5))


def test_garbage_and_invalid_utf8_train_as_bytes(tmp_path):
    rng = np.random.default_rng(0)
    garbage = tmp_path / "garbage.bin"
    words = [bytes(rng.integers(33, 256, size=rng.integers(1, 8)).astype(np.uint8)) for _ in range(40)]
    garbage.write_bytes(b" ".join(words[i % 40] for i in rng.integers(0, 40, 20000)) + b"\n")
    model = gensim_ftx.FastText(corpus_file=str(garbage), **small(min_count=1, epochs=1))
    assert len(model.wv) > 0 and np.isfinite(model.wv.vectors).all()


def test_missing_corpus_file_names_it():
    with pytest.raises(OSError, match="no-such-corpus"):
        gensim_ftx.FastText(corpus_file="/nonexistent/no-such-corpus.txt", **small())


def test_patch_gensim_swaps_and_restores(sentences, tmp_path):
    original = gensim_fasttext.FastText
    with gensim_ftx.patched_gensim():
        import gensim.models
        from gensim.models.fasttext import FastText, FastTextKeyedVectors, load_facebook_model

        assert gensim.models.FastText is FastText is gensim_ftx.FastText
        assert FastTextKeyedVectors is gensim_ftx.FastTextKeyedVectors
        assert load_facebook_model is gensim_ftx.load_facebook_model
        # classes must still work while patched: gensim's methods call super() with its own names
        model = gensim.models.FastText(sentences[:50], **small(min_count=1, epochs=1))
        model.save(str(tmp_path / "patched.model"))
        assert type(gensim.models.FastText.load(str(tmp_path / "patched.model"))) is gensim_ftx.FastText
        assert type(load_facebook_model(datapath("toy-model.bin"))) is gensim_ftx.FastText
    assert gensim_fasttext.FastText is original
    assert type(gensim_fasttext.FastText(sentences[:50], **small(min_count=1, epochs=1))) is original


def _alias_shares(table: np.ndarray) -> np.ndarray:
    """The exact probability of each outcome of an alias table (uniform slot, then the coin)."""
    accept = (table >> np.uint64(32)).astype(np.float64) / 2**32
    alias = (table & np.uint64(0xFFFFFFFF)).astype(np.int64)
    shares = accept.copy()
    np.add.at(shares, alias, 1.0 - accept)
    return shares / len(table)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=300), st.sampled_from([0.5, 0.75, 1.0, -0.5]))
def test_negative_sampler_draws_with_count_power_probabilities(counts, power):
    counts = np.array(counts)
    weights = np.array([float(c) ** power if c > 0 else 0.0 for c in counts])
    expected = weights / weights.sum() if weights.sum() > 0 else np.full(len(counts), 1 / len(counts))
    table = negative_sampler(counts, power)
    assert np.allclose(_alias_shares(table), expected, rtol=0, atol=1e-9)
    assert (table & np.uint64(0xFFFFFFFF)).max() < len(counts)


def test_fasttext_negative_table_rounds_every_share_up_to_whole_entries():
    # fastText's table gives word i ceil(sqrt(c_i) * size / sum sqrt(c)) entries:
    # with 10 entries, shares 6.91, 2.18, 0.69, 0.22 become 7, 3, 1, 1.
    counts = np.array([1000, 100, 10, 1])
    shares = _alias_shares(negative_sampler(counts, 0.5, table_size=10))
    assert np.allclose(shares, np.array([7, 3, 1, 1]) / 12, rtol=0, atol=1e-9)
    assert FASTTEXT.negative_table == 10_000_000 and GENSIM.negative_table == 0
    # A word too rare for a whole entry still gets one; a word of count 0 gets none.
    # sqrt(4e14) = 2e7: two words of 5M entries each, and 0.25 of an entry rounded up to 1.
    entries = np.array([5_000_000, 5_000_000, 1, 0])
    shares = _alias_shares(negative_sampler(np.array([4 * 10**14, 4 * 10**14, 1, 0]), 0.5, table_size=10_000_000))
    assert np.allclose(shares, entries / entries.sum(), rtol=0, atol=1e-9)  # 32-bit alias thresholds


def test_tables_follow_each_semantics():
    counts = np.array([1000, 100, 10, 1])
    ft = keep_probabilities(counts, 1e-2, FASTTEXT.subsampling, ntokens=2000)
    f = counts / 2000
    assert np.allclose(ft, np.minimum(np.sqrt(1e-2 / f) + 1e-2 / f, 1.0))
    gs = keep_probabilities(counts, 1e-2, GENSIM.subsampling)
    threshold = 1e-2 * counts.sum()
    assert np.allclose(gs, np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0))
    assert np.allclose(_alias_shares(negative_sampler(counts, 0.5)), np.sqrt(counts) / np.sqrt(counts).sum(),
                       rtol=0, atol=1e-9)
    indptr, nodes, codes = huffman_paths(counts)
    assert np.diff(indptr).tolist() == [1, 2, 3, 3]  # the most frequent word gets the shortest code


def test_an_error_in_a_worker_thread_stops_training_with_that_error(sentences, monkeypatch):
    # gensim's training loop waits forever for a worker thread that died; ours must re-raise instead.
    model = gensim_ftx.FastText(sentences, **small(epochs=1))

    def broken(*args, **kwargs):
        raise RuntimeError("broken batch")

    monkeypatch.setattr(gensim_ftx.model, "encode_sentences", broken)
    outcome = {}

    def train():
        try:
            model.train(sentences, total_examples=len(sentences), epochs=2)
        except RuntimeError as err:
            outcome["error"] = str(err)

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "train() hung after a worker failed"
    assert outcome == {"error": "broken batch"}
    assert np.isfinite(model.wv.vectors_vocab).all()
