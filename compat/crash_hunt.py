"""Crash hunt: gensim_ftx's public API (and its Cython entry points) called with hostile arguments.

Bounds checking is off in the Cython core, so a value that slips past the Python checks can
segfault. Each case here is a few lines of Python that call the API with something hostile
(negative, zero, huge or NaN numbers; arrays of the wrong dtype or shape; empty, NUL-filled,
invalid-UTF-8 or 1 MB inputs; mutated ``.bin``/``.ftz`` files) and is run in a child process.
An exception of any type is a pass (it is recorded, type and message, so that unhelpful messages
can be spotted); a signal exit (segfault, abort) is a crash and a case that runs past the
timeout is a hang.

Run the long hunt from the repository root::

    python compat/crash_hunt.py --cases 3000 --seed 1 --timeout 10

It prints the cases tried, the crashes and hangs, and a reproducer for each failing case: the
case's own code after a two-line prelude that builds the same fixtures (tiny models trained on
synthetic data, see :class:`Fixtures`). ``tests/test_crash_hunt.py`` runs a fixed, seeded set
of cases in CI.

Families (``--families`` picks some; each has a generator ``gen_<family>``): ``train_args``,
``train_files``, ``predict_args``, ``set_matrices``, ``quantize``, ``scorer`` (Predictor.scorer,
Batch), ``predictor_parts``, ``kernels`` (Worker.train_batch/train_shard/train_lines,
KernelModel), ``hasher`` (SubwordHasher), ``mutated_bin`` (mutated files through
``fasttext.load_model``, ``load_facebook_model``/``_vectors``, partitions and the CLI, then
queried), ``cli``, ``gensim_face``, ``sklearn``, ``partitions`` and ``internals`` (the Cython
helpers behind them).

How it runs: the cases of a run go to one child process at a time, which runs them in order and
writes a line to a log file before and after each. When the child dies, the case it had started
is the one that killed it (faulthandler's stack comes with it); the rest go to a fresh child. A
case past the timeout gets SIGUSR1 (faulthandler writes where it is stuck) and is killed. Every
crash and hang is then rerun alone, in a fresh child, to tell a case that fails by itself from
one that only failed after the cases before it (a heap corrupted earlier). Children run with an
address-space limit (``--memory-gib``), so a huge size gives a ``MemoryError`` rather than the
machine's memory. A message is reported as possibly unhelpful when its type looks internal
(``IndexError``, ``ZeroDivisionError``...) or it names none of the hostile arguments or files of
its case (a heuristic, for a reviewer to read). Exit status 1 when anything crashed or hung.

Cases are plain data (family, code, the argument names a good error message would mention) made
by a ``random.Random`` seeded with ``(seed, case number)``: the same seed gives the same cases,
and the first ``n`` cases of a longer run are the cases of a shorter one.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import faulthandler
import gc
import hashlib
import importlib
import importlib.util
import json
import math
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

FIXTURE_VERSION = 1
HERE = Path(__file__).resolve()
LID = HERE.parents[2] / "shared" / "data" / "models" / "lid.176.ftz"
nan = float("nan")
inf = float("inf")


# ---------------------------------------------------------------------------------------------
# rendering values as Python source


class X(str):
    """A Python expression, written into a case's code as it is (not as a string literal)."""


_POWERS = (20, 31, 32, 40, 62, 63, 64)


def lit(value) -> str:
    """``value`` as Python source: ``nan``, ``2**31 - 1``, ``X`` expressions as they are."""
    if isinstance(value, X):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, bool) or value is None or not isinstance(value, int):
        if isinstance(value, list | tuple):
            inner = ", ".join(lit(v) for v in value)
            return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
        return repr(value)
    magnitude = abs(value)
    for power in _POWERS:
        offset = magnitude - 2**power
        if abs(offset) <= 2 and magnitude > 4096:
            text = f"2**{power}" + (f" + {offset}" if offset > 0 else f" - {-offset}" if offset < 0 else "")
            if value > 0:
                return text
            return f"-2**{power}" if offset == 0 else f"-({text})"
    return repr(value)


def call(func: str, *args, **kwargs) -> str:
    """``func(args..., name=value...)`` as source."""
    parts = [lit(a) for a in args] + [f"{name}={lit(value)}" for name, value in kwargs.items()]
    return f"{func}({', '.join(parts)})"


# ---------------------------------------------------------------------------------------------
# cases


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile call: ``code`` runs in the namespace of :func:`case_namespace`.

    ``expect`` lists what a good error message would name (the hostile arguments, the file):
    an exception whose message names none of them is reported as possibly unhelpful.
    """

    id: str
    family: str
    code: str
    expect: tuple[str, ...] = ()

    def reproducer(self, root: str | None = None) -> str:
        where = f"{str(root)!r}" if root else ""
        return ("import sys; sys.path.insert(0, 'compat')  # from the repository root\n"
                f"from crash_hunt import case_namespace; globals().update(case_namespace({where}))\n"
                + self.code)


def pick(rng: random.Random, values: Sequence):
    return values[rng.randrange(len(values))]


# hostile values, by kind
INT32_EDGES = [-1, 0, 1, 2**31 - 1, -2**31, 2**31, 2**32, 2**63, -2**63]
FLOAT_EDGES = [nan, inf, -inf, -1.0, 0.0, 1e-30, 1e30, 1e308]

TRAIN_VALUES: dict[str, list] = {
    "lr": [-1.0, 0.0, 1e-30, 5.0, 50.0, 1e30, nan, inf, -inf, "0.1", None],
    "dim": [-1, 0, 1, 2, 3, 300, 2**31 - 1, 2**31, 2**63, nan, 1.5, "8"],
    "ws": [-1, 0, 1, 2**31 - 1, 2**31, -2**31, nan],
    "epoch": [-1, 0, -2**31, 2**63, nan, 1.5],
    "minCount": [-1, 0, 2**31 - 1, 2**31, 2**63, -2**63, nan],
    "minCountLabel": [-1, 0, 2**31 - 1, 2**63, nan],
    "minn": [-1, 0, 1, 6, 100, 2**31 - 1, -2**31, nan],
    "maxn": [-1, 0, 1, 6, 100, 2**31 - 1, -2**31, nan],
    "neg": [-1, 0, 1, 33, 300, 2**31, -2**31, 2**63, nan],
    "wordNgrams": [-1, 0, 1, 5, 1000, 2**31 - 1, -2**31, nan],
    "bucket": [-1, 0, 1, 7, 2**31 - 1, 2**32 - 1, 2**32, 2**63, 10**6, nan],
    "thread": [-1, 0, 64, 2**31, 2**63, nan],
    "lrUpdateRate": [-1, 0, 1, 2**31 - 1, 2**31, nan],
    "t": [-1.0, 0.0, 1.0, 1e308, nan, inf, -inf],
    "loss": ["softmax", "hs", "ns", "ova", "", "bogus", None, 3],
    "seed": [-1, 2**31, 2**64, nan],
    "verbose": [-1, 3, 2**31, nan],
    "label": ["", " ", "\x00", "_", "__label__", "é"],
}
SUPERVISED_BASE = dict(dim=8, epoch=1, bucket=1000, thread=1, verbose=0)
UNSUPERVISED_BASE = dict(model="skipgram", dim=8, epoch=1, minCount=1, bucket=1000, minn=3, maxn=5, thread=1,
                         verbose=0)

# data files, by kind (see Fixtures.data); sizes are bytes
DATA_KINDS = ["empty", "spaces", "newlines", "nul", "bad_utf8", "random", "long_token", "long_line", "labels_only",
              "no_labels", "crlf", "one_word", "mixed", "surrogates", "vec_bad_dim", "vec_nan", "vec_garbage"]
DATA_SIZES = [1, 100, 5000, 1 << 20]

TEXTS = [X('"bread bake soup"'), "", " ", "\x00", X('"\\x00" * 1000'), X('"bread\\x00soup"'),
         X('"\\udcff\\udcfe"'), X('"a" * 1_000_000'), X('"bread " * 200_000'), X('"é" * 100_000'),
         "__label__baking", "__label__", "\t\v\f\r", "bread\nsoup", X('"\\u200b"'), X('"\\ufeff"'),
         X('b"bread"'), None, 7, nan, X("[]"), X('["bread", None]'), X('("bread", "soup")'),
         X('["bread"] * 3000'), X('np.array(["bread", "soup"])'), X('["bread\\nsoup"]'), X('["", " ", "\\x00"]')]
WORDS_TO_ASK = [X('"bread"'), X('"zzyzx"'), "", "\x00", X('"a" * 1_000_000'), X('"é" * 300'),
                X('"\\udcff"'), "</s>", "<", ">", " ", None, 5, X('b"bread"')]
MODELS = ["sup", "sup_hs", "sup_ova", "sup_ns", "sup_ftz", "sup_q", "lid", "unsup", "unsup_hs", "toy", "lee"]
SUP_MODELS = ["sup", "sup_hs", "sup_ova", "sup_ns", "sup_ftz", "sup_q", "lid"]
K_VALUES = [-2, -1, 0, 1, 2, 1000, 2**31 - 1, 2**31, 2**63, -2**31, nan, 1.5, True, "1", None]
THRESHOLDS = [nan, inf, -inf, -1.0, 0.0, 0.5, 1.0, 2.0, 1e-45, "0.1", None]
THREADS = [-1, 0, 1, 2, 64, 2**31, nan, None]


def _kwargs_src(kwargs: dict) -> str:
    return ", ".join(f"{k}={lit(v)}" for k, v in kwargs.items())


def gen_train_args(rng: random.Random) -> tuple[str, tuple]:
    """fastText's training functions with one to three hostile arguments."""
    supervised = rng.random() < 0.6
    base = dict(SUPERVISED_BASE if supervised else UNSUPERVISED_BASE)
    if supervised and rng.random() < 0.5:
        base.update(wordNgrams=2, minn=2, maxn=4)
    if supervised:
        base["loss"] = pick(rng, ["softmax", "hs", "ns", "ova"])
    names = rng.sample(sorted(TRAIN_VALUES), rng.choice([1, 1, 2, 3]))
    if not supervised:
        names = [n for n in names if n != "minCountLabel"] or ["lr"]
    hostile = {name: pick(rng, TRAIN_VALUES[name]) for name in names}
    if not supervised and "loss" in hostile and hostile["loss"] == "ova":
        hostile["loss"] = "softmax"
    text = X('F.text("tiny")') if supervised else X('F.text("plain")')
    func = "fasttext.train_supervised" if supervised else "fasttext.train_unsupervised"
    lines = [f"m = {call(func, text, **{**base, **hostile})}"]
    follow = pick(rng, ["predict", "vector", "save", "test", "none"])
    if follow == "predict" and supervised:
        lines.append('m.predict(["bread bake soup", "zzyzx"], k=-1)')
    elif follow == "vector":
        lines.append('m.get_word_vector("zzyzx"), m.get_sentence_vector("bread soup")')
    elif follow == "save":
        lines += ['p = F.out("trained.bin"); m.save_model(p)',
                  'm2 = fasttext.load_model(p); m2.get_word_vector("bread")']
    elif follow == "test" and supervised:
        lines.append('m.test(F.text("valid"), k=2)')
    return "\n".join(lines), tuple(names)


def gen_train_files(rng: random.Random) -> tuple[str, tuple]:
    """Training on empty, NUL-filled, invalid-UTF-8, 1 MB-line... files, by every front door."""
    kind, size = pick(rng, DATA_KINDS[:14]), pick(rng, DATA_SIZES)
    source = pick(rng, [X(f'F.file("{kind}", {size})')] * 6 + [X('F.out("missing.txt")'), X("F.root"), "",
                                                                 X('"bad\\x00path"'), X("5"), X("None")])
    door = pick(rng, ["sup", "sup", "unsup", "unsup", "gensim_file", "gensim_iter", "cli", "vocab"])
    if door == "sup":
        extra = pick(rng, [{}, dict(wordNgrams=2, minn=2, maxn=4), dict(loss="hs"), dict(loss="ova"),
                           dict(minCount=0), dict(label="")])
        code = call("fasttext.train_supervised", source, **{**SUPERVISED_BASE, **extra})
    elif door == "unsup":
        extra = pick(rng, [{}, dict(model="cbow"), dict(loss="hs"), dict(minn=1, maxn=100), dict(maxn=0)])
        code = call("fasttext.train_unsupervised", source, **{**UNSUPERVISED_BASE, **extra})
    elif door == "gensim_file":
        code = call("FastText", corpus_file=source, vector_size=8, min_count=1, bucket=1000, epochs=1, workers=1,
                    sg=pick(rng, [0, 1]), semantics=pick(rng, ["gensim", "fasttext"]))
    elif door == "gensim_iter":
        code = (f"tokens = F.data(\"{kind}\", {size}).decode('utf-8', 'surrogateescape').split()\n"
                + call("FastText", X("[tokens, tokens[:3], []]"), vector_size=8, min_count=1, bucket=1000,
                       epochs=1, workers=1, max_n=pick(rng, [0, 6, 50])))
    elif door == "vocab":
        code = call("count_words", source, eos=pick(rng, [True, False]),
                    max_token_bytes=pick(rng, [1, 100, 2**31, 0, -1]))
    else:
        argv = [pick(rng, ["supervised", "skipgram", "cbow"]), "-input", source, "-output", X('F.out("cli")'),
                "-dim", "8", "-epoch", "1", "-bucket", "1000", "-thread", "1", "-verbose", "0", "-minCount", "1"]
        code = f"cli_main({lit(argv)})"
    return code, ("input", "corpus_file", "file", "path", "max_token_bytes", "label", "vocabulary", "empty", kind)


