"""Malformed, truncated and hostile input to the fastText ``.bin`` reader and writer.

The standard: bad input gives a ``ValueError`` (:class:`gensim_ftx.FacebookFormatError`) or an
``OSError`` that names the file, the field and the byte offset. Never a crash, a hang, a
``MemoryError`` from a bogus size, or a silently wrong model.
"""
from __future__ import annotations

import bz2
import gzip
import io
import math
import multiprocessing
import os
import struct
import sys
import time

import numpy as np
import pytest
from gensim.models import fasttext as gensim_fasttext
from gensim.test.utils import datapath

import gensim_ftx
from gensim_ftx import FacebookFormatError

MAGIC = 793712314
ARGS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
        "lr_update_rate")
LOADERS = [gensim_ftx.load_facebook_model, gensim_ftx.load_facebook_vectors]
LOADER_IDS = ["model", "vectors"]


def _read(name: str) -> bytes:
    with open(datapath(name), "rb") as stream:
        return stream.read()


TOY = _read("toy-model.bin")


# ---------------------------------------------------------------------------------------------
# where the fields of a file are


def layout(data: bytes) -> dict[str, int]:
    """Byte offset of every field of a dense, non-floret v11/v12 model, found by walking the file.

    Keys are the field names the reader reports ('args.loss', 'dictionary.entry[3].type', ...).
    """
    assert struct.unpack_from("<i", data)[0] == MAGIC
    at = {"magic": 0, "version": 4}
    for k, name in enumerate(ARGS):
        at[f"args.{name}"] = 8 + 4 * k
    at["args.t"] = 56
    at.update({"dictionary.size": 64, "dictionary.nwords": 68, "dictionary.nlabels": 72,
               "dictionary.ntokens": 76, "dictionary.pruneidx_size": 84})
    size, = struct.unpack_from("<i", data, 64)
    pos = 92
    for k in range(size):
        nul = data.index(b"\0", pos)
        at[f"dictionary.entry[{k}]"] = pos
        at[f"dictionary.entry[{k}].nul"] = nul
        at[f"dictionary.entry[{k}].count"] = nul + 1
        at[f"dictionary.entry[{k}].type"] = nul + 9
        pos = nul + 10
    prune, = struct.unpack_from("<q", data, 84)
    at["dictionary.pruneidx"] = pos
    pos += 8 * max(prune, 0)
    for name in ("input", "output"):
        at[f"quant_{name}"] = pos
        m, n = struct.unpack_from("<2q", data, pos + 1)
        at[f"{name}_matrix.shape"] = pos + 1
        at[f"{name}_matrix.data"] = pos + 17
        pos += 17 + 4 * m * n
    at["end of file"] = pos
    assert pos == len(data)
    return at


AT = layout(TOY)
NWORDS = 22
LAST = NWORDS - 1


def patched(*changes: tuple[str, str, object], data: bytes = TOY) -> bytes:
    """``data`` with each (field, struct format, value or tuple of values) written at that field."""
    out = bytearray(data)
    at = layout(data)
    for field, fmt, value in changes:
        struct.pack_into(fmt, out, at[field], *(value if isinstance(value, tuple) else (value,)))
    return bytes(out)


def _write(tmp_path, data: bytes, name: str = "model.bin") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _source(kind: str, tmp_path, data: bytes):
    """A path to ``data`` or a stream over it, and the name errors should carry."""
    if kind == "path":
        path = _write(tmp_path, data)
        return path, path
    return io.BytesIO(data), "<stream>"


def truncations(kind: str, tmp_path, data: bytes, cuts):
    """(cut, source, name) for ``data`` cut at each offset, longest first.

    Files are shortened in place with ``os.truncate``: rewriting a file thousands of times is slow.
    """
    path = _write(tmp_path, data) if kind == "path" else None
    for cut in sorted(cuts, reverse=True):
        if path is None:
            yield cut, io.BytesIO(data[:cut]), "<stream>"
        else:
            os.truncate(path, cut)
            yield cut, path, path


def expect_error(load, source, field: str, offset: int, name: str | None = None) -> FacebookFormatError:
    with pytest.raises(FacebookFormatError) as info:
        load(source)
    err = info.value
    assert (err.field, err.offset) == (field, offset), str(err)
    if name is not None:
        assert str(err).startswith(f"{name}: {field} at byte offset {offset}: ")
    return err


