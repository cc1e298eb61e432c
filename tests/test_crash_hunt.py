"""A short, seeded crash hunt: hostile arguments to the public API, each case in a child process.

The cases, the child runner and the long hunt live in ``compat/crash_hunt.py`` (run
``python compat/crash_hunt.py --cases 3000 --seed 1`` from the repository root); this file runs
a fixed set of its cases. An exception of any type passes; a signal exit (segfault, abort) or a
case that runs past its timeout fails, with a reproducer in the message.

``compat/crash_hunt.py`` is loaded by file path, not by putting ``compat/`` on ``sys.path``:
the hunt is a standalone tool like the other scripts there (its child processes run that file by
path, the reproducers it prints import it from ``compat/``), so it stays one module, and the
other scripts of ``compat/`` (``bench_*.py``...) do not become importable in the test session.

Known failures are marked ``xfail(strict=False)`` in ``KNOWN`` below, one entry per family or
regression, so that whoever fixes one sees it XPASS and removes the entry.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "compat" / "crash_hunt.py"


def _load_hunter():
    if "crash_hunt" in sys.modules:
        return sys.modules["crash_hunt"]
    spec = importlib.util.spec_from_file_location("crash_hunt", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_hunt"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


hunt = _load_hunter()

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="signals and the address-space limit are POSIX")
pytestmark = needs_posix

SEED = 20240611
CASES = 150    # 10 of each family, about 20 s on two cores
TIMEOUT = 8.0  # seconds a seeded case may run; the slowest trains a tiny model in well under one
REGRESSION_TIMEOUT = 2.5  # each regression takes well under a second once fixed

# Reproducers of what the hunt found (and of the crashes issue 20 started from), kept as cases of
# their own: name -> code, run like every case in the namespace of crash_hunt.case_namespace.
REGRESSIONS = {
    # issue 20: softmax training that diverges to NaN segfaulted; now EncounteredNaNError
    "softmax_nan_divergence": 'fasttext.train_supervised(F.text("tiny"), lr=50.0, epoch=5, thread=1, verbose=0)',
    # issue 20: input rows without the n-gram buckets, or fewer output rows than labels, then predict
    "set_matrices_without_buckets": 'm = F.fresh("sup"); I, O = F.matrices("sup")\n'
                                    'm.set_matrices(I[:len(m.words)], O)\nm.predict("bread zzyzx qqq", k=2)',
    "set_matrices_fewer_output_rows": 'm = F.fresh("sup"); I, O = F.matrices("sup")\n'
                                      'm.set_matrices(I, O[:1])\nm.predict("bread zzyzx qqq", k=5)',
    # TokenCounter's pickle state trusted: an old 3-field state, token lengths past the blob (SIGSEGV)
    "restore_counter_short_blob": "_restore_counter(True, 100, (b'abc', np.array([3, 5]), np.array([1, 2])))",
    # TokenCounter's pickle state: a token length past the blob (the 6-field state __reduce__ writes)
    "restore_counter_long_length": "_restore_counter(True, 100, (b'abcdefgh', np.array([3, 10**8]), np.array([1, 2]), "
                                   "2, 1, False))",
    # the dictionary reader's decode_words trusts its spans (io/_dictionary.pyx)
    "decode_words_spans": "decode_words(np.frombuffer(b'ab\\xffc', np.uint8), np.array([0, 2]), "
                          "np.array([2, 10**8], np.int64))",
    # LineReader.encode (the classifier's training reader, _lines.pyx) trusts its spans and array lengths
    "line_reader_encode_spans": "F.model('sup').predictor.scorer.reader.encode(b'bread soup', np.array([0, 5]), "
                                "np.array([5, 10**8], np.int64), np.ones(2, np.uint8))",
    "line_reader_encode_lengths": "F.model('sup').predictor.scorer.reader.encode(b'bread soup', np.array([0] * 1000), "
                                  "np.array([5, 10]), np.ones(2, np.uint8))",
    # no upper bound on epochs: trains for ever instead of rejecting the value
    "gensim_huge_epochs": "FastText(F.sentences(), vector_size=8, min_count=1, bucket=1000, epochs=2**63, workers=1)",
    # thread=2**63 builds a list of 2**63 threading.Thread objects (trainer.train_corpus_file_epoch)
    "train_huge_thread": 'fasttext.train_unsupervised(F.text("plain"), dim=8, minCount=1, bucket=1000, thread=2**63, '
                         "verbose=0)",
    # predict_partition builds its k output columns (prediction_columns) before k is clamped
    "partition_huge_k": 'partitions.predict_partition(["bread"], F.bin("sup"), k=2**40)',
    # one 100 KB token: _kernels.duplicate_factors is quadratic in a word's subwords (400k here)
    "long_token_subwords": 'p = F.out("token.txt"); open(p, "w").write("a" * 100_000 + "\\n")\n'
                           "fasttext.train_unsupervised(p, minCount=1, dim=8, bucket=1000, epoch=1, thread=1, "
                           "verbose=0)",
}

# Families and regressions that still crash or hang today: name -> reason. Whoever fixes one
# removes its entry (strict=False: a fixed one shows as XPASS, not as a failure).
KNOWN: dict[str, str] = {}


def _xfail_known(names):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=KNOWN[n])) if n in KNOWN else n
            for n in names]


def _failures(results) -> str:
    return "\n\n".join(f"{r.status.upper()} {r.error_type or ''} case {r.case.id} [{r.case.family}]"
                       f"{' (passes alone)' if r.alone in ('ok', 'raised') else ''}\n{r.case.reproducer()}"
                       for r in results if r.failed)


@pytest.fixture(scope="module")
def seeded_results():
    return hunt.run_cases(hunt.generate(CASES, SEED), timeout=TIMEOUT, confirm=False)


@pytest.fixture(scope="module")
def regression_results():
    cases = [hunt.Case(name, "regression", code) for name, code in REGRESSIONS.items()]
    return hunt.run_cases(cases, timeout=REGRESSION_TIMEOUT, confirm=False)


def test_cases_are_deterministic_for_a_seed():
    first = hunt.generate(60, 7)
    assert first == hunt.generate(60, 7)
    assert hunt.generate(200, 7)[:60] == first  # a longer run starts with the cases of a shorter one
    assert first != hunt.generate(60, 8)
    assert {case.family for case in first} == set(hunt.FAMILIES)  # every family within a short run
    for case in first:
        compile(case.code, case.id, "exec")


def test_mutations_reach_their_fields():
    original = Path(hunt.ensure_fixtures(hunt.default_root()), "sup_ftz.ftz").read_bytes()
    fields = hunt.layout(original)
    for field in hunt.fields_for("sup_ftz"):
        assert field in fields, field
    changed = hunt.mutate(original, [("set", "dictionary.nwords", -1), ("set", "input.pq.dsub", 2**31 - 1)])
    assert changed[fields["dictionary.nwords"][0]:][:4] == b"\xff\xff\xff\xff"
    assert changed[fields["input.pq.dsub"][0]:][:4] == b"\xff\xff\xff\x7f"
    assert len(changed) == len(original)


def test_harness_finds_crashes_and_hangs_and_goes_on():
    # The control: a segfault and a hang among passing cases; each is blamed on its own case
    # and the cases after them still run, in fresh children.
    cases = [hunt.Case("ok", "self", "x = 1"),
             hunt.Case("segv", "self", "import ctypes; ctypes.string_at(0)"),
             hunt.Case("raise", "self", "raise ValueError('named value')", ("value",)),
             hunt.Case("hang", "self", "import time; time.sleep(60)"),
             hunt.Case("abort", "self", "import os; os.abort()"),
             hunt.Case("after", "self", "np.zeros(3).sum()")]
    results = {r.case.id: r for r in hunt.run_cases(cases, timeout=2.0, confirm=False)}
    assert [results[i].status for i in ("ok", "segv", "raise", "hang", "abort", "after")] == \
        ["ok", "crash", "raised", "hang", "crash", "ok"]
    assert results["segv"].error_type == "SIGSEGV" and "Segmentation fault" in results["segv"].trace
    assert results["abort"].error_type == "SIGABRT"
    assert '"<case hang>", line 1' in results["hang"].trace  # where the hung case was stopped
    assert (results["raise"].error_type, results["raise"].error) == ("ValueError", "named value")
    assert not hunt.unhelpful(results["raise"])


@pytest.mark.parametrize("family", _xfail_known(hunt.FAMILIES))
def test_no_crash_or_hang(seeded_results, family):
    mine = [r for r in seeded_results if r.case.family == family]
    assert mine and all(r.status != "skipped" for r in mine)
    failures = _failures(mine)
    assert not failures, failures


@pytest.mark.parametrize("name", _xfail_known(REGRESSIONS))
def test_regression(regression_results, name):
    result, = [r for r in regression_results if r.case.id == name]
    assert not result.failed, _failures([result])
