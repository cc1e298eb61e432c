"""Hashing and n-gram extraction against gensim's reference implementation and fastText's rules."""
from __future__ import annotations

import numpy as np
import pytest
from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_ftx.text._subwords import SubwordHasher, ft_hash, murmurhash3_x64_128, ngram_strings, pack_words


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=40))
def test_hash_matches_gensim_on_any_bytes(data):
    # gensim reproduces fastText's sign-extended FNV-1a; bytes >= 0x80 are the interesting case.
    assert ft_hash(data) == ft_hash_bytes(data)


def test_hash_known_values():
    assert ft_hash(b"") == 2166136261
    # Sign extension: 0x80 XORs as 0xFFFFFF80, so the unsigned variant would differ.
    assert ft_hash(b"\x80") == ((2166136261 ^ 0xFFFFFF80) * 16777619) & 0xFFFFFFFF


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=12), st.integers(1, 4), st.integers(0, 6))
def test_ngrams_match_gensim(word, minn, extra):
    maxn = minn + extra
    data = word.encode("utf-8", errors="surrogatepass")
    try:
        expected = compute_ngrams_bytes(word, minn, maxn)
    except UnicodeEncodeError:
        pytest.skip("gensim cannot encode lone surrogates")
    if data == b"</s>":
        assert ngram_strings(data, minn, maxn) == []
    else:
        assert ngram_strings(data, minn, maxn) == expected


def test_ngrams_walk_code_points_and_skip_lone_brackets():
    assert ngram_strings("añ".encode(), 1, 1) == [b"a", "ñ".encode()]
    assert ngram_strings(b"ab", 1, 2) == [b"<a", b"a", b"ab", b"b", b"b>"]
    assert ngram_strings(b"</s>", 1, 6) == []


def test_eos_has_only_its_own_row():
    hasher = SubwordHasher(3, 6, 1000, 10)
    assert hasher.subwords(b"</s>", 0).tolist() == [0]
    assert hasher.subwords(b"</s>").tolist() == []


def test_subword_rows_are_offset_by_nwords_and_follow_the_word_row():
    hasher = SubwordHasher(3, 6, 1000, 10)
    rows = hasher.subwords(b"where", 7)
    expected = [10 + ft_hash(g) % 1000 for g in ngram_strings(b"where", 3, 6)]
    assert rows.tolist() == [7] + expected


@pytest.mark.parametrize("minn,maxn", [(3, 0), (5, 3)])
def test_disabled_ngrams(minn, maxn):
    hasher = SubwordHasher(minn, maxn, 1000, 4)
    assert hasher.subwords(b"word", 2).tolist() == [2]
    assert hasher.subwords(b"word").tolist() == []


def test_zero_buckets_disable_ngrams():
    assert SubwordHasher(3, 6, 0, 4).subwords(b"word", 1).tolist() == [1]


def test_pruned_table_remaps_and_drops():
    grams = ngram_strings(b"abc", 3, 3)
    buckets = [ft_hash(g) % 100 for g in grams]
    kept = buckets[0]
    hasher = SubwordHasher(3, 3, 100, 5, pruneidx=np.array([[kept, 0]], dtype=np.int32))
    expected = [5 + 0 for b in buckets if b == kept]
    assert hasher.subwords(b"abc").tolist() == expected
    assert SubwordHasher(3, 3, 100, 5, pruneidx=np.zeros((0, 2), np.int32)).subwords(b"abc").tolist() == []


def test_csr_equals_per_word_calls():
    words = ["</s>", "the", "naïve", "日本語", "😀", "", "x" * 300]
    hasher = SubwordHasher(2, 5, 5000, len(words))
    blob, starts, ends = pack_words(words)
    indptr, ids = hasher.csr(blob, starts, ends, True)
    for k, word in enumerate(words):
        assert ids[indptr[k]:indptr[k + 1]].tolist() == hasher.subwords(word.encode(), k).tolist()
    indptr, ids = hasher.csr(blob, starts, ends, False)
    assert ids[indptr[1]:indptr[2]].tolist() == hasher.subwords(b"the").tolist()


def test_csr_rejects_spans_outside_the_blob():
    hasher = SubwordHasher(3, 6, 100, 1)
    with pytest.raises(ValueError, match="outside"):
        hasher.csr(np.zeros(3, np.uint8), np.array([0], np.int64), np.array([9], np.int64))


def test_murmurhash_reference_vectors():
    # MurmurHash3_x64_128 with seed 0 of the empty string is all zeros; these values come from
    # the reference implementation (SMHasher) for "hello" with seed 0.
    assert murmurhash3_x64_128(b"", 0) == (0, 0, 0, 0)
    h1 = 0xCBD8A7B341BD9B02
    h2 = 0x5B1E906A48AE1D19
    assert murmurhash3_x64_128(b"hello", 0) == (h1 & 0xFFFFFFFF, h1 >> 32, h2 & 0xFFFFFFFF, h2 >> 32)


def test_hasher_argument_checks():
    with pytest.raises(ValueError, match="bucket"):
        SubwordHasher(3, 6, -1, 1)
    with pytest.raises(ValueError, match="hash_count"):
        SubwordHasher(3, 6, 10, 1, floret=True, hash_count=5)


def test_ngram_strings_refuses_what_cannot_fit_at_once():
    # a ValueError naming maxn, not a MemoryError after filling the memory
    with pytest.raises(ValueError, match="maxn"):
        ngram_strings(b"a" * 10**5, 1, 2**31 - 1)
    assert len(ngram_strings(b"a" * 10**5, 3, 6)) == 399994  # a long word with real settings still works
