"""fastText tokenisation, word counting, word tables and byte-range shard readers."""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Imported through the package: ruff's isort cannot see compiled submodules as first-party.
from gensim_ftx.text import _corpus, _counts, _subwords

ShardReader, WordTable, count_words = _corpus.ShardReader, _corpus.WordTable, _counts.count_words
ft_hash = _subwords.ft_hash

SEPARATORS = b" \n\r\t\v\f\0"
TOKEN_RE = re.compile(rb"[^ \n\r\t\v\f\x00]+")
EOS = b"</s>"


# --- pure-Python reference ---------------------------------------------------------------------

def ref_stream(data: bytes) -> list:
    """Tokens of ``data`` in order; ``None`` marks a newline."""
    out = []
    lines = data.split(b"\n")
    for k, line in enumerate(lines):
        out.extend(TOKEN_RE.findall(line))
        if k < len(lines) - 1:
            out.append(None)
    return out


def ref_tokens(data: bytes, eos: bool = True) -> list[bytes]:
    return [EOS if t is None else t for t in ref_stream(data) if t is not None or eos]


def ref_counts(data: bytes, eos: bool = True, max_token_bytes: int = 1 << 20) -> tuple[list[bytes], list[int]]:
    counts: dict[bytes, int] = {}
    for t in ref_tokens(data, eos):
        t = t[:max_token_bytes]
        counts[t] = counts.get(t, 0) + 1  # dicts keep first-insertion order
    return list(counts), list(counts.values())


def ref_lines(data: bytes, vocab: dict[bytes, int], eos: bool, max_line_tokens: int) -> list[list[int]]:
    """What one ShardReader over the whole file must return (without wrap)."""
    lines, line, started = [], [], False
    for tok in ref_stream(data):
        started = True
        if tok is None:
            # Only a newline ends a line (a literal "</s>" in the text is an ordinary token).
            if eos and EOS in vocab:
                line.append(vocab[EOS])
            lines.append(line)
            line, started = [], False
        elif tok in vocab:
            line.append(vocab[tok])
            if len(line) == max_line_tokens:
                lines.append(line)
                line, started = [], False
    if started:
        lines.append(line)
    return lines


def write(tmp_path, data: bytes, name: str = "corpus.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def table_for(data: bytes, eos: bool = True) -> tuple[WordTable, list[bytes]]:
    words = ref_counts(data, eos)[0]
    if EOS not in words:
        words.append(EOS)
    return WordTable(words), words


def shard_tokens(path: str, table: WordTable, words: list[bytes], cuts: list[int], eos: bool) -> list[bytes]:
    """All tokens of consecutive shards [cuts[i], cuts[i+1]), concatenated."""
    out = []
    for start, end in zip(cuts[:-1], cuts[1:]):
        reader = ShardReader(path, table, start, end, eos=eos, max_line_tokens=7)
        for line in reader.read_all():
            out.extend(words[i] for i in line)
    return out


# --- tokenisation and counting -----------------------------------------------------------------

TRICKY = [
    b"",
    b"\n",
    b"\n\n\n",
    b"  \t\r\n\v\f\0 ",
    b"a",
    b"a\n",
    b"\na",
    b"  lead and trail  ",
    b"win\r\ndows\r\nlines\r\n",
    b"a\0b\0\0c",
    b"tab\tvt\vff\fcr\rnl\n",
    b"\xff\xfe bad \xc3\x28 utf8 \xe2\x82",
    b"\x00\x01\x02\x7f\x80\x9f\xa0\xff \x1b[0m",
    b"empty\n\nlines\n\n\n",
    b"</s> is </s>\n",
    b"caf\xc3\xa9 \xe2\x80\x83 nbsp\xc2\xa0 x",  # Unicode spaces are not separators
]


@pytest.mark.parametrize("data", TRICKY)
@pytest.mark.parametrize("eos", [True, False])
def test_count_words_tricky_inputs(tmp_path, data, eos):
    words, counts, ntokens = count_words(write(tmp_path, data), eos=eos)
    ref_words, ref_cnt = ref_counts(data, eos)
    assert words == ref_words
    assert counts.dtype == np.int64 and counts.tolist() == ref_cnt
    assert ntokens == len(ref_tokens(data, eos)) == counts.sum()


def test_count_words_known_tokens(tmp_path):
    data = b" a\tb\r\n\nc\0d\x80\n"
    words, counts, ntokens = count_words(write(tmp_path, data))
    assert words == [b"a", b"b", EOS, b"c", b"d\x80"]
    assert counts.tolist() == [1, 1, 3, 1, 1]
    assert ntokens == 7
    # EOS follows the word that the newline ends; consecutive newlines each give one.
    assert ref_tokens(data) == [b"a", b"b", EOS, EOS, b"c", b"d\x80", EOS]


@pytest.mark.parametrize("every", [1, 2, 3, 7, 1000])
def test_count_words_reports_progress_and_counts_the_same(tmp_path, every):
    """fastText's "Read NM words": a call each time another ``every`` tokens are read, and the
    counts equal one uninterrupted pass."""
    data = b"one two three\n\nfour five six seven\r\neight nine\n" * 3
    path = write(tmp_path, data)
    seen = []
    words, counts, ntokens = count_words(path, progress=seen.append, progress_every=every)
    ref_words, ref_counts_, ref_ntokens = count_words(path)
    assert words == ref_words and counts.tolist() == ref_counts_.tolist() and ntokens == ref_ntokens == 39
    assert seen == list(range(every, ntokens + 1, every))
    with pytest.raises(ValueError, match="progress_every"):
        count_words(path, progress=seen.append, progress_every=0)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.sampled_from([b"a", b"bb", b"\xc3\xa9", b"</s>", b"\xff"]),
                          st.sampled_from([bytes([c]) for c in SEPARATORS]),
                          st.binary(min_size=1, max_size=4)), max_size=60),
       st.booleans())
