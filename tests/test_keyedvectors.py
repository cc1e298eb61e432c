"""Keyed-vector behaviour: lazy composite vectors, bulk lookups, gensim compatibility, pickling."""
from __future__ import annotations

import numpy as np
import pytest
from gensim.models import fasttext as gensim_fasttext
from gensim.test.utils import datapath

import gensim_ftx
from gensim_ftx.io import save_word_vectors

OOV = ["governmentalism", "café", "日本語", "😀", "zz", "q", ""]


@pytest.fixture(scope="module")
def lee():
    return gensim_ftx.load_facebook_vectors(datapath("lee_fasttext_new.bin"))


def test_is_a_gensim_fasttext_keyedvectors(lee):
    assert isinstance(lee, gensim_fasttext.FastTextKeyedVectors)


def test_composite_vectors_are_lazy_and_match_per_word(lee):
    wv = gensim_ftx.load_facebook_vectors(datapath("lee_fasttext_new.bin"))
    single = np.stack([wv[w] for w in wv.index_to_key[:100]])
    assert wv._vectors is None  # per-word lookups did not materialise 1.7k x dim vectors
    assert np.array_equal(wv.vectors[:100], single)


def test_bulk_lookup_equals_single_lookups(lee):
    words = lee.index_to_key[:50] + OOV
    bulk = lee[words]
    assert bulk.shape == (len(words), lee.vector_size)
    for row, word in zip(bulk, words):
        assert np.array_equal(row, lee[word])
    assert np.array_equal(lee.get_vectors(words), bulk)


def test_oov_without_ngrams_is_zero(lee):
    # "" has n-grams "<>" only when minn <= 2; lee uses minn 3, so fastText returns zeros.
    assert not lee[""].any()


def test_eos_vector_is_its_own_row(lee):
    index = lee.key_to_index["</s>"]
    assert np.array_equal(lee["</s>"], lee.vectors_vocab[index])


def test_normalised_lookups(lee):
    v = lee.get_vector("governmentalism", norm=True)
    assert np.isclose(np.linalg.norm(v), 1.0, atol=1e-6)
    bulk = lee.get_vectors(["the", "governmentalism"], norm=True)
    assert np.allclose(np.linalg.norm(bulk, axis=1), 1.0, atol=1e-6)


def test_most_similar_and_analogy_api_work(lee):
    neighbours = lee.most_similar("government", topn=3)
    assert len(neighbours) == 3 and all(isinstance(w, str) for w, _ in neighbours)
    oov_neighbours = lee.most_similar("governmentalism", topn=3)
    assert len(oov_neighbours) == 3
    assert -1.0 <= lee.similarity("government", "minister") <= 1.0


def test_buckets_word_matches_gensim_except_eos(lee):
    theirs = gensim_fasttext.load_facebook_vectors(datapath("lee_fasttext_new.bin"))
    for i, word in enumerate(lee.index_to_key):
        mine = lee.buckets_word[i]
        if word == "</s>":
            assert len(mine) == 0  # fastText gives EOS no n-grams; gensim does
        else:
            assert mine.tolist() == theirs.buckets_word[i].tolist()


def test_contains_follows_gensim(lee):
    assert "definitely-not-a-word" in lee
    no_ngrams = gensim_ftx.load_facebook_vectors(datapath("lee_fasttext_new.bin"))
    no_ngrams.bucket = 0
    assert "definitely-not-a-word" not in no_ngrams
    with pytest.raises(KeyError):
        no_ngrams["definitely-not-a-word"]
    with pytest.raises(KeyError):
        no_ngrams[["the", "definitely-not-a-word"]]


def test_vectors_for_all(lee):
    kv = lee.vectors_for_all(["the", "governmentalism", "the"])
    assert kv.index_to_key == ["the", "governmentalism"]
    assert np.array_equal(kv["governmentalism"], lee["governmentalism"])
    assert lee.vectors_for_all(["governmentalism"], allow_inference=False).index_to_key == []


def test_get_subwords_lists_word_then_ngrams(lee):
    names, ids = lee.get_subwords("the")
    assert names[:3] == ["the", "<th", "<the"]
    assert ids[0] == lee.key_to_index["the"]
    assert len(names) == len(ids)


def test_pickle_round_trip_keeps_class_and_vectors(lee, tmp_path):
    path = tmp_path / "lee.kv"
    lee.save(str(path))
    loaded = gensim_ftx.FastTextKeyedVectors.load(str(path))
    assert type(loaded) is gensim_ftx.FastTextKeyedVectors
    words = lee.index_to_key[:20] + OOV
    assert np.array_equal(loaded[words], lee[words])
    assert np.array_equal(loaded.subword_ids, lee.subword_ids)


def test_mmap_load_is_read_only_and_equal(tmp_path):
    path = datapath("lee_fasttext_new.bin")
    mapped = gensim_ftx.load_facebook_vectors(path, mmap="r")
    plain = gensim_ftx.load_facebook_vectors(path)
    assert isinstance(mapped.vectors_ngrams, np.memmap)
    assert not mapped.vectors_ngrams.flags.writeable
    words = plain.index_to_key + OOV
    assert np.array_equal(mapped[words], plain[words])


def test_word_vectors_export_matches_fasttext_vec_files(tmp_path):
    # gensim ships the .vec files fastText wrote beside these models.
    for name in ("toy-model", "crime-and-punishment"):
        wv = gensim_ftx.load_facebook_vectors(datapath(f"{name}.bin"))
        out = tmp_path / f"{name}.vec"
        save_word_vectors(wv, out)
        assert out.read_bytes() == open(datapath(f"{name}.vec"), "rb").read()


def test_bulk_lookup_fills_a_given_buffer(lee):
    words = lee.index_to_key[:20] + OOV
    buffer = np.full((len(words), lee.vector_size), np.nan, dtype=np.float32)
    result = lee.get_vectors(words, out=buffer)
    assert result is buffer
    assert np.array_equal(buffer, lee.get_vectors(words))
    normed = lee.get_vectors(words, norm=True, out=buffer)
    assert np.array_equal(normed, lee.get_vectors(words, norm=True))
    for bad in (np.zeros((len(words) + 1, lee.vector_size), np.float32),
                np.zeros((len(words), lee.vector_size), np.float64),
                np.zeros((lee.vector_size, len(words)), np.float32).T):
        with pytest.raises(ValueError, match="out must be"):
            lee.get_vectors(words, out=bad)
