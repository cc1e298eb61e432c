"""Side-by-side start-up benchmark of the ``fasttext`` face: import, then load and predict.

A language-identification script pays for ``import`` and ``load_model`` before its first
prediction, on every start (a CLI call, a worker process, a serverless function). Each case runs
in a fresh interpreter (``python -c``), the systems interleaved, and reports the median and
spread of ``--repeat`` runs of the whole process (wall clock, as ``time`` shows it) and which
heavy modules it imported:

* ``import``: ``import fasttext`` against ``from gensim_ftx import fasttext`` (and
  ``fasttext_new`` when installed);
* ``load+predict``: the import, ``load_model(lid.176.ftz)`` and one ``predict``.

Example
-------
    python compat/bench_import.py --repeat 11
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

LID = Path(__file__).resolve().parents[2] / "shared" / "data" / "models" / "lid.176.ftz"
HEAVY = ("gensim", "scipy", "smart_open")
TARGET_IMPORT_S = 0.3

SYSTEMS = {
    "fasttext 0.9.3": ("fasttext", "import fasttext"),
    "fasttext-new": ("fasttext_new", "import fasttext_new as fasttext"),
    "gensim_ftx": ("gensim_ftx", "from gensim_ftx import fasttext"),
}

REPORT = "import sys, json; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"


def script(import_line: str, case: str, model: Path) -> str:
    body = [import_line]
    if case == "load+predict":
        # the list form: fasttext 0.9.3's predict(str) fails on numpy 2
        body += [f"m = fasttext.load_model({str(model)!r})", "m.predict(['bonjour tout le monde'], k=1)"]
    body.append(REPORT.format(heavy=HEAVY))
    return "\n".join(body)


def run_once(code: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"case failed:\n{code}\n{done.stderr}")
    return elapsed, json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--model", type=Path, default=LID, help="a .ftz/.bin classifier (default lid.176.ftz)")
    args = parser.parse_args(argv)
    systems = {name: line for name, (module, line) in SYSTEMS.items() if importlib.util.find_spec(module)}
    cases = ["import"] + (["load+predict"] if args.model.is_file() else [])
    if "load+predict" not in cases:
        print(f"{args.model} not found: timing the import only", file=sys.stderr)
    times: dict[tuple[str, str], list[float]] = {}
    imported: dict[tuple[str, str], list[str]] = {}
    for line in systems.values():  # one unmeasured start each: caches warm for everyone
        run_once(script(line, "import", args.model))
    for _ in range(args.repeat):
        for case in cases:
            for name, line in systems.items():
                elapsed, heavy = run_once(script(line, case, args.model))
                times.setdefault((name, case), []).append(elapsed)
                imported[(name, case)] = heavy
    print(f"{'case':<14} {'system':<16} {'median s':>9} {'min-max s':>13}  heavy modules imported")
    for case in cases:
        for name in systems:
            values = times[(name, case)]
            heavy = ", ".join(imported[(name, case)]) or "-"
            print(f"{case:<14} {name:<16} {statistics.median(values):9.3f} "
                  f"{min(values):6.3f}-{max(values):.3f}  {heavy}")
    ours = statistics.median(times[("gensim_ftx", "import")])
    verdict = "meets" if ours <= TARGET_IMPORT_S else "misses"
    print(f"gensim_ftx's import {verdict} the {TARGET_IMPORT_S} s target (median {ours:.3f} s, {args.repeat} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
