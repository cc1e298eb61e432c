"""Peak memory side by side: fastText's ``fasttext`` package against ``gensim_ftx.fasttext`` on
the same work, each case in a fresh child process that reports its peak resident set (VmHWM).

    python compat/bench_memory.py                               # every case
    python compat/bench_memory.py --cases example quantize --autotune-seconds 60
    python compat/bench_memory.py --cases unsupervised --unsup-mb 30

Cases (cooking = fastText's tutorial split, ``cooking.train`` / ``cooking.valid``):

- ``softmax``: ``train_supervised(lr=1.0, epoch=25, wordNgrams=2)`` then ``test``
- ``hs``: the same with ``loss='hs'``
- ``quantize``: the hs model, then ``quantize(input, qnorm=True, retrain=True, cutoff=100000)``
- ``example``: fastText's ``python/doc/examples/train_supervised.py`` (softmax, hs, save,
  quantize, save ``.ftz``) in one process, as a user runs it
- ``autotune``: ``autotuneValidationFile`` for ``--autotune-seconds`` seconds
- ``autotune-size``: the same with ``autotuneModelSize='2M'``
- ``big-trial``: one autotune trial's arguments run directly (dim 186, minn 2, maxn 5, 10M buckets:
  gensim_ftx's second trial from seed 0, its peak in the ``autotune`` case), so that the two
  systems' autotune peaks can be read against the same work
- ``unsupervised``: ``train_unsupervised`` (skipgram, default arguments) on the first
  ``--unsup-mb`` MB of en17m
- ``gridsearch``: scikit-learn's ``GridSearchCV`` over 4 settings x 3 folds of cooking;
  gensim_ftx's :class:`~gensim_ftx.sklearn.FastTextClassifier` against the same estimator
  written over ``fasttext.train_supervised``

Prints peak RSS (MB), the ratio gensim_ftx / fastText, and wall seconds.

The autotune cases compare searches, not identical trials: the two draw their trial arguments
from different random generators and fit different numbers of trials in the time, and a trial's
peak grows with its ``(nwords + bucket) x dim`` (both fill a tenth of the input matrix per
thread). fastText 0.9.3 leaves the rest of that matrix uninitialised: a small one on recycled
heap memory can hold NaNs, and its training then stops with "Encountered NaN."; such a run is
repeated once with ``MALLOC_MMAP_THRESHOLD_`` set so that large allocations get fresh pages.
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COOKING = DATA / "cooking"
WORK = Path(tempfile.gettempdir()) / "gensim_ftx-bench-memory"
_FRESH_PAGES = 1 << 20

# Each case is a code body run in a child with ``ft`` bound to the module under test and the
# paths as globals; the child prints its VmHWM when done.
CASES = {
    "softmax": """
m = ft.train_supervised(input=TRAIN, epoch=25, lr=1.0, wordNgrams=2, minCount=1, thread=THREAD, verbose=0)
result = m.test(VALID)
""",
    "hs": """
m = ft.train_supervised(input=TRAIN, epoch=25, lr=1.0, wordNgrams=2, minCount=1, loss='hs', thread=THREAD,
                        verbose=0)
result = m.test(VALID)
""",
    "quantize": """
m = ft.train_supervised(input=TRAIN, epoch=25, lr=1.0, wordNgrams=2, minCount=1, loss='hs', thread=THREAD,
                        verbose=0)
m.quantize(input=TRAIN, qnorm=True, retrain=True, cutoff=100000, thread=THREAD)
result = m.test(VALID)
""",
    "example": """
model = ft.train_supervised(input=TRAIN, epoch=25, lr=1.0, wordNgrams=2, verbose=0, minCount=1, thread=THREAD)
result = [model.test(VALID)]
model = ft.train_supervised(input=TRAIN, epoch=25, lr=1.0, wordNgrams=2, verbose=0, minCount=1, loss='hs',
                            thread=THREAD)
result.append(model.test(VALID))
model.save_model(OUT + '.bin')
model.quantize(input=TRAIN, qnorm=True, retrain=True, cutoff=100000, thread=THREAD)
result.append(model.test(VALID))
model.save_model(OUT + '.ftz')
""",
    "autotune": """
m = ft.train_supervised(input=TRAIN, autotuneValidationFile=VALID, autotuneDuration=SECONDS, thread=THREAD,
                        verbose=0)
result = (m.test(VALID), m.get_dimension())
""",
    "autotune-size": """
m = ft.train_supervised(input=TRAIN, autotuneValidationFile=VALID, autotuneDuration=SECONDS,
                        autotuneModelSize='2M', thread=THREAD, verbose=0)
m.save_model(OUT + '.ftz')
result = (m.test(VALID), os.path.getsize(OUT + '.ftz'))
""",
    "big-trial": """
m = ft.train_supervised(input=TRAIN, epoch=6, lr=0.084, dim=186, minn=2, maxn=5, bucket=10000000, thread=THREAD,
                        verbose=0)
result = m.test(VALID)
""",
    "unsupervised": """
m = ft.train_unsupervised(input=UNSUP, thread=THREAD, verbose=0)
result = (len(m.words), m.get_dimension())
""",
    "gridsearch": """
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, KFold

texts, labels = [], []
with open(TRAIN, encoding='utf-8') as f:
    for line in f:
        tokens = line.split()
        tags = [t for t in tokens if t.startswith('__label__')]
        if tags:
            labels.append(tags[0][9:])
            texts.append(' '.join(t for t in tokens if not t.startswith('__label__')))