def gen_predict_args(rng: random.Random) -> tuple[str, tuple]:
    """The fasttext model's query methods with hostile text, k, threshold, threads and indices."""
    name = pick(rng, MODELS if rng.random() < 0.3 else SUP_MODELS)
    method = pick(rng, ["predict", "predict", "predict", "sentence", "word", "nn", "analogies", "test",
                        "test_label", "meter", "subwords", "input_vector", "line", "subword_id", "words"])
    text, k, th = pick(rng, TEXTS), pick(rng, K_VALUES), pick(rng, THRESHOLDS)
    m = f'F.model("{name}")'
    if method == "predict":
        kwargs = {}
        for key, values in (("k", K_VALUES), ("threshold", THRESHOLDS), ("threads", THREADS),
                            ("as_arrays", [True, False]), ("on_unicode_error", ["strict", "bogus", None])):
            if rng.random() < 0.5:
                kwargs[key] = pick(rng, values)
        code = call(f"{m}.predict", text, **kwargs)
        expect = ("text", *kwargs)
    elif method == "sentence":
        code, expect = call(f"{m}.get_sentence_vector", text), ("text",)
    elif method == "word":
        code, expect = call(f"{m}.get_word_vector", pick(rng, WORDS_TO_ASK)), ("word",)
    elif method == "nn":
        code, expect = call(f"{m}.get_nearest_neighbors", pick(rng, WORDS_TO_ASK), k=k), ("word", "k")
    elif method == "analogies":
        code = call(f"{m}.get_analogies", pick(rng, WORDS_TO_ASK), "bread", pick(rng, WORDS_TO_ASK), k=k)
        expect = ("word", "k")
    elif method in ("test", "test_label", "meter"):
        path = pick(rng, [X('F.text("valid")')] * 3 + [X(f'F.file("{pick(rng, DATA_KINDS[:14])}", '
                                                         f'{pick(rng, DATA_SIZES)})')] * 4 + [X("F.root"), ""])
        if method == "meter":
            code = call(f"{m}.get_meter", path, k=k)
        else:
            code = call(f"{m}.{method}", path, k=k, threshold=th)
        expect = ("path", "file", "k", "threshold")
    elif method == "subwords":
        code, expect = call(f"{m}.get_subwords", pick(rng, WORDS_TO_ASK)), ("word",)
    elif method == "input_vector":
        index = pick(rng, [-1, 0, 10**6, 2**31 - 1, 2**31, -2**31, 2**63, nan, 1.5, X("len(m.words)"),
                           X("len(m.words) + 10**6")])
        code, expect = f"m = {m}\n" + call("m.get_input_vector", index), ("ind", "index")
    elif method == "line":
        code, expect = call(f"{m}.get_line", text, on_unicode_error=pick(rng, ["strict", "x"])), ("text",)
    elif method == "subword_id":
        code, expect = call(f"{m}.get_subword_id", pick(rng, WORDS_TO_ASK)), ("subword", "bucket")
    else:
        code = call(f"{m}.{pick(rng, ['get_words', 'get_labels'])}", include_freq=pick(rng, [True, False]),
                    on_unicode_error=pick(rng, ["strict", "replace", "bogus"]))
        expect = ("on_unicode_error",)
    return code, expect


MATRIX_INPUTS = ["I", "I[:nw]", "I[:nw - 1]", "I[:-1]", "I[:0]", "np.vstack([I, I])", "I[:, :4]", "I[:, :0]",
                 "I.astype(np.float64)", "I.astype(np.int32)", "I.astype(np.float16)", "I.T", "I[::2]",
                 "np.asfortranarray(I)", "np.full_like(I, nan)", "np.full_like(I, inf)", "I.ravel()", "I[None]",
                 "I.astype(object)", "I.astype(str)", "I.astype(np.complex64)", "np.zeros((nw + 1, 8), np.float32)",
                 "I[:nw + 3]", "I.tolist()", "None", "5"]
MATRIX_OUTPUTS = ["O", "O[:-1]", "O[:1]", "O[:0]", "np.vstack([O, O])", "O[:, :4]", "O.astype(np.float64)",
                  "O.T", "np.full_like(O, nan)", "np.full_like(O, -inf)", "O.ravel()", "O[::2]",
                  "np.zeros((1, 8), np.float32)", "np.zeros((10**5, 8), np.float32)", "O.astype(object)", "None"]
AFTER_MATRICES = ['m.predict(["bread bake soup zzyzx", ""], k=-1)', 'm.predict("zzyzx qqq", k=2)',
                  'm.get_word_vector("zzyzx")', 'm.get_word_vector("bread")', 'm.get_sentence_vector("bread zzyzx")',
                  'm.test(F.text("valid"), k=2)', 'm.get_nearest_neighbors("bread", k=3)',
                  'm.get_analogies("bread", "soup", "egg", k=2)',
                  'p = F.out("set.bin"); m.save_model(p); fasttext.load_model(p).predict("bread zzyzx", k=-1)',
                  "m.quantize(dsub=2)", "m.get_input_matrix(), m.get_output_matrix()",
                  'm.quantize(input=F.text("tiny"), retrain=True, cutoff=300, epoch=1)']


def gen_set_matrices(rng: random.Random) -> tuple[str, tuple]:
    """``set_matrices`` with matrices of the wrong shapes, dtypes and values, then queries."""
    name = pick(rng, ["sup", "sup", "sup_hs", "sup_ova", "sup_ns", "unsup", "unsup_hs", "sup_ftz"])
    source = "sup" if name == "sup_ftz" else name
    first = pick(rng, MATRIX_INPUTS) if rng.random() < 0.7 else "I"
    second = pick(rng, MATRIX_OUTPUTS) if first == "I" or rng.random() < 0.3 else "O"
    lines = [f'm = F.fresh("{name}"); I, O = F.matrices("{source}"); nw = len(m.words)',
             f"m.set_matrices({first}, {second})"]
    lines += rng.sample(AFTER_MATRICES, rng.choice([1, 2, 3]))
    return "\n".join(lines), ("input_matrix", "output_matrix", "matri", "rows", "input", "output")


def gen_quantize(rng: random.Random) -> tuple[str, tuple]:
    """``quantize`` with hostile cutoff, dsub, epoch, lr, thread and input files."""
    name = pick(rng, ["sup", "sup", "sup_hs", "sup_ova", "sup_ns", "sup_q", "unsup", "sup_ftz"])
    values = {"cutoff": [-1, 0, 1, 2, 255, 256, 257, 10**9, 2**63, nan, 1.5],
              "dsub": [-1, 0, 1, 3, 5, 8, 9, 2**31, 2**63, nan],
              "qnorm": [True, False], "qout": [True, False], "retrain": [True, False],
              "epoch": [-1, 0, 1, 2**31, nan], "lr": [-1.0, 0.0, 5.0, nan, inf],
              "thread": [-1, 0, 1, 64, 2**31, nan],
              "input": [X('F.text("tiny")'), X('F.text("tiny")'), X(f'F.file("{pick(rng, DATA_KINDS[:14])}", 5000)'),
                        "", None]}
    kwargs = {key: pick(rng, choices) for key, choices in values.items() if rng.random() < 0.45}
    if kwargs.get("retrain") and "cutoff" not in kwargs:
        kwargs["cutoff"] = 300
    lines = [f'm = F.fresh("{name}")', call("m.quantize", **kwargs)]
    lines.append(pick(rng, ['m.predict(["bread bake", "zzyzx"], k=-1)', 'm.get_word_vector("zzyzx")',
                            'p = F.out("q.ftz"); m.save_model(p); fasttext.load_model(p).predict("bread", k=3)',
                            'm.test(F.text("valid"), k=2)']))
    return "\n".join(lines), tuple(kwargs) or ("quantize",)


BATCH_TEXTS = ['["bread bake", "soup zzyzx __label__baking", ""]', '["bread"]', "[]", '["\\x00" * 100, "é" * 50]',
               '["bread " * 50_000]']


def gen_scorer(rng: random.Random) -> tuple[str, tuple]:
    """The scorer's entry points (``Predictor.scorer``, ``predict_batch``, ``Batch``) with bad
    bounds, ``k``, array shapes, dtypes and spans."""
    name = pick(rng, ["sup", "sup", "sup_hs", "sup_ova", "sup_ftz", "sup_q", "lid", "unsup"])
    texts = pick(rng, BATCH_TEXTS)
    head = [f'p = F.model("{name}").predictor', f"b = Batch.from_texts({texts})", "n, k, dim = len(b), 2, p.dim"]
    entry = pick(rng, ["predict", "predict", "predict", "vectors", "vectors", "line", "rows", "batch", "batch",
                       "ended", "buffer"])
    lo, hi, k = "0", "n", "k"
    data, starts, ends, ended = "b.data", "b.starts", "b.ends", "b.ended"
    arrays = {"labels": "np.full((n, k), -1, np.int32)", "probs": "np.zeros((n, k), np.float32)",
              "counts": "np.zeros(n, np.int32)", "out": "np.zeros((n, dim), np.float32)"}
    bad_arrays = {"labels": ["np.full((n, 1), -1, np.int32)", "np.full((max(n - 1, 0), k), -1, np.int32)",
                             "np.full((n, k), -1, np.int64)", "np.zeros(0, np.int32)",
                             "np.full((n, k), -1, np.int32).T",
                             "np.full((n, k + 5), -1, np.int32)"],
                  "probs": ["np.zeros((n, 1), np.float32)", "np.zeros((0, k), np.float32)", "np.zeros((n, k))"],
                  "counts": ["np.zeros(0, np.int32)", "np.zeros(max(n - 1, 0), np.int32)", "np.zeros(n, np.int64)"],
                  "out": ["np.zeros((n, dim + 1), np.float32)", "np.zeros((max(n - 1, 0), dim), np.float32)",
                          "np.zeros((n, max(dim - 1, 0)), np.float32)", "np.zeros((0, 0), np.float32)",
                          "np.zeros((n, dim))", "np.zeros((n, dim), np.float32)[:, ::-1]"]}
    hostile = set()
    for _ in range(rng.choice([1, 1, 2, 3])):
        what = pick(rng, ["lo", "hi", "k", "data", "starts", "ends", "ended", "array", "threshold"])
        hostile.add(what)
        if what == "lo":
            lo = pick(rng, ["-1", "n", "n + 1", "2**31", "-2**31", "-(2**62)"])
        elif what == "hi":
            hi = pick(rng, ["n + 1", "n + 1000", "-1", "0", "2**31", "2**62"])
        elif what == "k":
            k = pick(rng, ["0", "-1", "k + 3", "2**31 - 1", "-2**31", "10**6"])
        elif what == "data":
            data = pick(rng, ['b""', 'b"\\x00"', "b.data[:1]", "bytearray(b.data)", "np.frombuffer(b.data, np.uint8)",
                              '"text"', "None"])
        elif what == "starts":
            starts = pick(rng, ["b.starts - 5", "b.starts + 2**40", "b.starts[:1]", "b.ends", "b.starts[::-1].copy()",
                                "b.starts.astype(np.int32)", "np.zeros(0, np.int64)", "-b.ends"])
        elif what == "ends":
            ends = pick(rng, ["b.ends + 100", "b.ends + 2**40", "b.starts - 1", "b.ends[:1]", "np.zeros(0, np.int64)",
                              "b.ends * 0 - 1", "b.ends.astype(np.uint64)"])
        elif what == "ended":
            ended = pick(rng, ["b.ended[:0]", "b.ended[:1]", "b.ended.astype(bool)", "b.ended + 7",
                               "np.ones(n + 5, np.uint8)"])
        elif what == "array":
            key = pick(rng, sorted(bad_arrays))
            arrays[key] = pick(rng, bad_arrays[key])
            hostile.add(key)
    th = lit(pick(rng, THRESHOLDS[:8])) if "threshold" in hostile else "0.0"
    setup = (f"labels, probs, counts, out = {arrays['labels']}, {arrays['probs']}, {arrays['counts']}, "
             f"{arrays['out']}")
    if entry == "predict":
        body = [setup, f"p.scorer.predict({data}, {starts}, {ends}, {ended}, {lo}, {hi}, {k}, {th}, labels, probs, "
                       f"counts, {pick(rng, ['False', 'True'])})"]
    elif entry == "vectors":
        body = [setup, f"p.scorer.vectors({data}, {starts}, {ends}, {ended}, {lo}, {hi}, out, "
                       f"{pick(rng, ['False', 'True'])})"]
    elif entry == "line":
        line = pick(rng, ['b"bread bake"', 'b""', 'b"\\x00" * 100', 'b"\\xff\\xfe"', 'b"bread " * 200_000'])
        body = [f"p.scorer.predict_line({line}, {k}, {th})"]
    elif entry == "rows":
        line = pick(rng, ['b"bread bake __label__baking"', 'b""', 'b"\\xff" * 1000', "None", '"str"'])
        body = [f"p.scorer.line_rows({line}, {pick(rng, ['True', 'False'])})"]
    elif entry == "batch":
        method = pick(rng, ["predict_batch", "line_vectors", "word_vectors"])
        batch = f"Batch({data}, {starts}, {ends}, {ended})"
        if method == "predict_batch":
            body = [f"p.predict_batch({batch}, {k}, {th}, threads={lit(pick(rng, THREADS))}, "
                    f"want_gold={pick(rng, ['False', 'True'])})"]
        else:
            body = [f"p.{method}({batch}, threads={lit(pick(rng, THREADS[:5]))})"]
    elif entry == "ended":
        flags = pick(rng, ["[]", "[True]", "[1] * (n + 3)", "[2, -1, 300]", "np.ones(n, bool)", "None", "[nan] * n"])
        body = [f"bb = Batch.from_texts({texts}, ended={flags})",
                pick(rng, ["p.line_vectors(bb)", "p.predict_batch(bb, 2)", "p.word_vectors(bb)"])]
        hostile.add("ended")
    else:
        blob = pick(rng, ['b""', 'b"\\n" * 1000', 'b"\\x00" * 5000', 'b"bread\\r\\nsoup"', 'b"x" * (1 << 20)',
                          'bytes(range(256)) * 10'])
        body = [f"bb = Batch.from_buffer({blob})",
                pick(rng, ["p.predict_batch(bb, 2, want_gold=True)", "p.line_vectors(bb)",
                           "p.test_stream(io.BytesIO(bb.data), 2)"])]
    return "\n".join(head + body), tuple(sorted(hostile)) or ("batch",)