def test_count_words_matches_reference(tmp_path_factory, pieces, eos):
    data = b"".join(pieces)
    path = write(tmp_path_factory.mktemp("c"), data)
    words, counts, ntokens = count_words(path, eos=eos)
    ref_words, ref_cnt = ref_counts(data, eos)
    assert words == ref_words
    assert counts.tolist() == ref_cnt
    assert ntokens == sum(ref_cnt)


def test_count_words_across_read_buffers(tmp_path):
    # count_words reads 4 MiB at a time: put tokens and separators right on the boundary and a
    # 5 MiB token that spans two reads.
    rng = np.random.default_rng(3)
    vocab = [b"w%d" % i for i in range(500)]
    body = b" ".join(vocab[i] for i in rng.integers(0, 500, 600_000))
    chunk = 4 << 20
    data = body[: chunk - 3] + b"straddle" + b"\n" + body[:100] + b" " + b"L" * (5 << 20) + b"\n" + body
    path = write(tmp_path, data)
    for limit in (1 << 20, 16 << 20):
        words, counts, ntokens = count_words(path, max_token_bytes=limit)
        ref_words, ref_cnt = ref_counts(data, max_token_bytes=limit)
        assert words == ref_words and counts.tolist() == ref_cnt and ntokens == sum(ref_cnt)
        assert b"L" * min(limit, 5 << 20) in words


def test_count_words_truncates_long_tokens(tmp_path):
    data = b"abcdefgh abcdXYZ ab abcd\n" + b"Q" * (3 << 20)
    words, counts, ntokens = count_words(write(tmp_path, data), max_token_bytes=4)
    assert words == [b"abcd", b"ab", EOS, b"QQQQ"]
    assert counts.tolist() == [3, 1, 1, 1]
    assert ntokens == 6  # each long token is still a single token
    with pytest.raises(ValueError):
        count_words(write(tmp_path, data), max_token_bytes=0)


def test_count_words_errors(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError) as info:
        count_words(missing)
    assert info.value.filename == str(missing)
    with pytest.raises(IsADirectoryError):
        count_words(tmp_path)


EN17M = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "en17m.txt.xz")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(EN17M), reason="needs ../shared/data/en17m.txt.xz")
def test_count_words_en17m(tmp_path):
    import lzma

    path = tmp_path / "en17m.txt"
    with lzma.open(EN17M) as src, open(path, "wb") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk)
    words, counts, ntokens = count_words(path)
    # One 100 MB line without a trailing newline, so no </s>.
    assert (len(words), ntokens, int(counts.sum())) == (221_302, 16_912_368, 16_912_368)
    assert EOS not in words


# --- WordTable ---------------------------------------------------------------------------------

