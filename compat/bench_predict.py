"""Side-by-side prediction benchmark: Facebook's ``fasttext`` against ``gensim_ftx.fasttext``.

Both load the same model and label the same lines in one process; every gensim_ftx answer is
checked against fastText's (labels and float32 probabilities, bit for bit) before any time is
reported. Lines are real text: sentences cut from ``en17m`` (default ``--lines 200000``) and, for
a classifier trained on the cooking data here, its validation questions.

    python compat/bench_predict.py --model ../shared/data/models/lid.176.ftz --repeat 3
"""
from __future__ import annotations

import argparse
import lzma
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def text_lines(count: int, words_per_line: int) -> list[str]:
    """``count`` lines of ``words_per_line`` words from en17m (Wikipedia text)."""
    with lzma.open(DATA / "en17m.txt.xz", "rt") as src:
        words = src.read(count * words_per_line * 9).split()
    return [" ".join(words[i:i + words_per_line]) for i in range(0, len(words) - words_per_line, words_per_line)][
        :count]


def median_time(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_python_threads(run, threads: int) -> None:
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def check_equal(ours, reference, lines: list[str], k: int) -> None:
    got_labels, got_probs = ours.predict(lines, k=k)
    want_labels, want_probs = reference.predict(lines, k=k)
    mismatches = sum(1 for a, b, p, q in zip(got_labels, want_labels, got_probs, want_probs)
                     if a != b or not np.array_equal(p, q))
    if mismatches:
        sys.exit(f"{mismatches} of {len(lines)} predictions differ from fastText's")


_RSS_PROBE = """
import sys
def rss():
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) for l in status if l.startswith('VmRSS:')) / 1024
if sys.argv[1] == 'fasttext':
    import fasttext as api
else:
    from gensim_ftx import fasttext as api
import numpy
before = rss()
model = api.load_model(sys.argv[2])
model.predict(['some words to label'] * 100, k=5)
print(rss() - before)
"""


def load_rss(system: str, model: str) -> float:
    """MiB a fresh process gains by loading ``model`` and predicting (its imports excluded)."""
    done = subprocess.run([sys.executable, "-c", _RSS_PROBE, system, model], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DATA / "models" / "lid.176.ftz"))
    parser.add_argument("--lines", type=int, default=200000)
    parser.add_argument("--words-per-line", type=int, default=20)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    import fasttext

    from gensim_ftx import fasttext as ftx

    lines = text_lines(args.lines, args.words_per_line)
    reference = fasttext.load_model(args.model)
    ours = ftx.load_model(args.model)
    check_equal(ours, reference, lines, args.k)
    memory = {system: statistics.median(load_rss(system, args.model) for _ in range(args.repeat))
              for system in ("fasttext", "gensim_ftx")}

    n = len(lines)
    rows = []

    def measure(name: str, run) -> None:
        seconds = median_time(run, args.repeat)
        rows.append((name, n / seconds))

    measure("fasttext predict(list)", lambda: reference.predict(lines, k=args.k))
    measure("fasttext predict(str) per line", lambda: [reference.predict([line], k=args.k) for line in lines])
    measure("gensim_ftx predict(list)", lambda: ours.predict(lines, k=args.k))
    measure("gensim_ftx predict(str) per line", lambda: [ours.predict(line, k=args.k) for line in lines])
    measure("gensim_ftx as_arrays", lambda: ours.predict(lines, k=args.k, as_arrays=True))
    measure(f"gensim_ftx as_arrays threads={args.threads}",
            lambda: ours.predict(lines, k=args.k, as_arrays=True, threads=args.threads))
    half = lines[: n // 2]
    rows.append(("fasttext 2 Python threads (half each)",
                 n / median_time(lambda: in_python_threads(lambda: reference.predict(half, k=args.k), 2), args.repeat)))
    rows.append(("gensim_ftx 2 Python threads (half each)",
                 n / median_time(lambda: in_python_threads(lambda: ours.predict(half, k=args.k, as_arrays=True), 2),
                                 args.repeat)))

    base = rows[0][1]
    print(f"model {args.model}; {n:,} lines of {args.words_per_line} words; k={args.k}; "
          f"medians of {args.repeat} runs; {os.cpu_count()} CPUs")
    print(f"RSS of loading and predicting (fresh process, imports excluded): fastText {memory['fasttext']:.1f} MiB, "
          f"gensim_ftx {memory['gensim_ftx']:.1f} MiB. Predictions checked equal, bit for bit.")
    print(f"{'':44s} {'lines/s':>12s} {'vs fastText list':>17s}")
    for name, rate in rows:
        print(f"{name:44s} {rate:12,.0f} {rate / base:16.2f}x")


if __name__ == "__main__":
    main()