def gen_predictor_parts(rng: random.Random) -> tuple[str, tuple]:
    """A ``Predictor`` built from parts of which one or two do not match: rows vs words, buckets,
    labels, tree, pruning table, dimensions."""
    loss = pick(rng, ["softmax", "ova", "ns", "hs"])
    knobs = dict(bucket=7, in_rows=None, out_rows=2 if loss == "hs" else 3, dim_out=8, minn=2, maxn=4, nwords=4,
                 prune=None, counts="[5, 3, 1]", fill="np.ones", values="", word_ngrams=2, loss=loss)
    hostile = {
        "bucket": [0, 1, 100, 2**31 - 1, 2**32 - 1, 2**32 - 2, 2**31],
        "in_rows": [0, 1, 3, 4, 10, 12, 1000],
        "out_rows": [0, 1, 2, 3, 5, 100],
        "dim_out": [0, 4, 9],
        "minn": [-1, 0, 2**31 - 1], "maxn": [0, -1, 2**31 - 1],
        "nwords": [0, 5, 100, 2**31 - 1],
        "prune": [X("[[0, 0], [1, 5]]"), X("[[3, -1]]"), X("np.zeros((0, 2))"), X("[[0, 2**31 - 1]]"),
                  X("[[h, h % 7] for h in range(1000)]")],
        "counts": ["[]", "[-1, 0, 1]", "[2**62, 2**62, 2**62]", "[1]", "[0, 0, 0]"],
        "values": [" * nan", " * inf", " * 1e38"],
        "word_ngrams": [0, -1, 1, 100, 2**31 - 1],
        "loss": ["bogus", "hs+ns", ""],
    }
    names = rng.sample(sorted(hostile), rng.choice([1, 1, 2]))
    knobs.update({name: pick(rng, hostile[name]) for name in names})
    bucket = knobs["bucket"]
    in_rows = knobs["in_rows"] if knobs["in_rows"] is not None else 4 + (bucket if bucket <= 1000 else 0)
    hasher = call("SubwordHasher", knobs["minn"], knobs["maxn"], bucket, knobs["nwords"], pruneidx=knobs["prune"])
    lines = ['words = KeyStore.from_keys(["</s>", "bread", "bake", "soup"])',
             f"h = {hasher}",
             f"IN = MatrixRows.dense({knobs['fill']}(({in_rows}, 8), np.float32){knobs['values']})",
             f"OUT = MatrixRows.dense(np.ones(({knobs['out_rows']}, {knobs['dim_out']}), np.float32))",
             f'p = Predictor(words, ["__label__a", "__label__b", "__label__c"], {knobs["counts"]}, h, IN, OUT, '
             f'"{knobs["loss"]}", {lit(knobs["word_ngrams"])}, {lit(bucket)})']
    lines.append(pick(rng, ['p.predict(["bread bake zzyzx", "soup", ""], k=-1)', 'p.predict_line("bread zzyzx", 3)',
                            'p.word_vectors(["zzyzx", "bread", "é" * 50])',
                            'p.line_vectors(["bread zzyzx __label__a"])',
                            'p.test_stream(io.BytesIO(b"__label__a bread zzyzx\\n__label__b soup\\n"), 2)']))
    return "\n".join(lines), ("rows", "bucket", "labels", "output", "input", "counts", "nwords", "dim", "columns",
                              "loss", "prune", "word_ngrams", "minn", "maxn", "tree")


def gen_kernels(rng: random.Random) -> tuple[str, tuple]:
    """``gensim_ftx.train._kernels``: Worker.train_batch / train_shard / train_lines, KernelModel and the
    table builders with bad bounds, starts, table sizes and learning rates."""
    entry = pick(rng, ["batch", "batch", "shard", "shard", "lines", "lines", "lines", "kernel", "tables"])
    alpha = pick(rng, [0.025, 0.025, 0.1, 5.0, 1e30, nan, inf, -1.0])
    stop = pick(rng, ["np.zeros(1, np.int64)"] * 4 + ["np.zeros(0, np.int64)", "np.ones(1, np.int64)"])
    if entry == "batch":
        engine = pick(rng, ["sg-ns", "cbow-ns", "sg-hs", "cbow-hs+ns", "sg-softmax"])
        ids = pick(rng, ["np.arange(nw, dtype=np.int32)", "np.arange(nw, dtype=np.int32)", "np.array([-1], np.int32)",
                         "np.array([nw], np.int32)", "np.array([2**31 - 1], np.int32)", "np.zeros(0, np.int32)"])
        bounds = pick(rng, ["[0, len(ids)]", "[0, len(ids)]", "[0, len(ids) + 100]", "[0, 5, 2]", "[-5, 0]",
                            "[0, 2**40]", "[]", "[len(ids), 0]", "[0, 1, 1, 1]", "[3]"])
        code = [f'model, run = F.engine("{engine}"); kernel, nw = run.kernel, len(model.wv)',
                "w = Worker(kernel, 1)", f"ids = {ids}",
                f"w.train_batch(kernel, ids, np.array({bounds}, np.int64), {lit(alpha)}, "
                f"{lit(pick(rng, [0.0, 0.0, -1.0, nan, 1e30]))}, 0.0001, {stop})"]
        expect = ("ids", "bounds", "alpha", "stop")
    elif entry == "shard":
        engine = pick(rng, ["sg-ns", "cbow-ns", "sg-hs", "cbow-hs+ns"])
        path = pick(rng, [X('F.text("plain")')] * 3 + [X(f'F.file("{pick(rng, DATA_KINDS[:14])}", '
                                                         f'{pick(rng, DATA_SIZES)})')])
        start = pick(rng, [0, 0, 5, 10**9, -1, 2**62])
        end = pick(rng, [-1, -1, 0, 100, -2, 2**62])
        counter = pick(rng, ["np.zeros(1, np.int64)"] * 4 + ["np.zeros(0, np.int64)", "np.full(1, 2**62, np.int64)",
                                                             "np.full(1, -2**62, np.int64)"])
        budget = pick(rng, [10**5, 10**5, 0, -1, 2**62, -2**62])
        max_line = pick(rng, [1000, 1000, 1, 0, -1, 2**31])
        tokens = pick(rng, [10000, 10000, 1, 0, 2**31])
        board = pick(rng, ["None", "np.zeros(2)", "np.zeros(1)", "np.zeros(0)"])
        wrap = pick(rng, [False, False, True])
        # a wrapping reader never ends: the worker stops at ``until`` (by contract), so keep it reachable
        until = pick(rng, [0, 10**5] if wrap else [-1, -1, 0, 10**5, 2**62])
        code = [f'model, run = F.engine("{engine}"); kernel = run.kernel',
                f"reader = ShardReader({lit(path)}, F.word_table(model), {lit(start)}, {lit(end)}, eos=True, "
                f"max_line_tokens={lit(tokens)}, wrap={wrap})",
                f"Worker(kernel, 1).train_shard(kernel, reader, {counter}, {lit(budget)}, {lit(alpha)}, 0.0001, "
                f"{lit(max_line)}, {stop}, {board}, {lit(until)})"]
        expect = ("start", "end", "counter", "budget", "max_line", "board", "path", "max_line_tokens")
    elif entry == "lines":
        loss = pick(rng, ["softmax", "softmax", "ova", "ns", "hs"])
        start = pick(rng, [0, 0, 0, 5, -1, X("len(d.line_tokens)"), 2**40])
        row_indptr = pick(rng, ["d.row_indptr"] * 4 + ["d.row_indptr + 5", "d.row_indptr[::-1].copy()",
                                                       "np.r_[d.row_indptr[:-1], 2**40]", "d.row_indptr[:-1]",
                                                       "d.row_indptr - 1"])
        rows = pick(rng, ["d.rows"] * 4 + ["d.rows[:1]", "np.zeros(0, np.int32)", "d.rows.astype(np.int64)"])
        label_indptr = pick(rng, ["d.label_indptr"] * 4 + ["d.label_indptr + 3", "np.zeros_like(d.label_indptr)",
                                                           "np.r_[d.label_indptr[:-1], 2**40]"])
        labels = pick(rng, ["d.line_labels"] * 4 + ["d.line_labels[:1]", "np.zeros(0, np.int32)"])
        tokens = pick(rng, ["d.line_tokens"] * 4 + ["-d.line_tokens", "d.line_tokens * 0",
                                                    "np.full_like(d.line_tokens, 2**31 - 1)"])
        counter = pick(rng, ["np.zeros(1, np.int64)"] * 4 + ["np.zeros(0, np.int64)", "np.full(1, -2**62, np.int64)"])
        budget = pick(rng, [20000, 20000, 0, -1, -2**62])
        hold = pick(rng, ["", "", "", "w.hold_output_updates(kernel, 0); ", "w.hold_output_updates(kernel, -5); ",
                          "w.hold_output_updates(kernel, 2**40); ", "w.hold_input_updates(kernel, 2**40, 3); ",
                          "w.hold_input_updates(kernel, -1, -1); ", "w.hold_input_updates(kernel, 5, 2**40); "])
        code = [f'kernel, d = F.sup_kernel("{loss}")', f"w = Worker(kernel, 1); {hold}".rstrip("; "),
                f"w.train_lines(kernel, {row_indptr}, {rows}, {label_indptr}, {labels}, {tokens}, {lit(start)}, "
                f"{counter}, {lit(budget)}, {lit(alpha)}, 0.0, {stop}, {pick(rng, ['None', 'np.zeros(1)'])})"]
        expect = ("start", "row_indptr", "rows", "label", "tokens", "counter", "budget", "alpha", "batch")
    elif entry == "kernel":
        engine = pick(rng, ["sg-ns", "cbow-hs+ns"])
        indptr = pick(rng, ["wv.subword_indptr"] * 3 + [
            "wv.subword_indptr + 100", "wv.subword_indptr[::-1].copy()", "np.r_[wv.subword_indptr[:-1], 2**40]",
            "wv.subword_indptr - 1"])
        ids = pick(rng, ["wv.subword_ids"] * 3 + ["wv.subword_ids * 0 - 1", "wv.subword_ids[:1]", "np.zeros(0)"])
        alias = pick(rng, ["alias_table(np.ones(nw))"] * 2 + ["alias_table(np.ones(nw + 5))", "np.full(nw, 2**63, "
                           "np.uint64)", "np.zeros(nw, np.uint64)", "None", "alias_table(np.ones(1))"])
        neg = pick(rng, [5, 5, 0, -1, 32, 33, 1000, 2**31 - 1])
        window = pick(rng, [5, 5, 0, -1, 2**31 - 1])
        code = [f'model, run = F.engine("{engine}"); wv, nw = model.wv, len(model.wv)',
                f'kernel = KernelModel(wv.vectors_vocab, wv.vectors_ngrams, model.syn1neg, {indptr}, {ids}, loss="ns", '
                f"neg={lit(neg)}, neg_alias={alias}, sg={pick(rng, ['True', 'False'])}, window={lit(window)})",
                f"Worker(kernel, {lit(pick(rng, [1, 0, 2**64 - 1]))}).train_batch(kernel, np.arange(nw, "
                f"dtype=np.int32), np.array([0, nw], np.int64), 0.025, 0.0, 0.0001, np.zeros(1, np.int64))"]
        expect = ("indptr", "subword", "neg", "alias", "window", "table")
    else:
        code = [pick(rng, ["alias_table(np.array([nan, 1.0]))", "alias_table(np.array([], np.float64))",
                           "alias_table(np.array([-1.0, 2.0]))", "alias_table(np.zeros(3))",
                           "alias_table(np.array([inf, 1.0]))", "alias_table(np.array([1e308, 1e308]))",
                           "duplicate_factors(np.array([0, 5], np.int64), np.zeros(2, np.int32))",
                           "duplicate_factors(np.array([3, 0], np.int64), np.zeros(3, np.int32))",
                           "duplicate_factors(np.zeros(0, np.int64), np.zeros(0, np.int32))",
                           "encode_sentences([['a'] * 10], {'a': 0}, eos_id=1, max_line=0)",
                           "encode_sentences([['a'] * 10], {'a': 0}, eos_id=-5, max_line=-1)",
                           "encode_sentences([['a', 'b']], {'a': 2**40, 'b': -1})",
                           "encode_sentences([None], {})"])]
        expect = ("weights", "indptr", "max_line", "ids", "table", "eos")
    return "\n".join(code), expect


