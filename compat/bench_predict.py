"""Side-by-side prediction benchmark: C++ ``fasttext``, ``fasttext-new`` and ``gensim_ftx.fasttext``.

All systems load the same model in one process and label the same texts; every answer of
gensim_ftx is checked against the C++ package's (labels and float32 probabilities, bit for bit)
before any time is reported, and ``fasttext-new``'s differences, if any, are counted and shown.
Two workloads of real text:

* short lines: the SMS spam collection and the cooking questions of ``../shared/data``, x3
  (20,978 lines x3, ~89 bytes each): chat messages and titles;
* documents: en17m cut into pieces of 2-5 KB (``--docs``): web pages, as datatrove and NeMo
  Curator label them.

Calls, each timed on one thread unless it says otherwise:

* ``predict(list)``: the whole list in one call (``fasttext-new``: ``predict_batch(threads=1)``;
  its ``predict(list)`` uses every core);
* ``predict(str)``: one call a text, in a Python loop (the C++ package's ``predict(str)`` fails
  on numpy 2, so it answers ``predict([text])``);
* ``predict(list), 2 threads``: ``threads=2`` (gensim_ftx), ``predict_batch(threads=2)``
  (``fasttext-new``); the C++ package has no threaded prediction.

Repeats are interleaved (every call of every system once, then again), so a slow minute of a
shared machine touches all of them; the table shows medians with min-max.

    pip install -e ".[bench]"                  # the peers (fasttext, fasttext-new), beside gensim_ftx
    python compat/bench_predict.py --repeat 5
    python compat/bench_predict.py --model cooking.bin --k 5 --markdown
"""
from __future__ import annotations

import argparse
import lzma
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def short_lines(copies: int = 3) -> list[str]:
    """The SMS and cooking lines (without their newlines), ``copies`` times."""
    lines: list[str] = []
    for name in ("sms_spam/SMSSpamCollection", "cooking/cooking.stackexchange.txt"):
        with open(DATA / name, encoding="utf-8", errors="replace") as src:
            lines += [line.rstrip("\n") for line in src]
    return lines * copies


def documents(count: int, low: int = 2000, high: int = 5000, seed: int = 0) -> list[str]:
    """``count`` pieces of en17m of ``low``-``high`` bytes each, cut at word boundaries."""
    rng = random.Random(seed)
    with lzma.open(DATA / "en17m.txt.xz", "rt") as src:
        words = src.read(count * high + 1_000_000).split()
    docs, at = [], 0
    while len(docs) < count and at < len(words):
        target, piece, size = rng.randint(low, high), [], 0
        while size < target and at < len(words):
            piece.append(words[at])
            size += len(words[at]) + 1
            at += 1
        docs.append(" ".join(piece))
    return docs


def differences(got, want) -> int:
    """How many texts' labels or float32 probabilities differ."""
    (got_labels, got_probs), (want_labels, want_probs) = got, want
    if len(got_labels) != len(want_labels):
        return max(len(got_labels), len(want_labels))
    return sum(1 for a, b, p, q in zip(got_labels, want_labels, got_probs, want_probs)
               if list(a) != list(b) or not np.array_equal(np.asarray(p, np.float32), np.asarray(q, np.float32)))