texts, labels = texts[:6000], np.array(labels[:6000])
if SYSTEM == 'gensim_ftx':
    from gensim_ftx.sklearn import FastTextClassifier as Classifier
else:
    class Classifier(ClassifierMixin, BaseEstimator):
        # the same estimator over fasttext.train_supervised: a file per fit, model_ kept
        def __init__(self, lr=0.1, epoch=5, wordNgrams=1, thread=1, verbose=0):
            self.lr, self.epoch, self.wordNgrams, self.thread, self.verbose = lr, epoch, wordNgrams, thread, verbose

        def fit(self, X, y):
            self.classes_, index = np.unique(y, return_inverse=True)
            fd, path = tempfile.mkstemp(suffix='.txt')
            with os.fdopen(fd, 'w', encoding='utf-8') as out:
                for j, text in zip(index, X):
                    out.write(f'__label__{j} {text}\\n')
            self.model_ = ft.train_supervised(path, lr=self.lr, epoch=self.epoch, wordNgrams=self.wordNgrams,
                                              thread=self.thread, verbose=0)
            os.unlink(path)
            return self

        def predict(self, X):
            labels, _ = self.model_.predict(list(X), k=1)
            return self.classes_[[int(x[0][9:]) for x in labels]]
search = GridSearchCV(Classifier(epoch=5, thread=THREAD), {'wordNgrams': [1, 2], 'lr': [0.1, 0.5]},
                      cv=KFold(3), n_jobs=1)
search.fit(texts, labels)
result = (search.best_params_, round(search.best_score_, 4))
""",
}

CHILD = """
import os, sys, tempfile, time
SYSTEM, TRAIN, VALID, UNSUP, OUT, SECONDS, THREAD = {args!r}
if SYSTEM == 'fasttext':
    import fasttext as ft
else:
    import gensim_ftx.fasttext as ft
started = time.perf_counter()
{body}
elapsed = time.perf_counter() - started
with open('/proc/self/status') as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith('VmHWM:'))
import json
print('RESULT ' + json.dumps({{'peak_kb': hwm, 'seconds': elapsed, 'result': repr(result)[:200]}}))
"""


def unsup_slice(mb: int) -> Path:
    """The first ``mb`` MB of en17m (cut at a space), decompressed once into the work folder."""
    path = WORK / f"en17m-{mb}mb.txt"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        with lzma.open(DATA / "en17m.txt.xz", "rb") as src:
            data = src.read(mb * 1_000_000)
        data = data[:data.rfind(b" ")] + b"\n"
        path.write_bytes(data)
    return path


def run_case(case: str, system: str, options, env: dict | None = None) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    unsup = str(unsup_slice(options.unsup_mb)) if case == "unsupervised" else ""
    out = str(WORK / f"{case}-{system}")
    args = (system, str(COOKING / "cooking.train"), str(COOKING / "cooking.valid"), unsup, out,
            options.autotune_seconds, options.threads)
    code = CHILD.format(args=args, body=CASES[case])
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit {proc.returncode}", "wall": wall}
    report = json.loads(lines[-1][7:])
    report["wall"] = wall
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--systems", nargs="+", default=["fasttext", "gensim_ftx"], choices=["fasttext", "gensim_ftx"])
    parser.add_argument("--autotune-seconds", type=int, default=60, help="autotuneDuration of the autotune cases")
    parser.add_argument("--unsup-mb", type=int, default=30, help="MB of en17m for the unsupervised case")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--retries", type=int, default=1, choices=(0, 1),
                        help="run fastText again (large allocations on fresh pages) after 'Encountered NaN.'")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args(argv)
    rows = {}
    print(f"{'case':<14} {'fastText MB':>12} {'gensim_ftx MB':>14} {'ratio':>6} {'fastText s':>11} "
          f"{'gensim_ftx s':>13}", flush=True)
    for case in options.cases:
        rows[case] = {}
        for system in options.systems:
            report = run_case(case, system, options)
            if system == "fasttext" and options.retries and "NaN" in report.get("error", ""):
                # fastText 0.9.3 leaves most of its input matrix uninitialised (posix_memalign) with
                # fewer than 10 threads: a small matrix on recycled heap memory can start with NaNs
                # ("Encountered NaN."). Run again with every allocation of 1 MB or more on fresh
                # (zero, lazily mapped) pages.
                print(f"    {system}: {case} ended with 'Encountered NaN.': running it again with "
                      f"MALLOC_MMAP_THRESHOLD_={_FRESH_PAGES}", flush=True)
                env = {"MALLOC_MMAP_THRESHOLD_": str(_FRESH_PAGES)}
                report = {**run_case(case, system, options, env), "env": env}
            rows[case][system] = report
        cells = []
        for system in ("fasttext", "gensim_ftx"):
            r = rows[case].get(system)
            cells.append("-" if r is None else ("error" if "error" in r else f"{r['peak_kb'] / 1024:.0f}"))
        ft, gf = rows[case].get("fasttext"), rows[case].get("gensim_ftx")
        ratio = f"{gf['peak_kb'] / ft['peak_kb']:.2f}" if ft and gf and "error" not in ft and "error" not in gf \
            else "-"
        times = [f"{r['seconds']:.1f}" if r and "error" not in r else "-" for r in (ft, gf)]
        print(f"{case:<14} {cells[0]:>12} {cells[1]:>14} {ratio:>6} {times[0]:>11} {times[1]:>13}", flush=True)
        for system, r in rows[case].items():
            if "error" in r:
                print(f"    {system}: {r['error']}", flush=True)
    if options.json:
        Path(options.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