def gen_hasher(rng: random.Random) -> tuple[str, tuple]:
    """``SubwordHasher`` with buckets near 2**32, huge nwords and bad pruning tables; n-gram helpers."""
    entry = pick(rng, ["hasher", "hasher", "hasher", "ngrams", "keyed"])
    if entry == "ngrams":
        code = call(pick(rng, ["ngram_strings"]),
                    pick(rng, [b"bread", b"", b"\xff\xfe", b"\x00" * 10, X('b"a" * 10**5')]),
                    pick(rng, [-1, 0, 1, 3, 2**31 - 1, -2**31]), pick(rng, [-1, 0, 1, 6, 2**31 - 1, -2**31]))
        return code, ("minn", "maxn")
    if entry == "keyed":
        change = pick(rng, ["wv.vectors_ngrams = wv.vectors_ngrams[:5]", "wv.vectors_ngrams = wv.vectors_ngrams[:0]",
                            "wv.vectors_vocab = wv.vectors_vocab[:3]", "wv.bucket = 2**32 - 1",
                            "wv.bucket = 0", "wv.min_n, wv.max_n = 0, 2**31 - 1",
                            "wv.vectors_ngrams = wv.vectors_ngrams.astype(np.float64)",
                            "wv.vectors_ngrams = np.full_like(wv.vectors_ngrams, nan)",
                            "wv.vectors_ngrams = wv.vectors_ngrams[:, :2]"])
        ask = pick(rng, ['wv["zzyzx"]', 'wv["bread"]', 'wv[["zzyzx", "bread", ""]]', 'wv.most_similar("zzyzx", topn=3)',
                         'save_facebook_model(model, F.out("kv.bin"))', "wv.get_sentence_vector(['zzyzx', 'bread'])",
                         'model.train(corpus_iterable=F.sentences(), total_examples=50, epochs=1)'])
        code = [f'model = F.gensim("{pick(rng, ["unsup", "toy", "sup"])}"); wv = model.wv', change, ask]
        return "\n".join(code), ("vectors", "bucket", "ngrams", "rows", "min_n", "max_n", "shape")
    minn, maxn = pick(rng, [3, 3, 0, 1, -1, 2**31 - 1, -2**31]), pick(rng, [6, 6, 0, 1, -1, 2**31 - 1, -2**31])
    bucket = pick(rng, [1000, 2**32 - 1, 2**32 - 2, 2**31, 2**31 - 1, 2**32, 0, 1, -1, 2**63])
    nwords = pick(rng, [10, 0, 2**31 - 1, 2**31 - 2, 2**31, -1])
    kwargs = {}
    if rng.random() < 0.3:
        kwargs.update(floret=True, hash_count=pick(rng, [1, 2, 4, 0, 5, -1]))
    if rng.random() < 0.4:
        kwargs["pruneidx"] = pick(rng, [X("[[0, 0], [5, 1]]"), X("[[0, -1]]"), X("[[-1, 0]]"), X("[[5, 2**31 - 1]]"),
                                       X("np.zeros((0, 2))"), X("[1, 2, 3]"), X("[[7, 1], [7, 2]]"),
                                       X("np.arange(2 * 10**5).reshape(-1, 2)")])
    lines = [f"h = {call('SubwordHasher', minn, maxn, bucket, nwords, **kwargs)}"]
    if rng.random() < 0.5:
        word = pick(rng, [b"bread", b"", b"\x00" * 10, b"\xff\xfe\xfd", X('b"a" * 10**6'), X('"é".encode() * 1000')])
        lines.append(call("h.subwords", word, pick(rng, [-1, 0, 9, 2**31 - 1, 2**40, -2**40, 2**63 - 1])))
    else:
        words = pick(rng, ['["bread", "", "zzyzx", "é" * 40]', '["a" * 100_000]', "[]", '["\\x00"] * 100'])
        mutate = pick(rng, ["", "", "ends += 5", "starts -= 1", "starts[:] = ends[::-1]", "ends[:] = 2**40"])
        lines += [f"blob, starts, ends = pack_words({words})"] + ([mutate] if mutate else [])
        lines.append(f"h.csr(blob, starts, ends, {pick(rng, ['True', 'False'])})")
    return "\n".join(lines), ("minn", "maxn", "bucket", "nwords", "hash_count", "pruneidx", "word_id", "spans")


# -- mutated model files


FIELD_VALUES = {
    "i": [0, 1, -1, 2, 3, 4, 7, 255, 256, 65536, 2**20 + 1, 2**31 - 1, -2**31],
    "q": [0, 1, -1, 2**31 - 1, 2**31, 2**32 + 1, 2**40, 2**62, -2**63, 2**63 - 1],
    "d": [nan, inf, -inf, -1.0, 0.0, 1e308, 5e-324],
    "f": [nan, inf, -inf, 1e38, 0.0],
    "b": [0, 1, 2, -1, 127, -128],
    "B": [0, 1, 2, 255],
}
FIELD_NAMES = ["magic", "version"] + [f"args.{a}" for a in (
    "dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
    "lr_update_rate", "t")] + ["dictionary.size", "dictionary.nwords", "dictionary.nlabels", "dictionary.ntokens",
                               "dictionary.pruneidx_size", "dictionary.entry[0].count", "dictionary.entry[0].type",
                               "dictionary.entry[last].count", "dictionary.entry[last].type",
                               "dictionary.entry[nwords].type", "dictionary.pruneidx[0].key",
                               "dictionary.pruneidx[0].row", "dictionary.pruneidx[last].row", "quant_input",
                               "quant_output"] + [f"{m}.{f}" for m in ("input", "output") for f in (
                                   "m", "n", "qnorm", "codesize", "pq.dim", "pq.nsubq", "pq.dsub", "pq.lastdsub",
                                   "pq.centroid[0]", "npq.dim", "npq.nsubq", "npq.dsub", "npq.lastdsub", "data[0]",
                                   "norm_codes[0]")]
MUTATED_BASES = ["sup", "sup", "sup_hs", "sup_ova", "sup_ftz", "sup_ftz", "sup_q", "unsup", "unsup_hs", "lid", "toy"]
MODEL_OPS = ['m.predict(["bread bake soup zzyzx", "", "é"], k=-1)', 'm.predict("bread zzyzx", k=2, threshold=0.01)',
             'm.get_word_vector("bread")', 'm.get_word_vector("zzyzx")', 'm.get_sentence_vector("bread soup zzyzx")',
             'm.get_nearest_neighbors("bread", k=3)', 'm.get_analogies("bread", "soup", "egg", k=2)',
             'm.test(F.text("valid"), k=2)', "m.get_words(include_freq=True), m.get_labels(include_freq=True)",
             "m.get_input_matrix(), m.get_output_matrix()",
             'p = F.out("re.bin"); m.save_model(p); fasttext.load_model(p).get_word_vector("zzyzx")',
             'm.get_subwords("bread")', "m.get_input_vector(len(m.words) - 1)", "m.get_input_vector(0)",
             'm.get_line("bread __label__x zzyzx")', "m.quantize(dsub=2)"]
GENSIM_OPS = ['m.wv["zzyzx"]', 'm.wv["bread"]', 'm.wv.most_similar("bread", topn=3)',
              'save_facebook_model(m, F.out("re.bin"))',
              "m.train(corpus_iterable=F.sentences(), total_examples=50, epochs=1)"]


def field_format(field: str) -> str:
    """The struct format of a field named as in :func:`layout`."""
    if field == "args.t":
        return "d"
    if field.endswith(("ntokens", "pruneidx_size", ".count", ".m", ".n")):
        return "q"
    if field.endswith(".type"):
        return "b"
    if field.startswith("quant_") or field.endswith(("qnorm", "norm_codes[0]")):
        return "B"
    if field.endswith(("centroid[0]", "data[0]")):
        return "f"
    return "i"


def gen_mutation(rng: random.Random, fields: Sequence[str]) -> tuple:
    kind = pick(rng, ["set", "set", "set", "add", "flip", "byte", "truncate", "insert", "delete"])
    if kind in ("set", "add"):
        field = pick(rng, fields)
        if kind == "add" and field_format(field) not in "fd":
            return ("add", field, pick(rng, [-1, 1, 2, 256, -256, 2**31]))
        return ("set", field, pick(rng, FIELD_VALUES[field_format(field)]))
    offset = rng.randrange(160) if rng.random() < 0.6 else rng.randrange(1 << 24)
    if kind == "flip":
        return ("flip", offset, rng.randrange(8))
    if kind == "byte":
        return ("byte", offset, rng.randrange(256))
    if kind == "insert":
        return ("insert", offset, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9))).hex())
    if kind == "delete":
        return ("delete", offset, rng.randrange(1, 13))
    return ("truncate", offset)


QUANTISED = {"sup_ftz": ("input",), "sup_q": ("input", "output"), "lid": ("input",)}  # matrices kept as codes
PRUNED = ("sup_ftz", "lid")
_QUANT_FIELDS = ("qnorm", "codesize", "pq.", "npq.", "norm_codes")


def fields_for(base: str) -> list[str]:
    """The fields of :data:`FIELD_NAMES` that model ``base`` has."""
    quantised = QUANTISED.get(base, ())
    kept = []
    for field in FIELD_NAMES:
        matrix = field.split(".")[0]
        if matrix in ("input", "output"):
            if any(part in field for part in _QUANT_FIELDS) != (matrix in quantised):
                continue
            if field.endswith("data[0]") and matrix in quantised:
                continue
        if field.startswith("dictionary.pruneidx[") and base not in PRUNED:
            continue
        if field == "dictionary.entry[nwords].type" and base.startswith(("unsup", "toy")):
            continue
        kept.append(field)
    return kept