def test_word_table_lookups():
    words = [EOS, b"the", b"", b"caf\xc3\xa9", b"x" * 100_000, b"\x00\xff"]
    table = WordTable(words)
    assert len(table) == len(words)
    for i, w in enumerate(words):
        assert table.get(w) == i
    for absent in [b"th", b"thee", b"x" * 99_999, b"x" * 100_001, b"\x00", b"</S>"]:
        assert table.get(absent) == -1
    assert WordTable([]).get(b"") == -1 and len(WordTable([])) == 0


def test_word_table_duplicates_last_id_wins():
    table = WordTable([b"a", b"b", b"a", b"c", b"b"])
    assert (table.get(b"a"), table.get(b"b"), table.get(b"c")) == (2, 4, 3)
    assert len(table) == 5


def test_word_table_hash_collisions():
    # A full 32-bit FNV-1a collision: the table must compare the bytes, not only the hash.
    a, b = b"glbvs", b"yacxa"
    assert ft_hash(a) == ft_hash(b)
    assert WordTable([a]).get(b) == -1
    table = WordTable([a, b])
    assert (table.get(a), table.get(b)) == (0, 1)
    # A tiny table (2 or 4 slots) with every probe sequence colliding.
    for n in range(1, 4):
        words = [b"k%d" % i for i in range(n)]
        table = WordTable(words)
        assert [table.get(w) for w in words] == list(range(n))
        assert all(table.get(b"z%d" % i) == -1 for i in range(200))


def test_word_table_many_words():
    words = [b"%x" % (i * 7919) for i in range(50_000)]
    table = WordTable(words)
    assert all(table.get(w) == i for i, w in enumerate(words))
    assert all(table.get(b"-%d" % i) == -1 for i in range(1000))


def test_word_table_rejects_str():
    with pytest.raises(TypeError):
        WordTable([b"a", "b"])


# --- ShardReader -------------------------------------------------------------------------------

@pytest.mark.parametrize("data", TRICKY)
@pytest.mark.parametrize("eos", [True, False])
def test_reader_lines_tricky(tmp_path, data, eos):
    path = write(tmp_path, data)
    table, words = table_for(data, eos)
    vocab = {w: i for i, w in enumerate(words)}
    for max_line in (1, 2, 1024):
        reader = ShardReader(path, table, 0, -1, eos=eos, max_line_tokens=max_line)
        got = [line.tolist() for line in reader.read_all()]
        assert got == ref_lines(data, vocab, eos, max_line)


def test_reader_oov_and_raw_tokens(tmp_path):
    path = write(tmp_path, b"a x b\ny\n\nzz a")
    table = WordTable([EOS, b"a", b"b"])
    reader = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=1024)
    seen = [reader.read_line() for _ in range(5)]
    assert [(None if ids is None else ids.tolist(), raw) for ids, raw in seen] == [
        ([1, 2, 0], 4), ([0], 2), ([0], 1), ([1], 2), (None, 0)]
    # Without </s> in the table the newline still ends the line and still counts as a token.
    reader = ShardReader(path, WordTable([b"a", b"b"]), 0, -1, eos=True, max_line_tokens=1024)
    seen = [reader.read_line() for _ in range(5)]
    assert [(None if ids is None else ids.tolist(), raw) for ids, raw in seen] == [
        ([0, 1], 4), ([], 2), ([], 1), ([0], 2), (None, 0)]
    # eos=False: newlines end lines but are not tokens.
    reader = ShardReader(path, table, 0, -1, eos=False, max_line_tokens=1024)
    seen = [reader.read_line() for _ in range(5)]
    assert [(None if ids is None else ids.tolist(), raw) for ids, raw in seen] == [
        ([1, 2], 3), ([], 1), ([], 0), ([1], 2), (None, 0)]


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from([b"a", b"bcd", b"efghij", b"\xc3\xa9"]),
                          st.sampled_from([b" ", b"\n", b"\t", b"\r\n", b"\0", b"  "])), max_size=50),
       st.data(), st.booleans())