_RSS_PROBE = """
import sys
def rss():
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) for l in status if l.startswith('VmRSS:')) / 1024
system = sys.argv[1]
if system == 'fasttext':
    import fasttext as api
elif system == 'fasttext_new':
    import fasttext_new as api
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


def calls(systems: dict, k: int) -> dict:
    """(call, system) -> function of the texts, for the systems installed."""
    found = {}
    if "fastText" in systems:
        ref = systems["fastText"]
        found[("predict(list)", "fastText")] = lambda texts: ref.predict(texts, k=k)
        found[("predict(str)", "fastText")] = lambda texts: [ref.predict([t], k=k) for t in texts]
    if "fasttext-new" in systems:
        new = systems["fasttext-new"]
        found[("predict(list)", "fasttext-new")] = lambda texts: new.predict_batch(texts, k=k, threads=1)
        found[("predict(str)", "fasttext-new")] = lambda texts: [new.predict(t, k=k) for t in texts]
        found[("predict(list), 2 threads", "fasttext-new")] = lambda texts: new.predict_batch(texts, k=k, threads=2)
    ours = systems["gensim_ftx"]
    found[("predict(list)", "gensim_ftx")] = lambda texts: ours.predict(texts, k=k)
    found[("predict(str)", "gensim_ftx")] = lambda texts: [ours.predict(t, k=k) for t in texts]
    found[("predict(list), 2 threads", "gensim_ftx")] = lambda texts: ours.predict(texts, k=k, threads=2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DATA / "models" / "lid.176.ftz"))
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--docs", type=int, default=3000, help="documents of 2-5 KB")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()

    from gensim_ftx import fasttext as ftx

    systems: dict = {}
    try:
        import fasttext

        systems["fastText"] = fasttext.load_model(args.model)
    except ImportError:
        print("fasttext not installed: its rows are left out", file=sys.stderr)
    try:
        import fasttext_new

        systems["fasttext-new"] = fasttext_new.load_model(args.model)
    except ImportError:
        print("fasttext-new not installed: its rows are left out", file=sys.stderr)
    systems["gensim_ftx"] = ftx.load_model(args.model)

    workloads = {"short lines": short_lines(), "documents": documents(args.docs)}
    table = calls(systems, args.k)
    notes = []
    if "fastText" in systems:
        for workload, texts in workloads.items():
            want = systems["fastText"].predict(texts, k=args.k)
            for (call, system), run in table.items():
                if system == "fastText":
                    continue
                got = run(texts)
                if call == "predict(str)":
                    got = ([labels for labels, _ in got], [probs for _, probs in got])
                bad = differences(got, want)
                if bad and system == "gensim_ftx":
                    sys.exit(f"gensim_ftx {call}: {bad} of {len(texts)} predictions differ from fastText's")
                if bad:  # a peer's difference is reported, not fatal
                    notes.append(f"{system} {call} on {workload}: {bad} of {len(texts)} answers differ from fastText's")

    times: dict = {}
    for _ in range(args.repeat):
        for workload, texts in workloads.items():
            for key, run in table.items():
                start = time.perf_counter()
                run(texts)
                times.setdefault((workload, *key), []).append(time.perf_counter() - start)
    memory = {name: load_rss(module, args.model) for name, module in
              (("fastText", "fasttext"), ("fasttext-new", "fasttext_new"), ("gensim_ftx", "gensim_ftx"))
              if name in systems}

    checked = "every gensim_ftx answer checked equal to fastText's" if "fastText" in systems else \
        "answers not checked"
    print(f"model {os.path.basename(args.model)}, k={args.k}; medians (min-max) of {args.repeat} interleaved "
          f"repeats; {os.cpu_count()} CPUs; {checked}")
    for workload, texts in workloads.items():
        mean = sum(len(t.encode()) for t in texts) / len(texts)
        print(f"\n{workload}: {len(texts):,} texts of {mean:,.0f} bytes on average, texts/s")
        rows = sorted({call for (w, call, _) in times if w == workload},
                      key=["predict(list)", "predict(str)", "predict(list), 2 threads"].index)
        names = [name for name in systems]
        sep, end = ("| ", " |") if args.markdown else ("", "")
        print(sep + f"{'call':26s}" + "".join(f"{' | ' if args.markdown else '  '}{n:>26s}" for n in names) +
              f"{' | ' if args.markdown else '  '}{'gensim_ftx / fasttext-new':>26s}" + end)
        if args.markdown:
            print("|---" * (len(names) + 2) + "|")
        for call in rows:
            cells = []
            for name in names:
                spent = times.get((workload, call, name))
                if spent is None:
                    cells.append("")
                    continue
                rates = sorted(len(texts) / s for s in spent)
                cells.append(f"{statistics.median(rates):,.0f} ({rates[0]:,.0f}-{rates[-1]:,.0f})")
            ratio = ""
            if (workload, call, "fasttext-new") in times:
                theirs, ours = (statistics.median(times[(workload, call, name)])
                                for name in ("fasttext-new", "gensim_ftx"))
                ratio = f"{theirs / ours:.2f}x"
            joiner = " | " if args.markdown else "  "
            print(sep + f"{call:26s}" + "".join(f"{joiner}{c:>26s}" for c in cells) + f"{joiner}{ratio:>26s}" + end)
        for name in ("fasttext-new", "gensim_ftx"):
            one = times.get((workload, "predict(list)", name))
            two = times.get((workload, "predict(list), 2 threads", name))
            if one and two:
                scaling = sorted(a / b for a, b in zip(one, two))
                print(f"  {name}: 1 -> 2 threads {statistics.median(one) / statistics.median(two):.2f}x "
                      f"(per repeat {scaling[0]:.2f}-{scaling[-1]:.2f})")
    for note in dict.fromkeys(notes):
        print(note)
    print("\nMiB a fresh process gains by loading the model and predicting: " +
          ", ".join(f"{name} {mib:.1f}" for name, mib in memory.items()))


if __name__ == "__main__":
    main()
