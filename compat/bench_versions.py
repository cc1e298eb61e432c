"""Side-by-side speed of this checkout against another checkout of gensim_ftx (a refactor's check).

Each workload runs in a fresh interpreter with one checkout first on ``sys.path`` (both built in
place: ``python setup.py build_ext --inplace``), the two checkouts interleaved (who goes first
alternates), ``--repeat`` times; the table shows medians, spreads and the ratio. Workloads, one thread each:

* ``skipgram`` / ``cbow``: one training epoch (fastText semantics, ns, dim 100, the vocabulary
  and the 2M-bucket matrix built before the clock starts) on the first ``--mb`` megabytes of en17m;
* ``supervised``: ``fasttext.train_supervised`` on cooking (5 epochs, wordNgrams 2);
* ``predict``: ``predict(list)`` of lid.176.ftz over the cooking lines, x3.

Example
-------
    git worktree add /tmp/baseline <commit> && (cd /tmp/baseline && python setup.py build_ext --inplace)
    python compat/bench_versions.py --baseline /tmp/baseline --repeat 5
"""
from __future__ import annotations

import argparse
import json
import lzma
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
DATA = HERE.parent / "shared" / "data"

WORKLOADS = {
    "skipgram": """
from gensim_ftx import FastText
m = FastText(vector_size=100, sg=1, workers=1, epochs=1, seed=1, semantics="fasttext", loss="ns", negative=5)
m.build_vocab(corpus_file=TEXT)
t = time.perf_counter()
m.train(corpus_file=TEXT, total_words=m.corpus_total_words, epochs=1)
""",
    "cbow": """
from gensim_ftx import FastText
m = FastText(vector_size=100, sg=0, workers=1, epochs=1, seed=1, semantics="fasttext", loss="ns", negative=5)
m.build_vocab(corpus_file=TEXT)
t = time.perf_counter()
m.train(corpus_file=TEXT, total_words=m.corpus_total_words, epochs=1)
""",
    "supervised": """
from gensim_ftx import fasttext
t = time.perf_counter()
fasttext.train_supervised(COOKING, epoch=5, wordNgrams=2, thread=1, verbose=0)
""",
    "predict": """
from gensim_ftx import fasttext
model = fasttext.load_model(LID)
lines = [line.rstrip("\\n") for line in open(COOKING, encoding="utf-8")] * 3
model.predict(lines[:100])
t = time.perf_counter()
model.predict(lines, k=1)
""",
}


def run(tree: Path, workload: str, paths: dict) -> float:
    # gensim (and scipy) imported before the clock starts: one checkout may import them lazily
    code = "import sys, time\nimport gensim.models\n" + f"sys.path.insert(0, {str(tree)!r})\n" + \
        "".join(f"{name} = {value!r}\n" for name, value in paths.items()) + WORKLOADS[workload] + \
        "import gensim_ftx as g\nassert g.__file__.startswith(sys.path[0]), g.__file__\n" + \
        "print(time.perf_counter() - t)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=False)
    if done.returncode:
        raise RuntimeError(f"{workload} on {tree} failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another gensim_ftx checkout, built in place")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mb", type=float, default=10.0, help="megabytes of en17m for the unsupervised workloads")
    parser.add_argument("--only", action="append", choices=sorted(WORKLOADS))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--labels", nargs=2, default=["this checkout", "baseline"], metavar=("THIS", "BASELINE"),
                        help="the two columns' names")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "en.txt"
        with lzma.open(DATA / "en17m.txt.xz", "rb") as src:
            text.write_bytes(src.read(int(args.mb * 2**20)).rsplit(b"\n", 1)[0] + b"\n")
        paths = {"TEXT": str(text), "COOKING": str(DATA / "cooking" / "cooking.train"),
                 "LID": str(DATA / "models" / "lid.176.ftz")}
        trees = {args.labels[0]: HERE, args.labels[1]: args.baseline.resolve()}
        results: dict[str, dict[str, list[float]]] = {w: {t: [] for t in trees} for w in args.only or WORKLOADS}
        for repeat in range(args.repeat):
            for workload in results:
                # who goes first alternates
                order = list(trees.items()) if repeat % 2 == 0 else list(trees.items())[::-1]
                for name, tree in order:
                    results[workload][name].append(run(tree, workload, paths))
    print(f"{'workload':<12} {args.labels[0] + ' s':>17} {args.labels[1] + ' s':>17} {'ratio':>7}")
    for workload, times in results.items():
        ours, base = times[args.labels[0]], times[args.labels[1]]
        print(f"{workload:<12} {statistics.median(ours):8.3f} ({min(ours):.2f}-{max(ours):.2f}) "
              f"{statistics.median(base):8.3f} ({min(base):.2f}-{max(base):.2f}) "
              f"{statistics.median(base) / statistics.median(ours):6.3f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