def test_shards_cover_every_token_once(tmp_path, pieces, data, eos):
    text = b"".join(pieces)
    path = write(tmp_path, text, "shards.txt")
    table, words = table_for(text, eos)
    nshards = data.draw(st.integers(1, 5))
    inner = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=nshards - 1, max_size=nshards - 1)))
    cuts = [0, *inner, len(text)]
    assert shard_tokens(path, table, words, cuts, eos) == ref_tokens(text, eos)
    # fastText-style even split, and the last shard running to end = -1.
    even = [len(text) * k // nshards for k in range(nshards)] + [-1]
    assert shard_tokens(path, table, words, even, eos) == ref_tokens(text, eos)


def test_shard_boundaries_inside_and_between_tokens(tmp_path):
    text = b"alpha beta\ngamma  delta"
    path = write(tmp_path, text)
    table, words = table_for(text)
    for cut in range(len(text) + 1):
        assert shard_tokens(path, table, words, [0, cut, len(text)], True) == ref_tokens(text), cut
    # A token belongs to the shard holding its first byte: [0, 7) ends inside "beta" and owns it,
    # while the newline at offset 10 (and so its </s>) belongs to the next shard.
    reader = ShardReader(path, table, 0, 7, eos=True, max_line_tokens=10)
    assert [[words[i] for i in line] for line in reader.read_all()] == [[b"alpha", b"beta"]]
    reader = ShardReader(path, table, 7, -1, eos=True, max_line_tokens=10)
    assert [[words[i] for i in line] for line in reader.read_all()] == [[EOS], [b"gamma", b"delta"]]
    # An empty range reads nothing; so does a shard at the end of the file.
    assert ShardReader(path, table, 3, 3, eos=True, max_line_tokens=10).read_all() == []
    assert ShardReader(path, table, len(text), -1, eos=True, max_line_tokens=10).read_all() == []


def test_shards_on_a_large_file(tmp_path):
    # Shard readers read 1 MiB at a time: cover tokens crossing their buffer boundaries too.
    rng = np.random.default_rng(11)
    vocab = [b"t%d" % i for i in range(3000)]
    seps = [b" ", b" ", b" ", b"\n", b"\t"]
    picks = rng.integers(0, 3000, 500_000)
    sep_picks = rng.integers(0, len(seps), 500_000)
    text = b"".join(vocab[i] + seps[s] for i, s in zip(picks, sep_picks))
    path = write(tmp_path, text)
    table, words = table_for(text)
    expected = ref_tokens(text)
    for nshards in (1, 3, 4):
        cuts = [len(text) * k // nshards for k in range(nshards)] + [-1]
        ids = []
        for start, end in zip(cuts[:-1], cuts[1:]):
            for line in ShardReader(path, table, start, end, eos=True, max_line_tokens=1024).read_all():
                ids.extend(line.tolist())
        assert len(ids) == len(expected)
        assert [words[i] for i in ids] == expected


def test_long_single_line_is_split(tmp_path):
    n = 2500
    text = b" ".join(b"w%d" % (i % 10) for i in range(n)) + b"\n"
    path = write(tmp_path, text)
    table, words = table_for(text)
    lines = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=1024).read_all()
    assert [len(line) for line in lines] == [1024, 1024, 453]
    assert lines[-1][-1] == table.get(EOS)
    flat = [words[i] for line in lines for i in line]
    assert flat == ref_tokens(text)
    # Exactly full lines: the newline's </s> becomes a line of its own.
    text = b" ".join([b"a"] * 8) + b"\n"
    path = write(tmp_path, text, "exact.txt")
    table, _ = table_for(text)
    lines = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=4).read_all()
    assert [line.tolist() for line in lines] == [[0] * 4, [0] * 4, [1]]


def test_tokens_longer_than_the_read_buffer(tmp_path):
    big = b"B" * ((1 << 20) + 123)
    text = b"a " + big + b" b\n" + b"x" * (3 << 20)
    path = write(tmp_path, text)
    table = WordTable([b"a", big, b"b", EOS, b"x" * 1000])
    lines = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=10, max_token_bytes=4 << 20).read_all()
    assert [line.tolist() for line in lines] == [[0, 1, 2, 3], []]
    # The default 1 MiB cut makes the big token an unknown word (still one raw token).
    reader = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=10)
    assert [(ids.tolist(), raw) for ids, raw in (reader.read_line(), reader.read_line())] == [
        ([0, 2, 3], 4), ([], 1)]
    # With truncation the long x-run is looked up as its first 1000 bytes.
    lines = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=10, max_token_bytes=1000).read_all()
    assert [line.tolist() for line in lines] == [[0, 2, 3], [4]]


