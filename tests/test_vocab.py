"""The compact vocabulary: KeyStore, and KeyToIndex / IndexToKey behaving as gensim's dict and list."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from gensim.models import fasttext as gensim_fasttext
from gensim.test.utils import datapath
from hypothesis import given, settings
from hypothesis import strategies as st

import gensim_ftx
from gensim_ftx.text._subwords import ft_hash
from gensim_ftx.text.vocab import IndexToKey, KeyStore, KeyToIndex, compact_store, make_views, positions


def _entries(items: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ends = np.cumsum([len(b) for b in items], dtype=np.int64)
    starts = ends - np.array([len(b) for b in items], dtype=np.int64)
    return np.frombuffer(b"".join(items), dtype=np.uint8), starts, ends


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=20, unique=True))
def test_utf8_entries_decode_as_python_does(items):
    store, raw = KeyStore.from_utf8_entries(*_entries(items))
    expected = [b.decode("utf-8", errors="backslashreplace") for b in items]
    assert store.keys() == expected
    invalid = {}
    for i, b in enumerate(items):
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            invalid[i] = b
    assert raw == invalid
    for key in expected:
        assert store.index(key) == expected.index(key) if store.duplicates == 0 else store.index(key) >= 0


@pytest.mark.parametrize("edge", [b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80", b"\xc0\xaf",
                                  b"\xf0\x8f\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xef\xbf\xbf", b"\xc2", b"a\xe2\x82",
                                  b"\xed\x9f\xbf"])
def test_utf8_validation_edges(edge):
    store, raw = KeyStore.from_utf8_entries(*_entries([edge]))
    assert store.key(0) == edge.decode("utf-8", errors="backslashreplace")
    try:
        edge.decode("utf-8")
        assert raw == {}
    except UnicodeDecodeError:
        assert raw == {0: edge}


def test_store_grows_and_finds_every_key():
    keys = [f"w{i}é" for i in range(50_000)]
    store = KeyStore.from_keys(keys[:10])
    for key in keys[10:]:
        store.append(key)
    assert len(store) == len(keys) and store.duplicates == 0
    assert np.array_equal(store.find_many(keys + ["missing", 3, None]),
                          np.r_[np.arange(len(keys)), [-1, -1, -1]])
    assert store.find_many(keys, 100)[99:101].tolist() == [99, -1]
    assert store.index("\ud800") == -1  # a lone surrogate is never a key
    restored = pickle.loads(pickle.dumps(store))
    assert restored.keys() == keys and restored.index(keys[-1]) == len(keys) - 1


def test_keys_with_equal_hashes_are_told_apart():
    # "bgpvu" and "b13ea" collide under fastText's 32-bit FNV-1a, the hash the slots keep.
    assert ft_hash(b"bgpvu") == ft_hash(b"b13ea")
    store = KeyStore.from_keys(["bgpvu"])
    assert store.index("b13ea") == -1
    store.append("b13ea")
    assert (store.index("bgpvu"), store.index("b13ea"), store.duplicates) == (0, 1, 0)
    for k in range(100):  # regrowing the table re-places both from their stored hashes
        store.append(f"w{k}")
    assert (store.index("bgpvu"), store.index("b13ea")) == (0, 1)
    assert pickle.loads(pickle.dumps(store)).index("b13ea") == 1


def test_duplicates_resolve_like_a_dict():
    store = KeyStore.from_keys(["a", "b", "a", "c"])
    assert store.duplicates == 1 and store.index("a") == 2
    key_to_index, index_to_key = make_views(store)
    assert dict(key_to_index) == {"a": 2, "b": 1, "c": 3}  # later duplicates win
    assert list(index_to_key) == ["a", "b", "a", "c"]


def test_views_read_like_dict_and_list():
    words = ["the", "über", "日本", "😀", "</s>"]
    store = KeyStore.from_keys(words + ["__label__x"])
    key_to_index, index_to_key = make_views(store, len(words))
    reference = {w: i for i, w in enumerate(words)}
    assert key_to_index == reference and dict(key_to_index.items()) == reference
    assert list(key_to_index.keys()) == words and list(key_to_index.values()) == list(range(len(words)))
    assert len(key_to_index) == len(index_to_key) == len(words)
    assert "__label__x" not in key_to_index and key_to_index.get("__label__x", -1) == -1
    with pytest.raises(KeyError):
        key_to_index["__label__x"]
    assert index_to_key == words and index_to_key[1:3] == words[1:3] and index_to_key[::-2] == words[::-2]
    assert index_to_key[-1] == "</s>" and index_to_key.index("日本") == 2 and "😀" in index_to_key
    with pytest.raises(IndexError):
        index_to_key[len(words)]
    with pytest.raises(ValueError):
        index_to_key.index("__label__x")
    assert index_to_key + ["x"] == words + ["x"] and index_to_key * 2 == words * 2
    assert list(reversed(index_to_key)) == words[::-1]
    assert positions(key_to_index, ["über", "nope"]).tolist() == [1, -1]
    assert positions(reference, ["über", "nope"]).tolist() == [1, -1]


OPS = st.lists(st.tuples(st.sampled_from(["grow", "grow_list_first", "assign", "delete", "set_item", "insert"]),
                         st.integers(0, 30), st.text(alphabet="abcé", max_size=3)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_views_stay_equal_to_dict_and_list_under_any_mutation(ops):
    words = ["a", "b", "c", "é"]
    key_to_index, index_to_key = make_views(KeyStore.from_keys(words))
    ref_dict, ref_list = {w: i for i, w in enumerate(words)}, list(words)
    for op, number, text in ops:
        for target_dict, target_list in ((key_to_index, index_to_key), (ref_dict, ref_list)):
            if op == "grow":  # gensim's Word2Vec.prepare_vocab(update=True)
                if text not in target_dict:
                    target_dict[text] = len(target_list)
                    target_list.append(text)
            elif op == "grow_list_first":
                if text not in target_dict:
                    target_list.append(text)
                    target_dict[text] = len(target_list) - 1
            elif op == "assign":
                target_dict[text] = number
            elif op == "delete":
                target_dict.pop(text, None)
            elif op == "set_item" and target_list:
                target_list[number % len(target_list)] = text
            elif op == "insert":
                target_list.insert(number, text)
        assert dict(key_to_index) == ref_dict and list(index_to_key) == ref_list
        assert len(key_to_index) == len(ref_dict) and len(index_to_key) == len(ref_list)
        for probe in ["a", "zz", text]:
            assert key_to_index.get(probe) == ref_dict.get(probe) and (probe in index_to_key) == (probe in ref_list)
    restored = pickle.loads(pickle.dumps((key_to_index, index_to_key)))
    assert dict(restored[0]) == ref_dict and list(restored[1]) == ref_list


def test_gensim_style_growth_stays_compact():
    key_to_index, index_to_key = make_views(KeyStore.from_keys(["a", "b"]))
    for word in ["c", "d"]:
        key_to_index[word] = len(index_to_key)
        index_to_key.append(word)
    assert compact_store(key_to_index) is not None and compact_store(index_to_key) is not None
    assert dict(key_to_index) == {"a": 0, "b": 1, "c": 2, "d": 3}


@pytest.fixture(scope="module")
def lee_pair():
    path = datapath("lee_fasttext_new.bin")
    return gensim_ftx.load_facebook_model(path), gensim_fasttext.load_facebook_model(path)


def test_loaded_vocabulary_is_compact_and_equal_to_gensims(lee_pair):
    ours, theirs = lee_pair
    assert isinstance(ours.wv.key_to_index, KeyToIndex) and isinstance(ours.wv.index_to_key, IndexToKey)
    assert compact_store(ours.wv.key_to_index) is not None
    assert ours.wv.key_to_index == theirs.wv.key_to_index
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    word = theirs.wv.index_to_key[7]
    assert ours.wv.get_index(word) == theirs.wv.get_index(word) == 7 and ours.wv.has_index_for(word)
    mine, reference = ours.wv.most_similar(word, topn=5), theirs.wv.most_similar(word, topn=5)
    assert [w for w, _ in mine] == [w for w, _ in reference]
    assert [s for _, s in mine] == pytest.approx([s for _, s in reference], abs=1e-5)


def test_loaded_model_grows_its_vocabulary_compactly(lee_pair):
    model = gensim_ftx.load_facebook_model(datapath("lee_fasttext_new.bin"))
    before = len(model.wv)
    sentences = [["brandnewword", "anotherword", "the"]] * 10
    model.build_vocab(sentences, update=True, min_count=1)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    assert len(model.wv) == before + 2 and model.wv.index_to_key[-2:] == ["brandnewword", "anotherword"]
    assert model.wv.key_to_index["anotherword"] == before + 1
    assert compact_store(model.wv.key_to_index) is not None and compact_store(model.wv.index_to_key) is not None
    assert np.isfinite(model.wv["brandnewword"]).all()
