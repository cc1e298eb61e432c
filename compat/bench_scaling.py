"""Thread scaling of gensim_ftx's training: the same run with 1, 2, ... threads, side by side.

Each run is a fresh process that builds the vocabulary from ``corpus_file`` and trains one
skip-gram epoch (fastText semantics, the settings of ``bench_train.py``). Thread counts are
interleaved run by run, so slow phases of a shared machine hit them alike, and medians are
reported: the whole process (vocabulary scan and initialisation included) and ``train()``
alone, with CPU seconds per wall second showing whether the threads were kept busy.

Example::

    python compat/bench_scaling.py --threads 1 2 --repeat 5
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / "work" / "en17m_1000.txt"
RESULT_MARK = "SCALING_RESULT "


def child(corpus: Path, threads: int, model: str) -> dict[str, Any]:
    """Build the vocabulary and train one epoch with ``threads`` threads; return the timings."""
    started = time.perf_counter()
    import gensim_ftx

    ftx = gensim_ftx.FastText(vector_size=100, sg=int(model == "sg"), window=5, min_count=5, negative=5,
                              sample=1e-4, min_n=3, max_n=6, alpha=0.05, epochs=1, workers=threads,
                              semantics="fasttext")
    ftx.build_vocab(corpus_file=str(corpus))
    cpu, wall = time.process_time(), time.perf_counter()
    ftx.train(corpus_file=str(corpus), total_words=ftx.corpus_total_words, epochs=1)
    train_s, train_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"threads": threads, "whole_s": time.perf_counter() - started, "train_s": train_s,
            "train_cpu_s": train_cpu, "words": ftx.corpus_total_words}


def run(corpus: Path, threads: int, model: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(threads), "--model", model,
               "--corpus", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="corpus file (default: en17m cut by bench_train.py)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", choices=["sg", "cbow"], default="sg")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each thread count (medians)")
    parser.add_argument("--json", type=Path, help="also write the runs here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(RESULT_MARK + json.dumps(child(args.corpus, args.child, args.model)))
        return 0
    if not args.corpus.exists():
        parser.error(f"{args.corpus} not found (python compat/bench_train.py writes the default corpus)")
    runs: dict[int, list[dict[str, Any]]] = {t: [] for t in args.threads}
    for repeat in range(args.repeat):
        for threads in args.threads:
            result = run(args.corpus, threads, args.model)
            runs[threads].append(result)
            print(f"  run {repeat + 1}/{args.repeat}, {threads} thread(s): whole {result['whole_s']:.2f} s, "
                  f"train {result['train_s']:.2f} s (CPU {result['train_cpu_s']:.2f} s)", flush=True)
    base = args.threads[0]
    median = {t: {k: statistics.median(r[k] for r in runs[t]) for k in ("whole_s", "train_s", "train_cpu_s")}
              for t in args.threads}
    print(f"\n{args.model}, 1 epoch of {args.corpus.name}, fastText semantics, medians of {args.repeat}:")
    print(f"{'threads':>7} {'whole s':>8} {'train s':>8} {'CPU/wall':>8} {'speedup whole':>13} {'speedup train':>13}")
    for t in args.threads:
        m = median[t]
        print(f"{t:>7} {m['whole_s']:>8.2f} {m['train_s']:>8.2f} {m['train_cpu_s'] / m['train_s']:>8.2f} "
              f"{median[base]['whole_s'] / m['whole_s']:>12.2f}x {median[base]['train_s'] / m['train_s']:>12.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"corpus": str(args.corpus), "model": args.model, "runs": runs,
                                         "medians": median}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