def test_wrap_mode_cycles(tmp_path):
    text = b"a b\nc"
    path = write(tmp_path, text)
    table = WordTable([EOS, b"a", b"b", b"c"])
    reader = ShardReader(path, table, 0, 2, eos=True, max_line_tokens=10, wrap=True)
    lines = [line.tolist() for line in reader.read_all(max_lines=7)]
    # end is ignored; the end of the file ends a line, then reading restarts at offset 0.
    assert lines == [[1, 2, 0], [3], [1, 2, 0], [3], [1, 2, 0], [3], [1, 2, 0]]
    # Starting inside "b": the partial token is skipped on the first pass only.
    reader = ShardReader(path, table, 3, -1, eos=True, max_line_tokens=10, wrap=True)
    assert [line.tolist() for line in reader.read_all(max_lines=4)] == [[0], [3], [1, 2, 0], [3]]
    total = 0
    for _ in range(10):
        ids, raw = reader.read_line()
        assert ids is not None
        total += raw
    assert total == 4 * 5  # five full passes of four tokens
    with pytest.raises(ValueError):
        reader.read_all()
    reader.rewind()
    assert reader.read_line()[0].tolist() == [0]


@pytest.mark.parametrize("text", [b"", b"  \n\t\n", b"\n"])
def test_wrap_mode_without_tokens_ends(tmp_path, text):
    path = write(tmp_path, text)
    table = WordTable([EOS])
    reader = ShardReader(path, table, 0, -1, eos=False, max_line_tokens=10, wrap=True)
    lines = reader.read_all(max_lines=100)
    assert len(lines) < 100 and all(len(line) == 0 for line in lines)
    assert reader.read_line() == (None, 0)


def test_wrap_mode_ends_after_a_pass_without_known_words(tmp_path):
    # A budget counted in known words can never be met on such a file: the reader must end.
    path = write(tmp_path, b"a b\nc d\n")
    reader = ShardReader(path, WordTable([EOS, b"zz"]), 2, -1, eos=False, max_line_tokens=10, wrap=True)
    lines = reader.read_all(max_lines=100)
    assert len(lines) < 100 and all(len(line) == 0 for line in lines)
    # With </s> known, every line yields an id and the reader goes on.
    reader = ShardReader(path, WordTable([EOS, b"zz"]), 2, -1, eos=True, max_line_tokens=10, wrap=True)
    assert [line.tolist() for line in reader.read_all(max_lines=5)] == [[0], [0], [0], [0], [0]]


def test_rewind_and_read_after_end(tmp_path):
    path = write(tmp_path, b"x y\nz")
    table = WordTable([b"x", b"y", b"z", EOS])
    reader = ShardReader(path, table, 0, -1, eos=True, max_line_tokens=10)
    first = [line.tolist() for line in reader.read_all()]
    assert first == [[0, 1, 3], [2]]
    assert reader.read_all() == []
    assert reader.read_line() == (None, 0)
    reader.rewind()
    assert [line.tolist() for line in reader.read_all()] == first


def test_readers_in_threads(tmp_path):
    rng = np.random.default_rng(5)
    text = b" ".join(b"v%d" % i for i in rng.integers(0, 200, 200_000)) + b"\n"
    path = write(tmp_path, text)
    table, words = table_for(text)
    cuts = [len(text) * k // 8 for k in range(8)] + [-1]

    def read(k):
        return [line.tolist() for line in ShardReader(path, table, cuts[k], cuts[k + 1], eos=True,
                                                      max_line_tokens=1024).read_all()]

    sequential = [read(k) for k in range(8)]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(read, range(8))) == sequential


def test_reader_errors(tmp_path):
    table = WordTable([b"a"])
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as info:
        ShardReader(missing, table, 0, -1, eos=True, max_line_tokens=10)
    assert info.value.filename == str(missing)
    path = write(tmp_path, b"a a a")
    with pytest.raises(ValueError, match="beyond the end"):
        ShardReader(path, table, 6, -1, eos=True, max_line_tokens=10)
    with pytest.raises(ValueError):
        ShardReader(path, table, 3, 2, eos=True, max_line_tokens=10)
    with pytest.raises(ValueError):
        ShardReader(path, table, 0, -1, eos=True, max_line_tokens=0)
    with pytest.raises(TypeError):
        ShardReader(path, None, 0, -1, eos=True, max_line_tokens=10)
    # end beyond the file is clamped.
    reader = ShardReader(path, table, 0, 1000, eos=True, max_line_tokens=10)
    assert reader.end == 5 and [line.tolist() for line in reader.read_all()] == [[0, 0, 0]]


def test_separators_are_fasttexts():
    """The tokeniser's separators (``_tokens.pxd``), as the Python side sees them, are readWord's."""
    assert sorted(_corpus.SEPARATORS) == sorted(SEPARATORS)
