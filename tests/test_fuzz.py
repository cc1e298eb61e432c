"""Fuzzing the fastText ``.bin`` reader with mutated small models.

Whatever bytes it is given, loading must either produce a usable model or raise ``ValueError``
(normally :class:`gensim_ftx.FacebookFormatError`): never ``IndexError``, ``MemoryError``,
``struct.error``, ``UnicodeError``, ``SystemError``, ``OverflowError``, a hang or a crash in the
Cython core. A model that loads must answer lookups, agree with ``load_facebook_vectors`` and save
back byte for byte, so a wrong parse cannot pass silently.

The default run is small and derandomised so CI is reproducible. To hunt for bugs, run e.g.
``GFTX_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py --runxfail``: fresh random inputs,
shrunk to a minimal failing example.
"""
from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import signal
import struct

import numpy as np
import pytest
from gensim.test.utils import datapath
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import gensim_ftx
from gensim_ftx import FacebookFormatError

MAGIC = 793712314

_HUNT = "GFTX_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=int(os.environ.get("GFTX_FUZZ_EXAMPLES", "300")),
    deadline=None,
    derandomize=not _HUNT,
    database=None,
    # Shrinking only when hunting: in the default run it would spend its time on the known defects.
    phases=list(Phase) if _HUNT else [Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# ---------------------------------------------------------------------------------------------
# small valid models, packed here by hand so the fuzzer does not depend on the package's writer


def _pack_model(*, version: int | None, dim: int, words: list[bytes], counts: list[int], nlabels: int = 0,
                loss: int = 2, model: int = 1, bucket: int, minn: int, maxn: int, word_ngrams: int = 1,
                floret: tuple[int, int] | None = None, prune: list[tuple[int, int]] | None = None,
                input_matrix: bytes, output_matrix: bytes, quant_input: bool = False,
                quant_output_flag: int = 0) -> bytes:
    """A fastText file; the matrices are passed already encoded (dense or product-quantised)."""
    out = bytearray()
    if version is not None:
        out += struct.pack("<2i", MAGIC, version)
    out += struct.pack("<11i", dim, 5, 5, 1, 5, word_ngrams, loss, model, bucket, minn, maxn)
    if floret is not None:
        out += struct.pack("<2i", *floret)
    out += struct.pack("<id", 100, 1e-4)
    nwords = len(words) - nlabels
    out += struct.pack("<3iq", len(words), nwords, nlabels, sum(counts))
    if version is not None:
        out += struct.pack("<q", -1 if prune is None else len(prune))
    for k, (word, count) in enumerate(zip(words, counts)):
        out += word + b"\0" + struct.pack("<qb", count, int(k >= nwords))
    for pair in prune or []:
        out += struct.pack("<2i", *pair)
    if version is not None:
        out += struct.pack("<?", quant_input)
    out += input_matrix
    if version is not None:
        out += struct.pack("<B", quant_output_flag)
    out += output_matrix
    return bytes(out)


def _dense(rng: np.random.Generator, rows: int, dim: int) -> bytes:
    return struct.pack("<2q", rows, dim) + rng.standard_normal((rows, dim)).astype("<f4").tobytes()


def _quantized(rng: np.random.Generator, rows: int, dim: int, nan_centroid: bool = False) -> bytes:
    """A product-quantised matrix with quantised norms: 2 sub-quantisers of dim // 2 columns."""
    nsubq = 2
    dsub = dim // nsubq
    codes = rng.integers(0, 256, rows * nsubq, dtype=np.uint8)
    centroids = rng.standard_normal(dim * 256).astype("<f4")
    if nan_centroid:
        centroids[dsub * int(codes[0])] = np.nan  # the first row decodes to a NaN
    out = struct.pack("<?qqi", True, rows, dim, rows * nsubq) + codes.tobytes()
    out += struct.pack("<4i", dim, nsubq, dsub, dim - dsub) + centroids.tobytes()
    out += rng.integers(0, 256, rows, dtype=np.uint8).tobytes()
    out += struct.pack("<4i", 1, 1, 1, 1) + rng.random(256).astype("<f4").tobytes()
    return out


def _ftz(rng: np.random.Generator, nan_in: bool = False, nan_out: bool = False) -> bytes:
    """A pruned supervised model with quantised input and output matrices, like a ``.ftz``."""
    return _pack_model(version=12, dim=4, words=[b"a", b"bb", b"__label__x", b"__label__y"], counts=[5, 3, 4, 2],
                       nlabels=2, loss=4, model=3, bucket=16, minn=2, maxn=3, word_ngrams=2,
                       prune=[(7, 1), (3, 0)], quant_input=True, quant_output_flag=1,
                       input_matrix=_quantized(rng, 4, 4, nan_in), output_matrix=_quantized(rng, 2, 4, nan_out))


def _base_files() -> dict[str, bytes]:
    rng = np.random.default_rng(20240611)
    with open(datapath("toy-model.bin"), "rb") as stream:
        toy = stream.read()
    words = [b"</s>", b"cat", b"\xc3\xa9t\xc3\xa9", b"dog"]
    counts = [9, 4, 3, 2]
    sup_words = [b"a", b"bb", b"__label__x", b"__label__y"]
    sup_counts = [5, 3, 4, 2]
    return {
        "toy-v12": toy,
        "unsup-v11-hs": _pack_model(version=11, dim=3, words=words, counts=counts, loss=1, model=2, bucket=7,
                                    minn=2, maxn=4, input_matrix=_dense(rng, 11, 3),
                                    output_matrix=_dense(rng, 4, 3)),
        "unsup-pre-v11": _pack_model(version=None, dim=3, words=words, counts=counts, bucket=5, minn=3, maxn=5,
                                     input_matrix=_dense(rng, 9, 3), output_matrix=_dense(rng, 4, 3)),
        "supervised": _pack_model(version=12, dim=4, words=sup_words, counts=sup_counts, nlabels=2, loss=3,
                                  model=3, bucket=6, minn=0, maxn=0, word_ngrams=2,
                                  input_matrix=_dense(rng, 8, 4), output_matrix=_dense(rng, 2, 4)),
        "ftz": _ftz(rng),
        "floret": _pack_model(version=12, dim=3, words=words, counts=counts, bucket=8, minn=2, maxn=3,
                              floret=(2, 2), input_matrix=_dense(rng, 12, 3), output_matrix=_dense(rng, 4, 3)),
    }


BASES = _base_files()


@pytest.mark.parametrize("name", sorted(BASES))
def test_base_files_load_and_round_trip(name):
    # The fuzzer only means something if the unmutated inputs are valid models.
    data = BASES[name]
    model = gensim_ftx.load_facebook_model(io.BytesIO(data))
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == data


# ---------------------------------------------------------------------------------------------
# mutations

INT32 = [0, 1, -1, 2, 3, 4, 5, 11, 12, 13, 255, 256, 65535, 65537, 2**20, 2**20 + 1, 2**31 - 1, -2**31, MAGIC]
INT64 = [0, 1, -1, -2, 2**31 - 1, 2**31, 2**32, 2**40, 2**62, 2**63 - 1, -2**63]
FLOAT64 = [math.nan, math.inf, -math.inf, 1e308, -1.0, 0.0, 5e-324, 999.0, 1e3]

# Half the offsets land in the header and the first dictionary entries, where the sizes live.
offsets = st.one_of(st.integers(0, 127), st.integers(0, 1 << 16))
mutation = st.one_of(
    st.tuples(st.just("flip"), offsets, st.integers(0, 7)),
    st.tuples(st.just("byte"), offsets, st.integers(0, 255)),
    st.tuples(st.just("int32"), offsets, st.sampled_from(INT32)),
    st.tuples(st.just("int64"), offsets, st.sampled_from(INT64)),
    st.tuples(st.just("float64"), offsets, st.sampled_from(FLOAT64)),
    st.tuples(st.just("truncate"), offsets),
    st.tuples(st.just("insert"), offsets, st.binary(min_size=1, max_size=12)),
    st.tuples(st.just("delete"), offsets, st.integers(1, 12)),
)
_serial = itertools.count()
PACK = {"int32": "<i", "int64": "<q", "float64": "<d"}


def _mutate(data: bytes, mutations: list[tuple]) -> bytes:
    out = bytearray(data)
    for kind, offset, *arg in mutations:
        if not out:
            break
        at = offset % len(out)
        if kind == "flip":
            out[at] ^= 1 << arg[0]
        elif kind == "byte":
            out[at] = arg[0]
        elif kind in PACK:
            packed = struct.pack(PACK[kind], arg[0])
            out[at:at + len(packed)] = packed[:len(out) - at]
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = arg[0]
        else:
            del out[at:at + arg[0]]
    return bytes(out)


mutations = st.lists(mutation, min_size=1, max_size=4)

STREAM_BASES = sorted(BASES)
FILE_BASES = sorted(BASES)


# ---------------------------------------------------------------------------------------------
# the contract


MEMORY_CAP = 1 << 30


@pytest.fixture
def memory_cap():
    """Cap the address space at 1 GiB more than now while fuzzing (Linux).

    Loading a file of a few KB never needs that much; without the cap, whether a bogus size turns
    into a MemoryError would depend on how much memory the machine has.
    """
    try:
        import resource

        with open("/proc/self/statm") as stream:
            used = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY_CAP, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


@contextlib.contextmanager
def _deadline(seconds: float):
    """Turn a hang into a failing example: SIGALRM interrupts Python-level loops."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"loading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_vectors(wv) -> np.ndarray:
    """Vectors of a few known and (when there are buckets) unknown words, of the right shape."""
    words = list(wv.index_to_key[:3]) + (["zzyzx", "é"] if wv.bucket else [])
    vectors = wv[words]
    assert vectors.shape == (len(words), wv.vector_size)
    return vectors


def _load_or_reject(load, source, name: str, data: bytes, **kwargs):
    """Load, or return None after checking the rejection is a ValueError that says where."""
    try:
        with _deadline(10):
            return load(source, **kwargs)
    except FacebookFormatError as err:
        assert 0 <= err.offset <= len(data), err
        assert str(err).startswith(f"{name}: {err.field} at byte offset {err.offset}: "), err
        return None
    except ValueError:
        return None


@pytest.mark.parametrize("name", STREAM_BASES)
@FUZZ
@given(changes=mutations)
def test_mutated_stream_loads_or_raises_value_error(memory_cap, name, changes):
    data = _mutate(BASES[name], changes)
    # A stream has no size to check declared lengths against: the harder case for the reader.
    model = _load_or_reject(gensim_ftx.load_facebook_model, io.BytesIO(data), "<stream>", data)
    if model is not None:
        _check_vectors(model.wv)
        out = io.BytesIO()
        gensim_ftx.save_facebook_model(model, out)
        # An unmodified model writes back byte for byte, so a wrong parse cannot pass silently.
        assert out.getvalue() == data
    wv = _load_or_reject(gensim_ftx.load_facebook_vectors, io.BytesIO(data), "<stream>", data)
    if wv is not None:
        vectors = _check_vectors(wv)
    # The vectors loader reads a subset of what the model loader reads, and agrees with it.
    assert model is None or wv is not None
    if model is not None:
        np.testing.assert_array_equal(vectors, _check_vectors(model.wv))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("name", FILE_BASES)
@FUZZ
@given(changes=mutations, mmap=st.sampled_from([None, "r", "c"]))
def test_mutated_file_loads_or_raises_value_error(memory_cap, scratch, name, changes, mmap):
    data = _mutate(BASES[name], changes)
    # A fresh name per example: rewriting a file that an earlier model still maps could SIGBUS.
    path = str(scratch / f"model-{next(_serial)}.bin")
    with open(path, "wb") as stream:
        stream.write(data)
    model = _load_or_reject(gensim_ftx.load_facebook_model, path, path, data, mmap=mmap)
    if model is not None:
        _check_vectors(model.wv)
        out = io.BytesIO()
        gensim_ftx.save_facebook_model(model, out)
        assert out.getvalue() == data
    wv = _load_or_reject(gensim_ftx.load_facebook_vectors, path, path, data, mmap=mmap)
    if wv is not None:
        _check_vectors(wv)
    assert model is None or wv is not None
    os.unlink(path)


# ---------------------------------------------------------------------------------------------
# defects the fuzzer found that need the hand-packed models (see also test_bad_input.py)


@pytest.mark.parametrize("where", ["input", "output"])
def test_quantised_matrix_with_nan_centroid_round_trips(where):
    data = _ftz(np.random.default_rng(5), nan_in=where == "input", nan_out=where == "output")
    model = gensim_ftx.load_facebook_model(io.BytesIO(data))
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == data


@pytest.mark.parametrize("modified", ["input", "output"])
def test_modified_quantised_model_saves_a_loadable_file(modified):
    model = gensim_ftx.load_facebook_model(io.BytesIO(BASES["ftz"]))
    if modified == "input":
        model.wv.vectors_vocab[0] += 1.0
    else:
        model.syn1out[0] += 1.0
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    reloaded = gensim_ftx.load_facebook_model(io.BytesIO(out.getvalue()))
    np.testing.assert_allclose(reloaded.wv.vectors_vocab, model.wv.vectors_vocab, rtol=1e-6)
    np.testing.assert_allclose(reloaded.syn1out, model.syn1out, rtol=1e-6)


def test_unsupervised_model_with_labels_round_trips():
    rng = np.random.default_rng(11)
    data = _pack_model(version=12, dim=3, words=[b"</s>", b"cat", b"__label__x"], counts=[9, 4, 2], nlabels=1,
                       bucket=5, minn=3, maxn=4, input_matrix=_dense(rng, 7, 3), output_matrix=_dense(rng, 2, 3))
    model = gensim_ftx.load_facebook_model(io.BytesIO(data))
    out = io.BytesIO()
    gensim_ftx.save_facebook_model(model, out)
    assert out.getvalue() == data