def gen_mutated_bin(rng: random.Random) -> tuple[str, tuple]:
    """Mutated ``.bin``/``.ftz`` files through every loader, then queried."""
    base = pick(rng, MUTATED_BASES)
    mutations = [gen_mutation(rng, fields_for(base)) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    path = f"P = F.mutated({base!r}, {lit(mutations)})"
    door = pick(rng, ["fasttext"] * 6 + ["gensim", "gensim", "vectors", "partition", "cli"])
    if door == "fasttext":
        lines = [path, "m = fasttext.load_model(P)"] + rng.sample(MODEL_OPS, rng.choice([1, 2, 3]))
    elif door == "gensim":
        lines = [path, "m = load_facebook_model(P)"] + rng.sample(GENSIM_OPS, rng.choice([1, 2]))
    elif door == "vectors":
        lines = [path, f"wv = load_facebook_vectors(P, mmap={pick(rng, [None, 'r', 'c'])!r})",
                 pick(rng, ['wv["zzyzx"]', 'wv[["bread", "zzyzx"]]', 'wv.most_similar("zzyzx", topn=2)'])]
    elif door == "partition":
        lines = [path, pick(rng, ['partitions.predict_partition(["bread soup", "zzyzx", ""], P, k=-1)',
                                  'partitions.word_vectors_partition(["bread", "zzyzx"], P)',
                                  'partitions.sentence_vectors_partition(["bread soup"], P)'])]
    else:
        command = pick(rng, [["predict-prob", X("P"), X('F.text("valid")'), "2"],
                             ["test", X("P"), X('F.text("valid")')],
                             ["print-word-vectors", X("P")], ["nn", X("P"), "3"], ["dump", X("P"), "input"],
                             ["dump", X("P"), "dict"], ["dump", X("P"), "args"]])
        lines = [path, f"cli_main({lit(command)})"]
    return "\n".join(lines), ("P", "model", "byte offset", "mutated", ".bin", ".ftz")


def gen_cli(rng: random.Random) -> tuple[str, tuple]:
    """The command line (in process) with hostile numbers and files."""
    model = X(f'F.bin("{pick(rng, SUP_MODELS + ["unsup"])}")')
    hostile_file = X(f'F.file("{pick(rng, DATA_KINDS[:14])}", {pick(rng, DATA_SIZES)})')
    data = pick(rng, [X('F.text("valid")')] * 2 + [hostile_file, "-", X("F.root"), X('F.out("none")')])
    number = [str(v) for v in (-1, 0, 1, 2**31 - 1, 2**31, 2**63, -2**63)] + ["nan", "inf", "-inf", "1e309", "x", ""]
    command = pick(rng, ["predict", "predict-prob", "test", "test-label", "train", "nn", "analogies", "quantize",
                         "print-sentence-vectors", "dump"])
    if command in ("predict", "predict-prob", "test", "test-label"):
        argv = [command, model, data, pick(rng, number), pick(rng, number)]
    elif command == "train":
        flag = pick(rng, ["-dim", "-ws", "-epoch", "-minCount", "-minn", "-maxn", "-neg", "-wordNgrams", "-bucket",
                          "-thread", "-lr", "-lrUpdateRate", "-t", "-loss", "-minCountLabel"])
        value = pick(rng, number + ["softmax", "hs", "bogus"])
        argv = [pick(rng, ["supervised", "skipgram", "cbow"]), "-input", X('F.text("tiny")'), "-output",
                X('F.out("cli")'), "-dim", "8", "-epoch", "1", "-bucket", "1000", "-thread", "1", "-verbose", "0",
                flag, value]
    elif command in ("nn", "analogies"):
        argv = [command, model, pick(rng, number)]
    elif command == "quantize":
        flag = pick(rng, ["-cutoff", "-dsub", "-epoch", "-lr"])
        argv = ["quantize", "-output", X('F.copy_stem("sup")'), flag, pick(rng, number)]
        if rng.random() < 0.5:
            argv += ["-retrain", "-input", data]
    elif command == "dump":
        argv = ["dump", model, pick(rng, ["args", "dict", "input", "output", "bogus"])]
    else:
        argv = [command, model]
    return f"cli_main({lit(argv)})", ("k", "th", "threshold", "input", "model", "file", "-")


def gen_gensim_face(rng: random.Random) -> tuple[str, tuple]:
    """``gensim_ftx.FastText`` with hostile constructor and ``train`` arguments."""
    values = {"vector_size": [-1, 0, 1, 2**31, nan, 1.5], "window": [-1, 0, 2**31 - 1, 2**31],
              "min_count": [-1, 0, 2**63, nan], "min_n": [-1, 0, 1, 2**31 - 1], "max_n": [-1, 0, 100, 2**31 - 1],
              "bucket": [-1, 0, 1, 2**32 - 1, 2**32, 2**63], "negative": [-1, 0, 33, 2**31], "hs": [0, 1, 2, -1],
              "sample": [-1.0, 0.0, nan, inf, 1e308], "alpha": [-1.0, 0.0, nan, inf, 1e30],
              "min_alpha": [nan, -1.0, 1e30], "epochs": [-1, 0, 2**63, nan], "workers": [-1, 0, 64, 2**31],
              "sg": [0, 1, 2, -1], "ns_exponent": [nan, inf, -inf, -1.0, 1e308], "seed": [-1, 2**64, nan],
              "cbow_mean": [0, 1, 2], "loss": ["softmax", "hs", "bogus"], "semantics": ["fasttext", "bogus"],
              "max_vocab_size": [0, 1, -1], "max_final_vocab": [0, 1, -1]}
    names = rng.sample(sorted(values), rng.choice([1, 2, 3]))
    kwargs = dict(vector_size=8, min_count=1, bucket=1000, epochs=1, workers=1)
    kwargs.update({name: pick(rng, values[name]) for name in names})
    lines = [call("FastText", X("F.sentences()"), **kwargs) if rng.random() < 0.6 else
             call("FastText", corpus_file=X('F.text("plain")'), **kwargs)]
    lines[0] = "m = " + lines[0]
    lines.append(pick(rng, ['m.wv["zzyzx"]', 'm.wv.most_similar("bread", topn=3)',
                            'save_facebook_model(m, F.out("g.bin"))',
                            "m.train(F.sentences(), total_examples=50, epochs=1)",
                            f"m.train(F.sentences(), total_examples={lit(pick(rng, [0, -1, 2**63]))}, "
                            f"epochs={lit(pick(rng, [1, 0, -1]))}, start_alpha={lit(pick(rng, [nan, 1e30, -1.0]))})"]))
    return "\n".join(lines), tuple(names)


def gen_sklearn(rng: random.Random) -> tuple[str, tuple]:
    """``gensim_ftx.sklearn.FastTextClassifier`` with hostile parameters and data."""
    values = {"lr": [nan, -1.0, 0.0, 1e30], "dim": [-1, 0, 2**31], "epoch": [-1, 0, 2**63], "minn": [-1, 2**31 - 1],
              "maxn": [-1, 100], "wordNgrams": [-1, 0, 2**31 - 1], "bucket": [-1, 2**32], "thread": [-1, 0, 64],
              "loss": ["softmax", "hs", "ova", "bogus"], "neg": [-1, 2**31]}
    names = rng.sample(sorted(values), rng.choice([0, 1, 1, 2]))
    kwargs = dict(dim=8, epoch=1, bucket=1000, thread=1)
    kwargs.update({name: pick(rng, values[name]) for name in names})
    data = pick(rng, [('["bread bake", "soup egg", "zzyzx"]', '["a", "b", "a"]'), ('["bread bake", "soup"]', "[0, 1]"),
                      ("[]", "[]"), ('["bread", None, nan]', "[1, 2, 3]"),
                      ('[b"\\xff\\xfe", "\\x00", ""]', "[1, 1, 2]"),
                      ('["bread soup"] * 3', "[[1, 0], [0, 1], [1, 1]]"), ('["a" * 10**6, "b"]', "[1, 2]"),
                      ('["bread", "soup"]', "[nan, 1.0]"), ('["bread", "soup"]', "[1]"),
                      ('["bread\\nsoup", "x"]', "[1, 2]"), ('np.array([[1, 2], [3, 4]])', "[1, 2]")])
    ask = pick(rng, ['["bread", "zzyzx", ""]', "[]", '[None]', '["\\x00" * 1000]', '["bread\\nsoup"]'])
    lines = ["from gensim_ftx.sklearn import FastTextClassifier",
             f"c = {call('FastTextClassifier', **kwargs)}.fit({data[0]}, {data[1]})",
             f"c.predict_proba({ask}), c.predict({ask})"]
    return "\n".join(lines), tuple(names) + ("X", "y")


def gen_partitions(rng: random.Random) -> tuple[str, tuple]:
    """``gensim_ftx.partitions``: predict/vectors/count over hostile rows, k, thresholds and byte ranges."""
    entry = pick(rng, ["predict", "predict", "words", "sentences", "count", "block", "blocks"])
    texts = pick(rng, ['["bread soup", "zzyzx", ""]', "[]", '["bread", None, nan, 5]', '[b"\\xff\\xfe", b"\\x00"]',
                       '["bread\\nsoup\\r\\n"]', '["a" * 10**6]', 'pd.Series(["bread", None], index=[5, 5])',
                       "pd.Series([], dtype=object)", 'np.array(["bread", "soup"])', '"bread soup"'])
    model = X(f'F.bin("{pick(rng, SUP_MODELS + ["unsup"])}")')
    if entry == "predict":
        code = call("partitions.predict_partition", X(texts), model, pick(rng, K_VALUES), pick(rng, THRESHOLDS),
                    layout=pick(rng, ["wide", "lists", "bogus"]), threads=pick(rng, THREADS[:6]))
        return "import pandas as pd\n" + code, ("k", "threshold", "layout", "threads", "text", "row")
    if entry in ("words", "sentences"):
        code = call(f"partitions.{entry[:-1]}_vectors_partition", X(texts), model, threads=pick(rng, THREADS[:6]))
        return "import pandas as pd\n" + code, ("threads", "text", "row", "word")
    if entry == "count":
        code = call("partitions.count_partition", X(texts), eos=pick(rng, [True, False]),
                    max_token_bytes=pick(rng, [1, 100, 0, -1, 2**31, 2**63]))
        return "import pandas as pd\n" + code, ("max_token_bytes", "text", "line")
    path = pick(rng, [X('F.text("plain")'), X(f'F.file("{pick(rng, DATA_KINDS[:14])}", {pick(rng, DATA_SIZES)})'),
                      X("F.root"), X('F.out("none")')])
    if entry == "block":
        code = call("partitions.count_file_block", path, pick(rng, [0, 5, -1, 10**9, 2**63 - 1]),
                    pick(rng, [-1, 0, 100, -5, 10**9, 2**63 - 1]), eos=True,
                    max_token_bytes=pick(rng, [100, 1, 0, -1]))
        return code, ("start", "end", "path", "max_token_bytes")
    code = call("partitions.file_blocks", [path], pick(rng, [64 << 20, 1, 0, -1, 2**63, 7]))
    return code, ("blocksize", "path")


def gen_internals(rng: random.Random) -> tuple[str, tuple]:
    """Cython helpers behind the public API: key stores, dictionary scanning, line packing,
    token counting, n-gram composition and product quantisation, with bad spans and sizes."""
    choices = [
        ('KeyStore.from_keys(["a", "b"]).key({})', [-1, 2, 2**31, -2**63, 2**62]),
        ('KeyStore.from_keys(["a", "b"]).keys({}, 1)', [-1, 5, 2**62, -2**62]),
        ('KeyStore.from_keys(["a", "b"]).keys(0, {})', [-2, 5, 2**62, -2**62]),
        ("KeyStore.from_utf8_entries(np.frombuffer(b'abc', np.uint8), np.array([0, 2]), {})",
         [X("np.array([2, 3])"), X("np.array([5, 3])"), X("np.array([1, -1])"), X("np.array([2**40, 3])"),
          X("np.array([3])")]),
        ("KeyStore.from_keys({})", [X('["a", "a"]'), X('[""]'), X('["\\x00"]'), X('["\\udcff"]'), X("[None]"),
                                     X('[b"a"]')]),
        ("KeyStore.from_keys(['a', 'b']).find_many({}, {})", [X("['a', 'zz']"), X("[None, 5]"), X("[]")]),
        ("_rebuild(b'abc', {})", [X("np.array([1, 5])"), X("np.array([2, 1])"), X("np.array([-1])"),
                                   X("np.array([2**40])")]),
        ("pack_texts({}, True)", [X('["a", None]'), X('[b"a", 5]'), X('["\\udcff"]'), X('["a\\nb"] * 3'),
                                   X("[bytearray(b'x'), memoryview(b'y')]")]),
        ("split_lines({})", [b"", b"\n", b"\r\n\x00", X('b"\\n" * 100_000'), X('b"x" * (1 << 20)')]),
        ("pack_lines({})", [X("[b'a', None]"), X("[]"), X("['str']"), X("[b'\\n'] * 3")]),
        ("decode_words(np.frombuffer(b'ab\\xffc', np.uint8), np.array({}, np.int64), np.array([2, 4]))",
         [[0, 2], [0, 5], [-1, 2], [3, 1], [2**40, 0], [0], [-10**8, 2], X("[0, 2] * 1000")]),
        ("decode_words(np.frombuffer(b'ab\\xffc', np.uint8), np.array([0, 2]), np.array({}, np.int64))",
         [[2, 4], [2, 9], [-1, 2], [1, 0], [2**40, 4], [2], [2, 10**8]]),
        ("F.model('sup').predictor.scorer.reader.encode(b'bread soup', np.array({}, np.int64), np.array([5, 10]), "
         "np.ones(2, np.uint8))", [[0, 5], X("[0] * 1000"), [0, 10**8], [-10**8, 0], [5, 0], [0]]),
        ("F.model('sup').predictor.scorer.reader.encode(b'bread soup', np.array([0, 5]), np.array({}, np.int64), "
         "np.ones(2, np.uint8))", [[5, 10], [5, 10**8], [5], [5, -1], [10**8, 10**8 + 5]]),
        ("F.model('sup').predictor.scorer.reader.encode(b'bread soup', np.array([0, 5]), np.array([5, 10]), {})",
         [X("np.ones(0, np.uint8)"), X("np.ones(1, np.uint8)"), X("np.full(2, 7, np.uint8)")]),
        ("_restore_counter(True, 100, ({}, np.array([3, 5]), np.array([1, 2]), 2, 1, False))",
         [b"abc", b"", b"abcdefgh", X("b'x' * 10**6")]),
        ("_restore_counter(True, 100, (b'abcdefgh', np.array({}), np.array([1, 2]), 2, 1, False))",
         [[3, 5], [3, 10**8], [-3, 11], [3], [3, 5, 0]]),
        ("scan_entries(np.frombuffer(b'ab\\x00' + bytes(9), np.uint8), {}, 0, 1, np.zeros(1, np.int64), "
         "np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int8))", [0, -1, 12, 2**40]),
        ("TokenCounter(max_token_bytes={}).update(np.frombuffer(b'bread soup\\n' * 10, np.uint8))",
         [0, -1, 1, 2**62]),
        ("count_words(F.text('plain'), max_token_bytes={})", [0, -1, 1, 2**62]),
        ("ShardReader(F.text('plain'), WordTable([b'bread', b'soup']), 0, -1, eos=True, max_line_tokens=10)"
         ".read_all({})", [-1, 0, 1, 2**62, -2**62]),
        ("WordTable({})", [X("[b'a', None]"), X("['str']"), X("[b'a', b'a']"), X("[]"), X("[b'\\x00' * 10**6]")]),
        ("_restore_counter(True, 100, ({}, np.array([3, 5]), np.array([1, 2])))", [b"abc", b"", b"abcdefgh"]),
        ("mean_rows(np.array({}, np.int64), np.array([0, 1, 2], np.int32), np.ones((2, 4), np.float32), "
         "np.ones((3, 4), np.float32), np.zeros((2, 4), np.float32))",
         [[0, 1, 3], [0, 2, 1], [0, 5, 9], [-3, 0, 3], [0, 1, 2**40], [0, 3]]),
        ("mean_rows(np.array([0, 1, 3], np.int64), np.array({}, np.int32), np.ones((2, 4), np.float32), "
         "np.ones((3, 4), np.float32), np.zeros((2, 4), np.float32))", [[0, 1, 5], [0, -1, 1], [0, 1, 2**31 - 1]]),
        ("mean_rows(np.array([0, 1, 3], np.int64), np.array([0, 1, 2], np.int32), np.ones((2, 4), np.float32), "
         "np.ones((3, 4), np.float32), np.zeros((2, 4), np.float32), select={})",
         [X("[0, 5]"), X("[-1, 0]"), X("[0]"), X("[2**40, 0]")]),
        ("WordBatch({}, None, store=KeyStore.from_keys(['a', 'bb'])).compose(SubwordHasher(3, 6, 10, 2), "
         "np.ones((2, 4), np.float32), np.ones((10, 4), np.float32), np.zeros((2, 4), np.float32))",
         [X("['a', 'bb']"), X("['a']"), X("[None, 'a']"), X("['\\udcff', 'x']"), X("['a'] * 3"), X("[b'a', 5]")]),
        ("WordBatch(['a', 'bb'], np.array([0, 1])).compose(SubwordHasher(3, 6, 10, 2), np.ones((2, 4), np.float32), "
         "np.ones((10, 4), np.float32), np.zeros((2, 4), np.float32), {}, {})", [-1, 0, 1, 2, 3, 2**40, -2**40]),
        ("WordBatch(['a', 'bb'], None, store=KeyStore.from_keys(['a', 'bb']), limit={}).compose(SubwordHasher(3, 6, "
         "10, 2), np.ones((1, 4), np.float32), np.ones((10, 4), np.float32), np.zeros((2, 4), np.float32))",
         [-1, 0, 1, 2, 5, 2**62]),
        ("WordBatch(['a', 'bb'], {}).compose(SubwordHasher(3, 6, 10, 2), np.ones((2, 4), np.float32), "
         "np.ones((10, 4), np.float32), np.zeros((2, 4), np.float32))",
         [X("np.array([0, 5])"), X("np.array([-1, 1])"), X("np.array([0])"), X("np.array([2**40, 0])")]),
        ("WordBatch(['a', 'bb'], None).compose(SubwordHasher(3, 6, {}, 2), np.ones((2, 4), np.float32), "
         "np.ones((10, 4), np.float32), np.zeros((2, 4), np.float32))", [100, 2**32 - 1, 11, 2**31 - 1]),
        ("empty_rows({}, 4)", [-1, 0, 2**62, 2**31]),
        ("pq_assign(np.ones((5, 4), np.float32), np.ones({}, np.float32))",
         [(256, 4), (256, 3), (1, 4), (0, 4), (256, 0)]),
        ("kmeans(np.ones((300, 4), np.float32), np.array({}, np.int64), 2, 1)",
         [X("[0] * 256"), X("[299] * 256"), X("[300] * 256"), X("[-1] * 256"), X("[0]"), X("[]")]),
        ("kmeans(np.ones((300, 4), np.float32), np.arange(256, dtype=np.int64), {}, 1)", [-1, 0, -2**31, 1000]),
        ("ft_hash({})", [b"", X('b"\\xff" * 10**6'), X("None")]),
        ("murmurhash3_x64_128({}, 0)", [b"", b"a" * 15, b"a" * 16, b"a" * 17, X("b'\\xff' * 10**5")]),
    ]
    template, values = pick(rng, choices)
    count = template.count("{}")
    code = template.format(*[lit(pick(rng, values)) for _ in range(count)])
    return code, ("index", "start", "stop", "ends", "starts", "span", "max_token_bytes", "max_lines", "indptr",
                  "ids", "select", "centroids", "niter", "count", "word", "key")


FAMILIES: dict[str, tuple[Callable[[random.Random], tuple[str, tuple]], int]] = {
    "train_args": (gen_train_args, 4),
    "train_files": (gen_train_files, 3),
    "predict_args": (gen_predict_args, 4),
    "set_matrices": (gen_set_matrices, 3),
    "quantize": (gen_quantize, 1),
    "scorer": (gen_scorer, 4),
    "predictor_parts": (gen_predictor_parts, 2),
    "kernels": (gen_kernels, 4),
    "hasher": (gen_hasher, 2),
    "mutated_bin": (gen_mutated_bin, 5),
    "cli": (gen_cli, 2),
    "gensim_face": (gen_gensim_face, 2),
    "sklearn": (gen_sklearn, 1),
    "partitions": (gen_partitions, 2),
    "internals": (gen_internals, 3),
}


def _schedule(families: Sequence[str]) -> list[str]:
    """One round of families, each as often as its weight, interleaved."""
    rounds = max(FAMILIES[f][1] for f in families)
    return [f for r in range(rounds) for f in families if FAMILIES[f][1] > r]


def generate(count: int, seed: int, families: Iterable[str] | None = None) -> list[Case]:
    """``count`` cases for ``seed``: case ``i`` depends only on ``(seed, i)`` and the families."""
    names = list(families) if families is not None else list(FAMILIES)
    unknown = set(names) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; known: {sorted(FAMILIES)}")
    order = _schedule(names)
    cases = []
    for i in range(count):
        family = order[i % len(order)]
        rng = random.Random(f"{seed}:{i}:{family}")
        code, expect = FAMILIES[family][0](rng)
        cases.append(Case(f"{seed}:{i}", family, code, tuple(expect)))
    return cases


# ---------------------------------------------------------------------------------------------
# fixtures: tiny models and files, built once per package build


SEED_WORDS = ["bread", "bake", "soup", "knife", "egg", "flour", "salt", "sugar", "water", "oil", "pan", "oven",
              "boil", "fry", "roast", "chicken", "beef", "rice", "pasta", "sauce", "cheese", "milk", "butter",
              "cream", "garlic", "onion", "pepper", "tomato", "lemon", "apple", "café", "crème", "jalapeño", "über",
              "naïve", "smörgåsbord", "日本", "x"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = ["ba", "ke", "so", "up", "ri", "ce", "lo", "ta", "mi", "nu", "pe", "ar", "ol", "en", "é", "ü"]
    words = list(SEED_WORDS)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
        if word not in words:
            words.append(word)
    return words


def corpus(seed: int, lines: int, nlabels: int, labelled: bool = True, spread: bool = False) -> str:
    """Synthetic labelled lines (Zipf-like words, 1-3 labels); ``spread``: label i%nlabels on line i."""
    rng = random.Random(seed)
    words = _vocabulary(random.Random(7), 400)
    weights = [1.0 / (r + 1) for r in range(len(words))]
    labels = [f"__label__{w}" for w in _vocabulary(random.Random(11), nlabels + 40)[40:40 + nlabels]]
    out = []
    for i in range(lines):
        text = rng.choices(words, weights, k=rng.randint(3, 15))
        if labelled:
            tags = [labels[i % nlabels]] if spread else rng.choices(labels[:nlabels], [1.0 / (r + 1) for r in
                                                                                         range(nlabels)],
                                                                     k=rng.randint(1, 3))
            text = tags + text if rng.random() < 0.8 else text + tags
        out.append(" ".join(text))
    return "\n".join(out) + "\n"


def _package_stamp() -> str:
    """Changes whenever the installed package's extension modules are rebuilt."""
    spec = importlib.util.find_spec("gensim_ftx")
    digest = hashlib.sha256(str(FIXTURE_VERSION).encode())
    for location in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(location).rglob("*.so")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def default_root() -> str:
    return os.path.join(tempfile.gettempdir(), f"gensim_ftx-crash-hunt-{_package_stamp()}")


TRAINED = {
    # name: (text, fastText arguments)
    "sup": ("tiny", dict(dim=8, epoch=2, wordNgrams=2, minn=2, maxn=4, bucket=1000, loss="softmax")),
    "sup_hs": ("tiny", dict(dim=8, epoch=2, loss="hs")),
    "sup_ova": ("tiny", dict(dim=8, epoch=2, wordNgrams=2, bucket=300, loss="ova")),
    "sup_ns": ("tiny", dict(dim=8, epoch=2, minn=3, maxn=3, bucket=200, loss="ns")),
    "sup_wide": ("wide", dict(dim=8, epoch=1, wordNgrams=2, bucket=500, loss="softmax")),
    "unsup": ("plain", dict(model="skipgram", dim=8, epoch=1, minCount=1, minn=3, maxn=5, bucket=1000)),
    "unsup_hs": ("plain", dict(model="cbow", dim=8, epoch=1, minCount=1, minn=0, maxn=0, loss="hs")),
}


def build_fixtures(root: str) -> str:
    """Write the fixture files into ``root`` (atomically: built aside, then renamed)."""
    if os.path.exists(os.path.join(root, "READY")):
        return root
    os.makedirs(os.path.dirname(root) or ".", exist_ok=True)
    work = tempfile.mkdtemp(prefix=os.path.basename(root) + ".build-", dir=os.path.dirname(root) or ".")
    from gensim_ftx import fasttext

    texts = {"tiny": corpus(1, 300, 40), "valid": corpus(2, 60, 40), "plain": corpus(3, 300, 1, labelled=False),
             "wide": corpus(4, 600, 300, spread=True)}
    for name, text in texts.items():
        Path(work, f"{name}.txt").write_text(text, encoding="utf-8")
    for name, (text, args) in TRAINED.items():
        train = fasttext.train_supervised if "model" not in args else fasttext.train_unsupervised
        model = train(os.path.join(work, f"{text}.txt"), thread=1, seed=0, verbose=0, **args)
        model.save_model(os.path.join(work, f"{name}.bin"))
        if name == "sup":
            model.quantize(input=os.path.join(work, "tiny.txt"), cutoff=300, retrain=True, epoch=1, qnorm=True,
                           thread=1, verbose=0)
            model.save_model(os.path.join(work, "sup_ftz.ftz"))
        elif name == "sup_wide":
            model.quantize(qout=True, qnorm=True, thread=1, verbose=0)
            model.save_model(os.path.join(work, "sup_q.ftz"))
    Path(work, "READY").write_text("ok\n")
    try:
        os.rename(work, root)
    except OSError:  # built meanwhile by another process
        shutil.rmtree(work, ignore_errors=True)
    return root


class Fixtures:
    """What cases use, as ``F`` in their code: fixture files, cached models and scratch files.

    ``F.model(name)`` is shared by the cases of a child (never modify it); ``F.fresh(name)``
    loads a new copy. ``F.file(kind, size)`` and ``F.mutated(name, mutations)`` write a new
    file each call (rewriting a file that an earlier model maps could SIGBUS).
    """

    def __init__(self, root: str | None = None, scratch: str | None = None):
        self.root = build_fixtures(root or default_root())
        self.scratch = tempfile.mkdtemp(prefix="scratch-", dir=scratch or tempfile.gettempdir())
        self._serial = 0
        self._models: dict = {}
        self._originals: dict = {}
        self.used: list[str] = []  # the paths handed out (the child clears it before each case)

    def _note(self, path: str) -> str:
        self.used.append(path)
        return path

    def _new_path(self, name: str) -> str:
        self._serial += 1
        return self._note(os.path.join(self.scratch, f"{self._serial:05d}-{name}"))

    def text(self, name: str) -> str:
        return self._note(os.path.join(self.root, f"{name}.txt"))

    def bin(self, name: str) -> str:
        if name == "lid":
            return self._note(str(LID)) if LID.exists() else self.bin("sup_q")
        if name in ("toy", "lee"):
            from gensim.test.utils import datapath

            return self._note(datapath("toy-model.bin" if name == "toy" else "lee_fasttext_new.bin"))
        return self._note(os.path.join(self.root, f"{name}.ftz" if name in ("sup_ftz", "sup_q") else f"{name}.bin"))

    def model(self, name: str):
        if name not in self._models:
            self._models[name] = self.fresh(name)
        return self._models[name]

    def fresh(self, name: str):
        from gensim_ftx import fasttext

        return fasttext.load_model(self.bin(name))

    def gensim(self, name: str):
        from gensim_ftx import load_facebook_model

        return load_facebook_model(self.bin(name))

    def matrices(self, name: str):
        """Copies of the dense input and output matrices of model ``name``."""
        model = self.fresh(name)
        return model.get_input_matrix(), model.get_output_matrix()

    def out(self, name: str) -> str:
        return self._new_path(name)

    def copy_stem(self, name: str) -> str:
        """A copy of ``name``'s ``.bin`` and its path without the extension (the CLI's quantize)."""
        stem = self._new_path(name)
        shutil.copyfile(self.bin(name), stem + ".bin")
        return stem

    def sentences(self) -> list[list[str]]:
        with open(self.text("plain"), encoding="utf-8") as stream:
            return [line.split() for line in stream][:50]

    def data(self, kind: str, size: int) -> bytes:
        """``size`` bytes (about) of a hostile kind of text; deterministic. ``newlines`` stops at
        20,000 lines: a million empty lines ranked against every label is minutes of honest work."""
        rng = random.Random(f"{kind}:{size}")
        if kind == "newlines":
            size = min(size, 20_000)
        lines = corpus(5, 100, 40).encode("utf-8")
        fill = {
            "empty": b"", "spaces": b" " * size, "newlines": b"\n" * size, "nul": b"\0" * size,
            "bad_utf8": bytes(rng.choice(b"\x80\xbf\xc0\xc1\xf5\xff\xfe\xed\xa0") for _ in range(size)),
            "random": rng.randbytes(size), "long_token": b"a" * size, "crlf": lines.replace(b"\n", b"\r\n"),
            "long_line": b" ".join(rng.choice([b"bread", b"soup", b"__label__baking", b"egg"])
                                   for _ in range(max(size // 5, 1))),
            "labels_only": b"__label__a __label__b\n" * max(size // 22, 1),
            "no_labels": corpus(6, 100, 1, labelled=False).encode("utf-8"),
            "one_word": b"bread\n", "surrogates": "\udcff\udcfe bread".encode("utf-8", "surrogatepass") * 10,
            "mixed": lines.replace(b"e", b"\xff").replace(b"a", b"\0"),
            "vec_bad_dim": b"2 8\nbread 1 2 3\nsoup 1 2 3 4 5 6 7 8\n",
            "vec_nan": b"1 8\nbread nan nan nan nan nan nan nan nan\n",
            "vec_garbage": b"-5 -1\n\xff\xfe\n",
        }[kind]
        if kind in ("crlf", "no_labels", "mixed", "surrogates", "labels_only"):
            fill = (fill * (size // max(len(fill), 1) + 1))[:max(size, 1)]
        return fill

    def file(self, kind: str, size: int) -> str:
        path = self._new_path(f"{kind}.txt")
        with open(path, "wb") as stream:
            stream.write(self.data(kind, size))
        return path

    def mutated(self, name: str, mutations: Sequence) -> str:
        """A copy of model ``name`` with ``mutations`` applied (see :func:`mutate`)."""
        if name not in self._originals:
            with open(self.bin(name), "rb") as stream:
                self._originals[name] = stream.read()
        path = self._new_path(f"mutated-{name}" + (".ftz" if self.bin(name).endswith(".ftz") else ".bin"))
        with open(path, "wb") as stream:
            stream.write(mutate(self._originals[name], mutations))
        return path

    def engine(self, kind: str):
        """A fresh tiny gensim_ftx model and its training run (``trainer.build_engine``) for ``kind``
        ('sg-ns', 'cbow-hs', 'cbow-hs+ns', 'sg-softmax'...)."""
        from gensim_ftx import FastText
        from gensim_ftx.train.trainer import build_engine

        arch, loss = kind.split("-")
        model = FastText(vector_size=8, min_count=1, bucket=100, min_n=3, max_n=4, epochs=1, workers=1, seed=1,
                         sg=int(arch == "sg"), hs=int("hs" in loss), negative=5 if "ns" in loss else 0,
                         loss="softmax" if loss == "softmax" else None)
        model.build_vocab(corpus_iterable=self.sentences())
        return model, build_engine(model, False)

    def word_table(self, model):
        from gensim_ftx.train.trainer import word_table

        return word_table(model.wv)

    def sup_kernel(self, loss: str):
        """``(KernelModel, EncodedLines)`` of a fresh classifier with ``loss``, as ``train_epochs`` builds them."""
        from gensim_ftx.model import output_matrix
        from gensim_ftx.text._lines import LineReader
        from gensim_ftx.text.vocab import store_from_bytes
        from gensim_ftx.train._engine import KernelModel
        from gensim_ftx.train.supervised import _paths, encode
        from gensim_ftx.train.tables import FASTTEXT, negative_sampler

        name = {"softmax": "sup", "hs": "sup_hs", "ova": "sup_ova", "ns": "sup_ns"}[loss]
        model = self.gensim(name)
        wv, args = model.wv, model.fb_args
        labels = [label.encode("utf-8") for label in model.labels]
        words = [(wv.raw_keys or {}).get(k) or k.encode("utf-8") for k in wv.index_to_key]
        reader = LineReader(store_from_bytes(words)[0], store_from_bytes(labels)[0], wv.hasher, args.word_ngrams,
                            args.bucket, b"__label__", wv.subword_indptr, wv.subword_ids)
        data = encode(self.text("tiny"), reader)
        counts = np.asarray(model.label_counts, dtype=np.int64)
        kernel = KernelModel(wv.vectors_vocab, wv.vectors_ngrams, np.array(output_matrix(model), dtype=np.float32),
                             wv.subword_indptr, wv.subword_ids, loss=loss, neg=args.neg,
                             neg_alias=negative_sampler(counts, 0.5, FASTTEXT.negative_table) if loss == "ns" else None,
                             neg_redraw=True, **_paths(loss, counts), compute_loss=True, targets=len(labels))
        return kernel, data



# ---------------------------------------------------------------------------------------------
# mutating model files


def layout(data: bytes) -> dict[str, tuple[int, str]]:
    """``{field: (byte offset, struct format)}`` of a v11/v12 fastText file (dense or quantised)."""
    fields: dict[str, tuple[int, str]] = {"magic": (0, "<i"), "version": (4, "<i")}
    for k, name in enumerate(("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket",
                              "minn", "maxn", "lr_update_rate")):
        fields[f"args.{name}"] = (8 + 4 * k, "<i")
    fields["args.t"] = (56, "<d")
    fields.update({"dictionary.size": (64, "<i"), "dictionary.nwords": (68, "<i"), "dictionary.nlabels": (72, "<i"),
                   "dictionary.ntokens": (76, "<q"), "dictionary.pruneidx_size": (84, "<q")})
    size, nwords = struct.unpack_from("<2i", data, 64)
    pos = 92
    for k in range(size):
        nul = data.index(b"\0", pos)
        for label in {str(k), *(["last"] if k == size - 1 else []), *(["nwords"] if k == nwords else [])}:
            fields[f"dictionary.entry[{label}].count"] = (nul + 1, "<q")
            fields[f"dictionary.entry[{label}].type"] = (nul + 9, "<b")
        pos = nul + 10
    prune, = struct.unpack_from("<q", data, 84)
    for k in range(max(prune, 0)):
        for label in {str(k), *(["last"] if k == prune - 1 else [])}:
            fields[f"dictionary.pruneidx[{label}].key"] = (pos + 8 * k, "<i")
            fields[f"dictionary.pruneidx[{label}].row"] = (pos + 8 * k + 4, "<i")
    pos += 8 * max(prune, 0)
    for name in ("input", "output"):
        fields[f"quant_{name}"] = (pos, "<B")
        quantised = data[pos] != 0
        pos += 1
        if not quantised:
            m, n = struct.unpack_from("<2q", data, pos)
            fields.update({f"{name}.m": (pos, "<q"), f"{name}.n": (pos + 8, "<q"), f"{name}.data[0]": (pos + 16, "<f")})
            pos += 16 + 4 * m * n
            continue
        qnorm = data[pos] != 0
        fields[f"{name}.qnorm"] = (pos, "<B")
        m, _, codesize = struct.unpack_from("<qqi", data, pos + 1)
        fields.update({f"{name}.m": (pos + 1, "<q"), f"{name}.n": (pos + 9, "<q"),
                       f"{name}.codesize": (pos + 17, "<i")})
        pos += 21 + codesize
        for pq in ("pq", "npq") if qnorm else ("pq",):
            dim = struct.unpack_from("<i", data, pos)[0]
            for k, field in enumerate(("dim", "nsubq", "dsub", "lastdsub")):
                fields[f"{name}.{pq}.{field}"] = (pos + 4 * k, "<i")
            fields[f"{name}.{pq}.centroid[0]"] = (pos + 16, "<f")
            pos += 16 + 4 * dim * 256
            if pq == "pq" and qnorm:
                fields[f"{name}.norm_codes[0]"] = (pos, "<B")
                pos += m
    return fields


def mutate(data: bytes, mutations: Sequence) -> bytes:
    """Apply ``('set', field, value)``, ``('add', field, delta)``, ``('flip', offset, bit)``,
    ``('byte', offset, value)``, ``('truncate', offset)``, ``('insert', offset, hex)`` and
    ``('delete', offset, count)`` in order. Fields are named as in :func:`layout` (of the
    unmutated file); a field the file does not have leaves it as it is; offsets wrap."""
    fields = layout(data)
    out = bytearray(data)
    for kind, where, *arg in mutations:
        if kind in ("set", "add"):
            if where not in fields:
                continue
            offset, fmt = fields[where]
            if offset + struct.calcsize(fmt) > len(out):
                continue
            value = arg[0]
            if kind == "add":
                value = struct.unpack_from(fmt, out, offset)[0] + value
            try:
                if fmt[-1] in "fd":
                    value = float(value)
                else:
                    bits = 8 * struct.calcsize(fmt)
                    value = int(value) % (1 << bits)  # wraps, as a C write of the value would
                    if fmt[-1] in "ibqh" and value >= 1 << (bits - 1):
                        value -= 1 << bits
                struct.pack_into(fmt, out, offset, value)
            except (struct.error, OverflowError, ValueError):
                struct.pack_into(fmt, out, offset, 0)
            continue
        if not out:
            break
        at = where % len(out)
        if kind == "flip":
            out[at] ^= 1 << arg[0]
        elif kind == "byte":
            out[at] = arg[0]
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = bytes.fromhex(arg[0])
        elif kind == "delete":
            del out[at:at + arg[0]]
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# the child: runs cases in order, logging before and after each


# what a case's code can use besides F, np, nan and inf: name -> (module, attribute or None)
NAMESPACE = {
    "io": ("io", None), "gensim_ftx": ("gensim_ftx", None), "fasttext": ("gensim_ftx.fasttext", None),
    "partitions": ("gensim_ftx.partitions", None),
    **{name: ("gensim_ftx", name) for name in ("FastText", "load_facebook_model", "load_facebook_vectors",
                                                 "save_facebook_model")},
    "cli_main": ("gensim_ftx.cli", "main"),
    "Predictor": ("gensim_ftx.predict", "Predictor"), "Batch": ("gensim_ftx.predict.scorer", "Batch"),
    "MatrixRows": ("gensim_ftx.predict._matrix", "MatrixRows"),
    "Scorer": ("gensim_ftx.predict._scorer", "Scorer"),
    **{name: ("gensim_ftx.text._lines", name) for name in ("pack_lines", "pack_texts", "split_lines")},
    **{name: ("gensim_ftx.train._kernels", name) for name in ("alias_table", "duplicate_factors")},
    **{name: ("gensim_ftx.train._engine", name) for name in ("KernelModel", "Worker", "encode_sentences")},
    **{name: ("gensim_ftx.text._subwords", name)
       for name in ("SubwordHasher", "ft_hash", "murmurhash3_x64_128", "ngram_strings", "pack_words")},
    **{name: ("gensim_ftx.text._vocab", name) for name in ("KeyStore", "_rebuild")},
    **{name: ("gensim_ftx.text._corpus", name) for name in ("ShardReader", "WordTable")},
    **{name: ("gensim_ftx.text._counts", name) for name in ("TokenCounter", "_restore_counter", "count_words")},
    **{name: ("gensim_ftx.text._compose", name) for name in ("WordBatch", "empty_rows", "mean_rows")},
    **{name: ("gensim_ftx.io._dictionary", name) for name in ("decode_words", "scan_entries")},
    "pq_assign": ("gensim_ftx.train._pq", "assign"), "kmeans": ("gensim_ftx.train._pq", "kmeans"),
}


def case_namespace(root: str | None = None, scratch: str | None = None) -> dict:
    """The globals a case's code runs with: ``F`` (:class:`Fixtures`), ``np``, ``nan``, ``inf``
    and the names of :data:`NAMESPACE`."""
    names = {}
    for name, (module, attribute) in NAMESPACE.items():
        imported = importlib.import_module(module)
        names[name] = imported if attribute is None else getattr(imported, attribute)
    names.update(F=Fixtures(root, scratch), nan=nan, inf=inf, np=np, math=math, os=os)
    return names


def _describe(err: BaseException) -> tuple[str, str]:
    kind = type(err)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    message = str(err)
    if len(message) > 400:
        message = message[:400] + "..."
    return name, message


def _limit_memory(gib: float) -> None:
    if gib <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm") as stream:
            used = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + int(gib * (1 << 30))
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        pass


def child_main(cases_path: str, start: int, log_path: str, fault_path: str, root: str, memory_gib: float) -> int:
    with open(cases_path, encoding="utf-8") as stream:
        cases = json.load(stream)
    fault = open(fault_path, "w")  # noqa: SIM115 - open until the process ends
    faulthandler.enable(fault)
    if hasattr(faulthandler, "register"):  # the parent asks for the stacks of a hung case
        faulthandler.register(signal.SIGUSR1, file=fault, all_threads=True)
    namespace = case_namespace(root, os.getcwd())
    fixtures = namespace["F"]
    _limit_memory(memory_gib)
    log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - unbuffered: each line reaches the file at once

    def write(record: dict) -> None:
        log.write(json.dumps(record).encode("utf-8") + b"\n")

    for index in range(start, len(cases)):
        case = cases[index]
        write({"index": index, "event": "start"})
        began = time.perf_counter()
        scope = dict(namespace)
        fixtures.used.clear()
        try:
            exec(compile(case["code"], f"<case {case['id']}>", "exec"), scope)
            outcome, error = "ok", ""
        except BaseException as err:  # noqa: BLE001 - every exception is a result
            outcome, error = _describe(err)
        scope = None
        gc.collect()  # a crash in a destructor belongs to this case, not the next
        write({"index": index, "event": "end", "outcome": outcome, "error": error,
               "seconds": round(time.perf_counter() - began, 3),
               "paths": sorted({os.path.basename(p) for p in fixtures.used})})
    return 0


# ---------------------------------------------------------------------------------------------
# the parent: feeds cases to children, notices deaths and hangs


@dataclasses.dataclass
class Result:
    case: Case
    status: str                   # 'ok', 'raised', 'crash', 'hang', 'skipped'
    error_type: str = ""
    error: str = ""
    seconds: float = 0.0
    returncode: int | None = None
    trace: str = ""               # faulthandler's output for a crash
    alone: str = ""               # the status when rerun alone ('' if not rerun)
    paths: tuple[str, ...] = ()   # names of the files the case was given (a good message names one)

    @property
    def failed(self) -> bool:
        return self.status in ("crash", "hang")


def _signal_name(returncode: int) -> str:
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


def _child_env() -> dict:
    env = dict(os.environ)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0",
               PYTHONFAULTHANDLER="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def ensure_fixtures(root: str, timeout: float = 300.0) -> str:
    """Build the fixtures in a child process (a crash there must not take the caller down)."""
    if os.path.exists(os.path.join(root, "READY")):
        return root
    done = subprocess.run([sys.executable, str(HERE), "--build-fixtures", root], env=_child_env(),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not os.path.exists(os.path.join(root, "READY")):
        raise RuntimeError(f"building the crash-hunt fixtures failed ({_signal_name(done.returncode)}):\n"
                           f"{done.stderr[-3000:]}")
    return root


def run_cases(cases: Sequence[Case], *, timeout: float = 10.0, root: str | None = None, memory_gib: float = 2.0,
              confirm: bool = True, progress: Callable[[str], None] | None = None,
              startup_timeout: float = 120.0) -> list[Result]:
    """Run ``cases`` in child processes; crashes and hangs are rerun alone when ``confirm``."""
    root = ensure_fixtures(root or default_root())
    results = _run_batch(list(cases), timeout, root, memory_gib, progress, startup_timeout)
    if confirm:
        for result in results:
            if result.failed:
                again = _run_batch([result.case], timeout, root, memory_gib, None, startup_timeout)[0]
                result.alone = again.status
    return results


def _run_batch(cases: list[Case], timeout: float, root: str, memory_gib: float,
               progress: Callable[[str], None] | None, startup_timeout: float) -> list[Result]:
    results: list[Result | None] = [None] * len(cases)
    work = tempfile.mkdtemp(prefix="run-", dir=root)
    cases_path = os.path.join(work, "cases.json")
    with open(cases_path, "w", encoding="utf-8") as stream:
        json.dump([dataclasses.asdict(c) for c in cases], stream)
    position, children, failures_to_start = 0, 0, 0
    try:
        while position < len(cases):
            children += 1
            log_path = os.path.join(work, f"log-{children}.jsonl")
            fault_path = os.path.join(work, f"fault-{children}.txt")
            with open(os.path.join(work, f"stderr-{children}.txt"), "wb") as stderr:
                child = subprocess.Popen(
                    [sys.executable, str(HERE), "--child", cases_path, "--start", str(position), "--log", log_path,
                     "--fault", fault_path, "--fixtures", root, "--memory-gib", str(memory_gib)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=_child_env(), cwd=work)
            current, started, launched = None, 0.0, time.monotonic()
            records = _LogReader(log_path)
            hung = False
            while True:
                returncode = child.poll()
                for record in records.read():
                    index = record["index"]
                    if record["event"] == "start":
                        current, started = index, time.monotonic()
                    else:
                        status = "ok" if record["outcome"] == "ok" else "raised"
                        results[index] = Result(cases[index], status, "" if status == "ok" else record["outcome"],
                                                record["error"], record["seconds"], paths=tuple(record["paths"]))
                        current, position = None, index + 1
                        if progress is not None:
                            progress(f"{position}/{len(cases)}")
                if returncode is not None:
                    break
                now = time.monotonic()
                if current is not None and now - started > timeout:
                    if hasattr(signal, "SIGUSR1"):
                        child.send_signal(signal.SIGUSR1)  # faulthandler writes where it is stuck
                        time.sleep(0.5)
                    child.kill()
                    child.wait()
                    hung = True
                    break
                if not records.seen and now - launched > startup_timeout:
                    child.kill()
                    child.wait()
                    raise RuntimeError(f"the crash-hunt child did not start in {startup_timeout} s:\n"
                                       f"{_tail(os.path.join(work, f'stderr-{children}.txt'))}")
                time.sleep(0.01)
            if hung:
                results[current] = Result(cases[current], "hang", seconds=round(time.monotonic() - started, 3),
                                          trace=_tail(fault_path, 1 << 16))
                position = current + 1
            elif current is not None:
                results[current] = Result(cases[current], "crash", returncode=child.returncode,
                                          error_type=_signal_name(child.returncode),
                                          seconds=round(time.monotonic() - started, 3),
                                          trace=_tail(fault_path, 1 << 16))
                position = current + 1
            elif position < len(cases):
                # died between cases, or before the first: the package being rebuilt, an import error...
                failures_to_start += 1
                if failures_to_start > 3:
                    raise RuntimeError(f"the crash-hunt child keeps failing outside any case "
                                       f"({_signal_name(child.returncode)}):\n"
                                       f"{_tail(os.path.join(work, f'stderr-{children}.txt'))}")
                time.sleep(5)
                continue
            failures_to_start = 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [r if r is not None else Result(cases[i], "skipped") for i, r in enumerate(results)]


def _tail(path: str, size: int = 3000) -> str:
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return ""
    return data[-size:].decode("utf-8", "replace")


class _LogReader:
    """Complete JSON lines appended to a file since the last read."""

    def __init__(self, path: str):
        self.path = path
        self.offset = 0
        self.pending = b""
        self.seen = False

    def read(self) -> list[dict]:
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.offset)
                chunk = stream.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        data = self.pending + chunk
        lines = data.split(b"\n")
        self.pending = lines.pop()
        if lines:
            self.seen = True
        return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------------------------------------
# judging messages and reporting

# other names an argument goes by (gensim's, fastText's snake_case, the CLI's)
ALIASES = {"ws": ("window",), "minCount": ("min_count", "mincount"), "minCountLabel": ("min_count_label",),
           "wordNgrams": ("word_ngrams", "wordngrams"), "lrUpdateRate": ("lr_update_rate",),
           "dim": ("vector_size", "dimension"), "vector_size": ("dim",), "epoch": ("epochs",), "epochs": ("epoch",),
           "neg": ("negative",), "negative": ("neg",), "thread": ("threads", "workers"), "workers": ("thread",),
           "t": ("sample", "sampling"), "sample": ("t",), "minn": ("min_n",), "maxn": ("max_n",), "min_n": ("minn",),
           "max_n": ("maxn",), "lr": ("alpha", "learning rate"), "alpha": ("lr",), "threshold": ("th",),
           "bucket": ("buckets",), "label": ("prefix",),
           "input": ("file", "path"), "P": ("byte offset",), "data": ("buffer", "span", "bytes"),
           "starts": ("start", "span"), "ends": ("end", "span"), "ended": ("flag", "newline"),
           "labels": ("label",), "probs": ("prob", "score"), "counts": ("count",), "out": ("output",)}

# exceptions that come from inside the package rather than from a check of the argument
INTERNAL_ERRORS = {"IndexError", "KeyError", "AttributeError", "ZeroDivisionError", "UnboundLocalError", "NameError",
                   "SystemError", "AssertionError", "RecursionError", "struct.error", "numpy.exceptions.AxisError",
                   "numpy.core._exceptions._ArrayMemoryError", "FloatingPointError", "StopIteration"}
_NUMBER = re.compile(r"-?\b\d[\d_.e+-]*\b")
_PATH = re.compile(r"(/[^\s'\":,)]+)+")


def unhelpful(result: Result) -> bool:
    """An exception that looks internal, or whose message names none of what the case made hostile."""
    if result.status != "raised":
        return False
    if result.error_type in INTERNAL_ERRORS or result.error_type.startswith("numpy"):
        return True
    message = result.error.lower()
    if not message.strip():
        return True
    words = [*result.case.expect, *result.paths]
    words += [alias for word in result.case.expect for alias in ALIASES.get(word, ())]
    return not any(_mentions(message, word.lower()) for word in words)


def _mentions(message: str, word: str) -> bool:
    """Whether ``message`` names ``word`` (short names like ``k`` or ``t`` only as whole words)."""
    if len(word) > 3:
        return word in message
    return re.search(rf"(?<![a-z0-9_]){re.escape(word)}(?![a-z0-9_])", message) is not None


def message_shape(result: Result) -> str:
    """The exception type and its message with numbers and paths blanked, to group alike messages."""
    text = _PATH.sub("PATH", result.error)
    text = _NUMBER.sub("N", text)
    return f"{result.error_type}: {text[:160]}"


def summary(results: Sequence[Result]) -> dict:
    counts = collections.Counter(r.status for r in results)
    return {"cases": len(results), "ok": counts["ok"], "raised": counts["raised"], "crashes": counts["crash"],
            "hangs": counts["hang"], "skipped": counts["skipped"],
            "unhelpful": sum(unhelpful(r) for r in results)}


def trace_summary(trace: str, frames: int = 12) -> str:
    """faulthandler's report without the list of extension modules."""
    kept = [line for line in trace.splitlines()
            if line.startswith(("Fatal Python error", "Current thread", "Thread ", "  File", "  <"))
            and "crash_hunt.py" not in line]
    return "\n".join(kept[:frames])


def report(results: Sequence[Result], *, root: str | None = None, max_messages: int = 60, out=None) -> None:
    out = out or sys.stdout
    totals = summary(results)
    print(f"cases tried: {totals['cases']}  ok: {totals['ok']}  raised: {totals['raised']}  "
          f"crashes: {totals['crashes']}  hangs: {totals['hangs']}  "
          f"possibly unhelpful messages: {totals['unhelpful']}", file=out)
    by_family = collections.defaultdict(collections.Counter)
    for r in results:
        by_family[r.case.family][r.status] += 1
    for family in sorted(by_family):
        counts = by_family[family]
        print(f"  {family:16s} " + "  ".join(f"{k}={counts[k]}" for k in ("ok", "raised", "crash", "hang")
                                              if counts[k]), file=out)
    failing: dict[str, list[Result]] = {}
    for r in results:
        if r.failed:
            failing.setdefault(r.case.code, []).append(r)
    for group in failing.values():
        r = group[0]
        what = f"{r.status.upper()} ({r.error_type or f'over {r.seconds:.0f} s'})"
        if r.alone in ("ok", "raised"):
            alone = (f"; {'passed' if r.alone == 'ok' else 'raised'} when rerun alone: "
                     + ("an earlier case probably corrupted the heap" if r.status == "crash" else
                        "slow under load, or slowed by an earlier case"))
        else:
            alone = f"; rerun alone: {r.alone}" if r.alone else ""
        also = f" (and {len(group) - 1} more: {', '.join(g.case.id for g in group[1:6])})" if len(group) > 1 else ""
        print(f"\n=== {what} case {r.case.id}{also} [{r.case.family}]{alone}", file=out)
        print(r.case.reproducer(root), file=out)
        if r.trace:
            print(f"--- faulthandler ({'where it was stopped' if r.status == 'hang' else 'at the crash'}):\n"
                  + trace_summary(r.trace), file=out)
    shapes = collections.defaultdict(list)
    for r in results:
        if unhelpful(r):
            shapes[(r.case.family, message_shape(r))].append(r)
    if shapes:
        print(f"\n=== possibly unhelpful messages ({len(shapes)} kinds; one example each)", file=out)
        for (family, _shape), group in sorted(shapes.items(), key=lambda item: -len(item[1]))[:max_messages]:
            example = group[0]
            first_line = " | ".join(example.case.code.splitlines())[:300]
            print(f"[{family}] x{len(group)} {example.error_type}: {example.error[:200]!r}\n"
                  f"    case {example.case.id}: {first_line}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000, help="how many cases (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a case may run (default 10)")
    parser.add_argument("--families", default="", help=f"comma-separated subset of {','.join(FAMILIES)}")
    parser.add_argument("--memory-gib", type=float, default=2.0, help="address space a child may add (0: no cap)")
    parser.add_argument("--fixtures", default="", help="fixture directory (default: a per-build temp directory)")
    parser.add_argument("--no-confirm", action="store_true", help="do not rerun crashes and hangs alone")
    parser.add_argument("--show", action="store_true", help="print the cases' code and exit")
    parser.add_argument("--json", default="", help="also write every result to this JSON file")
    # the child's and the fixture builder's private arguments
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    parser.add_argument("--fault", help=argparse.SUPPRESS)
    parser.add_argument("--build-fixtures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_fixtures:
        build_fixtures(args.build_fixtures)
        return 0
    if args.child:
        return child_main(args.child, args.start, args.log, args.fault, args.fixtures, args.memory_gib)
    families = [f for f in args.families.split(",") if f] or None
    cases = generate(args.cases, args.seed, families)
    if args.show:
        for case in cases:
            print(f"# {case.id} [{case.family}]\n{case.code}\n")
        return 0
    root = args.fixtures or default_root()
    started = time.monotonic()

    def progress(text: str) -> None:
        done, total = text.split("/")
        if int(done) % 200 == 0:
            print(f"  {text} cases, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    results = run_cases(cases, timeout=args.timeout, root=root, memory_gib=args.memory_gib,
                        confirm=not args.no_confirm, progress=progress)
    report(results, root=None if root == default_root() else root)
    print(f"\n{time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump([{**dataclasses.asdict(r), "unhelpful": unhelpful(r)} for r in results], stream, indent=1)
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