def test_layout_helper_matches_the_toy_model():
    # The offsets below are only as good as this walk of the file.
    assert AT["dictionary.entry[0]"] == 92 and TOY[92:96] == b"the\0"
    assert AT["dictionary.entry[21]"] == 387 and TOY[387:390] == b"by\0"
    assert (AT["quant_input"], AT["input_matrix.shape"], AT["quant_output"]) == (399, 400, 2856)
    assert AT["end of file"] == len(TOY) == 3313


# ---------------------------------------------------------------------------------------------
# truncation and trailing bytes


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_toy_model_truncated_at_every_offset(tmp_path, load, kind):
    failures = []
    for cut, source, name in truncations(kind, tmp_path, TOY, range(len(TOY))):
        try:
            load(source)
        except FacebookFormatError as err:
            if not (0 <= err.offset <= cut and str(err).startswith(f"{name}: {err.field} at byte offset ")):
                failures.append((cut, str(err)))
        else:
            failures.append((cut, "loaded"))
    assert not failures, failures[:5]


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("filename", ["crime-and-punishment.bin", "lee_fasttext.bin",
                                      "pang_lee_polarity_fasttext.bin"])
def test_bigger_models_truncated_at_sampled_offsets(tmp_path, filename, kind):
    data = _read(filename)
    # The header and first entries byte by byte, then about 400 cuts spread over the rest.
    cuts = set(range(200)) | set(range(0, len(data), len(data) // 400)) | {len(data) - 1}
    failures = []
    for cut, source, name in truncations(kind, tmp_path, data, cuts):
        try:
            gensim_ftx.load_facebook_model(source)
        except FacebookFormatError as err:
            if not (0 <= err.offset <= cut and str(err).startswith(f"{name}: ")):
                failures.append((cut, str(err)))
        else:
            failures.append((cut, "loaded"))
    assert not failures, failures[:5]


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
@pytest.mark.parametrize("garbage", [b"\0", b"trailing garbage"])
def test_trailing_bytes_after_a_valid_file(tmp_path, load, kind, garbage):
    source, name = _source(kind, tmp_path, TOY + garbage)
    expect_error(load, source, "end of file", len(TOY), name)


# ---------------------------------------------------------------------------------------------
# signature


PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(64)
NOISE = b"\xf3" + np.random.default_rng(7).bytes(3000)  # 0xf3 high byte: negative, not a pre-v11 dim


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("data", [b"", b"\xba\x16", NOISE, b"hello world, this is not a model\n" * 20, PNG],
                         ids=["empty", "two-bytes", "random", "text", "png"])
def test_not_a_fasttext_file(tmp_path, data, kind):
    source, name = _source(kind, tmp_path, data)
    expect_error(gensim_ftx.load_facebook_vectors, source, "magic", 0, name)


@pytest.mark.parametrize("version", [13, 0, -1, 2**31 - 1])
def test_unsupported_version(tmp_path, version):
    path = _write(tmp_path, patched(("version", "<i", version)))
    err = expect_error(gensim_ftx.load_facebook_model, path, "version", 4, path)
    assert str(version) in err.problem


# ---------------------------------------------------------------------------------------------
# training arguments


@pytest.mark.parametrize("field, value", [
    ("args.dim", 0), ("args.dim", -5), ("args.dim", 2**31 - 1),
    ("args.loss", 7), ("args.loss", 0), ("args.model", 9), ("args.model", -1),
    ("args.bucket", -1), ("args.minn", -1),
])
def test_invalid_argument(tmp_path, field, value):
    path = _write(tmp_path, patched((field, "<i", value)))
    expect_error(gensim_ftx.load_facebook_vectors, path, field, AT[field], path)


def test_negative_maxn_names_maxn(tmp_path):
    path = _write(tmp_path, patched(("args.maxn", "<i", -1)))
    expect_error(gensim_ftx.load_facebook_vectors, path, "args.maxn", 48, path)


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_non_finite_sampling_threshold(tmp_path, value):
    path = _write(tmp_path, patched(("args.t", "<d", value)))
    expect_error(gensim_ftx.load_facebook_vectors, path, "args.t", 56, path)


@pytest.mark.parametrize("field", ["args.ws", "args.epoch"])
def test_negative_window_or_epochs(tmp_path, field):
    path = _write(tmp_path, patched((field, "<i", -1)))
    try:
        gensim_ftx.load_facebook_model(path)
    except FacebookFormatError as err:
        assert (err.field, err.offset) == (field, AT[field])


# ---------------------------------------------------------------------------------------------
# dictionary


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("counts", [(-1, 22, 0), (21, 22, 0), (23, 22, 0), (22, -1, 23), (22, 23, -1),
                                    (2**31 - 1, 22, 0), (-2**31, -2**31, 0)])
def test_inconsistent_dictionary_counts(tmp_path, counts, kind):
    source, name = _source(kind, tmp_path, patched(("dictionary.size", "<3i", counts)))
    expect_error(gensim_ftx.load_facebook_vectors, source, "dictionary.size", 64, name)


def test_absurd_dictionary_size_fails_fast(tmp_path):
    path = _write(tmp_path, patched(("dictionary.size", "<i", 2**31 - 1), ("dictionary.nwords", "<i", 2**31 - 1)))
    start = time.perf_counter()
    # A reader that trusted the header would allocate ~50 GB of per-entry arrays (or parse for
    # minutes) before noticing that 2**31 - 1 entries of >= 10 bytes cannot fit in a 3 KB file.
    expect_error(gensim_ftx.load_facebook_vectors, path, "dictionary.entries", 92, path)
    assert time.perf_counter() - start < 0.5


def test_absurd_dictionary_size_in_a_stream_fails_fast():
    data = patched(("dictionary.size", "<i", 2**31 - 1), ("dictionary.nwords", "<i", 2**31 - 1))
    start = time.perf_counter()
    # A stream has no size to check against: the reader must grow its arrays with what it reads.
    with pytest.raises(FacebookFormatError) as info:
        gensim_ftx.load_facebook_vectors(io.BytesIO(data))
    assert info.value.field.startswith("dictionary.entr")
    assert AT["dictionary.entry[0]"] <= info.value.offset <= len(data)
    assert time.perf_counter() - start < 0.5


def test_negative_token_count(tmp_path):
    path = _write(tmp_path, patched(("dictionary.ntokens", "<q", -1)))
    expect_error(gensim_ftx.load_facebook_vectors, path, "dictionary.ntokens", 76, path)


@pytest.mark.parametrize("value", [-2, -2**63])
def test_pruneidx_size_below_minus_one(tmp_path, value):
    path = _write(tmp_path, patched(("dictionary.pruneidx_size", "<q", value)))
    expect_error(gensim_ftx.load_facebook_vectors, path, "dictionary.pruneidx_size", 84, path)


@pytest.mark.parametrize("value", [2**40, 2**62])
def test_pruneidx_larger_than_the_file(tmp_path, value):
    path = _write(tmp_path, patched(("dictionary.pruneidx_size", "<q", value)))
    start = time.perf_counter()
    expect_error(gensim_ftx.load_facebook_vectors, path, "dictionary.pruneidx", AT["dictionary.pruneidx"], path)
    assert time.perf_counter() - start < 0.5  # rejected from the header, nothing allocated


@pytest.mark.parametrize("value", [2**50, 2**62])
def test_pruneidx_larger_than_the_stream(value):
    data = patched(("dictionary.pruneidx_size", "<q", value))
    expect_error(gensim_ftx.load_facebook_vectors, io.BytesIO(data), "dictionary.pruneidx",
                 AT["dictionary.pruneidx"], "<stream>")


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_last_word_without_terminating_nul(tmp_path, load, kind):
    nul = AT[f"dictionary.entry[{LAST}].nul"]
    # The file ends right after "by": its NUL, count and type are missing.
    source, name = _source(kind, tmp_path, TOY[:nul])
    err = expect_error(load, source, f"dictionary.entry[{LAST}]", AT[f"dictionary.entry[{LAST}]"], name)
    assert "no terminating NUL" in err.problem


@pytest.mark.parametrize("kind", ["path", "stream"])
def test_word_nul_replaced_and_file_cut_after_it(tmp_path, kind):
    nul = AT[f"dictionary.entry[{LAST}].nul"]
    data = TOY[:nul] + b"x"
    source, name = _source(kind, tmp_path, data)
    err = expect_error(gensim_ftx.load_facebook_model, source, f"dictionary.entry[{LAST}]",
                       AT[f"dictionary.entry[{LAST}]"], name)
    assert "no terminating NUL" in err.problem


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("entry, value", [(0, 5), (LAST, 5), (7, -1), (3, 1)])
def test_invalid_entry_type(tmp_path, kind, entry, value):
    # 5 and -1 are no type at all; 1 is a label where the header declares only words.
    field = f"dictionary.entry[{entry}].type"
    source, name = _source(kind, tmp_path, patched((field, "<b", value)))
    expect_error(gensim_ftx.load_facebook_vectors, source, field, AT[field], name)


@pytest.mark.parametrize("kind", ["path", "stream"])
def test_negative_entry_count(tmp_path, kind):
    # A negative count would turn the negative-sampling table into NaNs: a silently broken model.
    field = "dictionary.entry[3].count"
    source, name = _source(kind, tmp_path, patched((field, "<q", -7)))
    err = expect_error(gensim_ftx.load_facebook_model, source, field, AT[field], name)
    assert "-7" in err.problem


# ---------------------------------------------------------------------------------------------
# matrices


@pytest.mark.parametrize("field", ["quant_input", "quant_output"])
@pytest.mark.parametrize("value", [2, 7, 255])
def test_invalid_quantisation_flag(tmp_path, field, value):
    path = _write(tmp_path, patched((field, "<B", value)))
    expect_error(gensim_ftx.load_facebook_model, path, field, AT[field], path)


def with_shape(matrix: str, rows: int, cols: int, data: bytes = TOY) -> bytes:
    """``data`` with the (m, n) header of ``matrix`` replaced; the toy model's offsets apply."""
    out = bytearray(data)
    struct.pack_into("<2q", out, AT[f"{matrix}.shape"], rows, cols)
    return bytes(out)


@pytest.mark.parametrize("kind", ["path", "stream"])
@pytest.mark.parametrize("matrix, rows", [("input_matrix", 122), ("output_matrix", 22)])
@pytest.mark.parametrize("shape, where", [
    ((-1, 0), 0), ((0, -1), 0), ((-2**63, -2**63), 0),  # negative
    ((2**40, 0), 0), ((1, 0), 0),  # rows other than nwords (+ bucket for the input)
    ((0, 1), 8), ((0, 2**62), 8),  # columns other than dim
])
def test_invalid_matrix_shape(tmp_path, kind, matrix, rows, shape, where):
    # Shapes are given relative to the valid (rows, 5): (2**40, 0) means 2**40 + rows rows.
    m, n = shape
    m = m if m < 0 else rows + m
    n = n if n < 0 else 5 + n
    source, name = _source(kind, tmp_path, with_shape(matrix, m, n))
    start = time.perf_counter()
    expect_error(gensim_ftx.load_facebook_model, source, f"{matrix}.shape", AT[f"{matrix}.shape"] + where, name)
    assert time.perf_counter() - start < 0.5  # no allocation sized by the bogus header


def huge_consistent_input() -> bytes:
    """dim, bucket and the input matrix agree, but the matrix would need 2**53 bytes (8 PiB)."""
    dim, bucket = 2**20, 2**31 - 1
    data = patched(("args.dim", "<i", dim), ("args.bucket", "<i", bucket))
    return with_shape("input_matrix", NWORDS + bucket, dim, data)


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_matrix_larger_than_the_file(tmp_path, load):
    path = _write(tmp_path, huge_consistent_input())
    start = time.perf_counter()
    err = expect_error(load, path, "input_matrix.data", AT["input_matrix.data"], path)
    assert "remain in the file" in err.problem
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_matrix_larger_than_the_stream(load):
    expect_error(load, io.BytesIO(huge_consistent_input()), "input_matrix.data", AT["input_matrix.data"],
                 "<stream>")


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_output_matrix_truncated_after_its_header(tmp_path, load):
    path = _write(tmp_path, TOY[:AT["output_matrix.data"] + 3])
    expect_error(load, path, "output_matrix.data", AT["output_matrix.data"], path)


# ---------------------------------------------------------------------------------------------
# words that are not valid UTF-8


def _ft_hash(data: bytes) -> int:
    """fastText's FNV-1a, which XORs each byte as a *signed* char."""
    h = 2166136261
    for byte in data:
        h = ((h ^ (byte - 256 if byte >= 128 else byte)) * 16777619) & 0xFFFFFFFF
    return h


def _ngrams(raw: bytes, minn: int, maxn: int) -> list[bytes]:
    """fastText's computeSubwords over bytes: n counts UTF-8 characters, not bytes."""
    word = b"<" + raw + b">"
    grams = []
    for i in range(len(word)):
        if word[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < len(word) and n <= maxn:
            j += 1
            while j < len(word) and word[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(word))):
                grams.append(word[i:j])
            n += 1
    return grams


def _expected_vector(wv, index: int, raw: bytes) -> np.ndarray:
    rows = [wv.vectors_vocab[index]] + [wv.vectors_ngrams[_ft_hash(g) % wv.bucket]
                                        for g in _ngrams(raw, wv.min_n, wv.max_n)]
    return np.mean(np.asarray(rows, dtype=np.float64), axis=0)


BAD_UTF8 = {0: b"\xff\xfe\xfd", 9: b"\xffnarchist", 14: b"anarchist\xc3"}  # "the", "anarchist", "anarchists"


def _with_bad_words() -> bytes:
    data = bytearray(TOY)
    for index, raw in BAD_UTF8.items():
        start = AT[f"dictionary.entry[{index}]"]
        assert AT[f"dictionary.entry[{index}].nul"] - start == len(raw)
        data[start:start + len(raw)] = raw
    return bytes(data)


def test_invalid_utf8_words_load_with_backslashreplace(tmp_path):
    path = _write(tmp_path, _with_bad_words())
    model = gensim_ftx.load_facebook_model(path)
    wv = gensim_ftx.load_facebook_vectors(path)
    reference = gensim_fasttext.load_facebook_vectors(path)  # gensim's own reader decodes the same way
    for index, raw in BAD_UTF8.items():
        key = raw.decode("utf-8", errors="backslashreplace")
        assert model.wv.index_to_key[index] == wv.index_to_key[index] == reference.index_to_key[index] == key
        # The vector is built from the hashes of the original bytes, not of the escaped text.
        np.testing.assert_allclose(wv[key], _expected_vector(wv, index, raw), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(model.wv[key], wv[key])
    assert wv.index_to_key[1:9] == model.wv.index_to_key[1:9] == reference.index_to_key[1:9]


@pytest.mark.parametrize("target", ["stream", "path"])
def test_invalid_utf8_words_are_saved_as_their_original_bytes(tmp_path, target):
    data = _with_bad_words()
    model = gensim_ftx.load_facebook_model(io.BytesIO(data))
    if target == "stream":
        out = io.BytesIO()
        gensim_ftx.save_facebook_model(model, out)
        saved = out.getvalue()
    else:
        gensim_ftx.save_facebook_model(model, tmp_path / "saved.bin")
        saved = (tmp_path / "saved.bin").read_bytes()
    assert saved == data


def test_invalid_utf8_labels_are_saved_as_their_original_bytes():
    data = bytearray(_read("pang_lee_polarity_fasttext.bin"))
    at = data.index(b"__label__pos\0")
    data[at:at + 2] = b"\xff\xfe"
    model = gensim_ftx.load_facebook_model(io.BytesIO(bytes(data)))
    assert "\\xff\\xfelabel__pos" in model.labels
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == bytes(data)


# ---------------------------------------------------------------------------------------------
# paths, streams, compression and mmap


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
@pytest.mark.parametrize("mmap", ["r", "c"])
def test_mmap_of_a_file_object_is_refused(load, mmap):
    with pytest.raises(ValueError, match="mmap"):
        load(io.BytesIO(TOY), mmap=mmap)
    with open(datapath("toy-model.bin"), "rb") as stream, pytest.raises(ValueError, match="mmap"):
        load(stream, mmap=mmap)


@pytest.mark.parametrize("path", ["s3://bucket/model.bin", "https://example.com/model.bin", "model.bin.gz",
                                  "model.bin.bz2"])
def test_mmap_of_a_remote_or_compressed_path_is_refused(path):
    # Refused before anything is opened: no network access, no FileNotFoundError.
    with pytest.raises(ValueError, match="mmap") as info:
        gensim_ftx.load_facebook_vectors(path, mmap="r")
    assert path in str(info.value)


def test_unknown_mmap_mode_is_refused():
    with pytest.raises(ValueError, match="mmap"):
        gensim_ftx.load_facebook_vectors(datapath("toy-model.bin"), mmap="w+")


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_compressed_file_loads_like_the_plain_one(tmp_path, suffix, compress):
    path = _write(tmp_path, compress(TOY), "toy-model.bin" + suffix)
    plain = gensim_ftx.load_facebook_model(datapath("toy-model.bin"))
    model = gensim_ftx.load_facebook_model(path)
    wv = gensim_ftx.load_facebook_vectors(path)
    assert model.wv.index_to_key == wv.index_to_key == plain.wv.index_to_key
    np.testing.assert_array_equal(model.wv.vectors_vocab, plain.wv.vectors_vocab)
    np.testing.assert_array_equal(wv.vectors_ngrams, plain.wv.vectors_ngrams)
    np.testing.assert_array_equal(model.syn1neg, plain.syn1neg)
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == TOY


def test_compressed_file_with_a_truncated_model(tmp_path):
    # A complete gzip stream around a truncated model: the format error names the .gz file.
    path = _write(tmp_path, gzip.compress(TOY[:1000]), "toy-model.bin.gz")
    expect_error(gensim_ftx.load_facebook_vectors, path, "input_matrix.data", AT["input_matrix.data"], path)


def _corrupt_compressed() -> list:
    gz = gzip.compress(TOY)
    return [
        pytest.param(gz[:500], ".gz", id="truncated-gz"),
        pytest.param(bz2.compress(TOY)[:500], ".bz2", id="truncated-bz2"),
        pytest.param(b"not gzip at all" * 10, ".gz", id="not-gzip"),
        pytest.param(gz[:-8] + bytes(8), ".gz", id="bad-crc"),
    ]


@pytest.mark.parametrize("content, suffix", _corrupt_compressed())
def test_corrupt_compressed_file(tmp_path, content, suffix):
    path = _write(tmp_path, content, "toy-model.bin" + suffix)
    with pytest.raises((ValueError, OSError)) as info:
        gensim_ftx.load_facebook_vectors(path)
    assert path in str(info.value)


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
@pytest.mark.parametrize("name, mmap", [("missing.bin", None), ("missing.bin", "r"), ("missing.bin.gz", None)])
def test_missing_file(tmp_path, load, name, mmap):
    path = str(tmp_path / name)
    with pytest.raises(FileNotFoundError) as info:
        load(path, mmap=mmap)
    assert path in str(info.value)


def test_directory_instead_of_a_file(tmp_path):
    with pytest.raises(OSError) as info:
        gensim_ftx.load_facebook_vectors(str(tmp_path))
    assert str(tmp_path) in str(info.value)


# ---------------------------------------------------------------------------------------------
# saving


@pytest.fixture
def toy_model():
    return gensim_ftx.load_facebook_model(io.BytesIO(TOY))


@pytest.mark.parametrize("where", ["missing-dir", "file-as-dir"])
def test_save_into_a_directory_that_does_not_exist(tmp_path, toy_model, where):
    parent = tmp_path / "nowhere"
    if where == "file-as-dir":
        parent.write_bytes(b"")
    path = str(parent / "model.bin")
    with pytest.raises(OSError) as info:
        gensim_ftx.save_facebook_model(toy_model, path)
    assert path in str(info.value)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root (and Windows) ignore directory permissions")
def test_save_into_a_read_only_directory(tmp_path, toy_model):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    path = str(directory / "model.bin")
    try:
        with pytest.raises(PermissionError) as info:
            gensim_ftx.save_facebook_model(toy_model, path)
    finally:
        directory.chmod(0o755)
    assert path in str(info.value)
    assert not os.listdir(directory)


def test_save_replaces_an_existing_file_without_leftovers(tmp_path, toy_model):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old contents")
    gensim_ftx.save_facebook_model(toy_model, str(path))
    assert path.read_bytes() == TOY
    assert os.listdir(tmp_path) == ["model.bin"]


class DiskFull(OSError):
    pass


def _fail_midway(out, array):
    # Half of a block reaches the file, then the disk "fills up".
    out.write(np.ascontiguousarray(array, dtype="<f4").tobytes()[:100])
    raise DiskFull(28, "No space left on device")


def _fail_after_the_header(out, **fields):
    out.write(b"partial header")
    raise DiskFull(28, "No space left on device")


def _break_output(model):
    model.syn1neg = np.full((22, 5), "x", dtype=object)  # converting it to float32 fails


@pytest.mark.parametrize("how", ["matrix-write", "writer", "bad-output-matrix"])
def test_failed_save_keeps_the_existing_file(tmp_path, toy_model, monkeypatch, how):
    path = tmp_path / "model.bin"
    previous = b"previous model, must survive" * 10
    path.write_bytes(previous)
    if how == "matrix-write":
        monkeypatch.setattr(gensim_ftx.io.fbbin, "_write_array", _fail_midway)
        expected = DiskFull
    elif how == "writer":
        # facebook.py binds write_model at import, so patch it there (patching io.fbbin has no effect).
        monkeypatch.setattr(gensim_ftx.facebook, "write_model", _fail_after_the_header)
        expected = DiskFull
    else:
        _break_output(toy_model)
        expected = (TypeError, ValueError)
    with pytest.raises(expected):
        gensim_ftx.save_facebook_model(toy_model, str(path))
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ["model.bin"]  # the temporary file is gone too


@pytest.mark.parametrize("shape", [(3, 5), (22, 7)])
def test_save_rejects_an_output_matrix_of_the_wrong_shape(tmp_path, toy_model, shape):
    toy_model.syn1neg = np.zeros(shape, dtype=np.float32)
    path = tmp_path / "model.bin"
    path.write_bytes(TOY)
    with pytest.raises(ValueError):
        gensim_ftx.save_facebook_model(toy_model, str(path))
    assert path.read_bytes() == TOY


# ---------------------------------------------------------------------------------------------
# defects found by fuzzing (see test_fuzz.py), reduced to the toy model


SENTENCES = [["the", "of", "anarchism", "is", "a", "term"]] * 20


def _load_and_train_in_child(data: bytes, timeout: float = 3.0) -> list[tuple]:
    """Load ``data`` and train one small epoch in a forked child, so a hang cannot stall the suite.

    Returns the stages reached: ('loaded',), ('trained',), or the exception that ended the child,
    then ('hang',) when it had not finished after ``timeout`` seconds.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def target():
        try:
            model = gensim_ftx.load_facebook_model(io.BytesIO(data))
            send.send(("loaded",))
            model.train(corpus_iterable=SENTENCES, total_examples=len(SENTENCES), epochs=1)
            send.send(("trained",))
        except FacebookFormatError as err:
            send.send(("FacebookFormatError", err.field, err.offset))
        except BaseException as err:  # report anything, the parent decides
            send.send((type(err).__name__,))
        send.send(("done",))

    child = context.Process(target=target, daemon=True)
    child.start()
    stages = []
    deadline = time.monotonic() + timeout
    while not stages or stages[-1] != ("done",):
        if not receive.poll(max(0.0, deadline - time.monotonic())):
            stages.append(("hang",))
            break
        stages.append(receive.recv())
    child.kill()
    child.join()
    return [stage for stage in stages if stage != ("done",)]


needs_fork = pytest.mark.skipif(sys.platform == "win32", reason="needs fork")


@needs_fork
def test_load_and_train_in_child_helper():
    # The control for the two tests below: the unmodified toy model (and its hs variant) trains.
    assert _load_and_train_in_child(TOY) == [("loaded",), ("trained",)]
    assert _load_and_train_in_child(patched(("args.loss", "<i", 1))) == [("loaded",), ("trained",)]


@needs_fork
@pytest.mark.parametrize("entry, count", [(0, 10**15), (1, 2**62)])
def test_huge_word_count_in_a_hierarchical_softmax_model(entry, count):
    field = f"dictionary.entry[{entry}].count"
    stages = _load_and_train_in_child(patched(("args.loss", "<i", 1), (field, "<q", count)))
    # Either the count is rejected where it is, or the model that loads can be trained.
    assert stages in ([("FacebookFormatError", field, AT[field])], [("loaded",), ("trained",)]), stages


@needs_fork
@pytest.mark.parametrize("t", [1e308, 1e30])
def test_huge_finite_sampling_threshold(t):
    # fastText accepts any finite t; such a model must load and train, or be rejected at args.t.
    stages = _load_and_train_in_child(patched(("args.t", "<d", t)))
    assert stages in ([("FacebookFormatError", "args.t", 56)], [("loaded",), ("trained",)]), stages


def test_old_signed_version_either_rejected_or_round_trips():
    data = patched(("version", "<i", 10))
    try:
        model = gensim_ftx.load_facebook_model(io.BytesIO(data))
    except FacebookFormatError as err:
        assert (err.field, err.offset) == ("version", 4)
        return
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == data
