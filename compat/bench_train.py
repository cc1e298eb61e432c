"""Side-by-side training benchmark: fastText, gensim and gensim_ftx on one corpus, one machine, one run.

Every training runs in a fresh process (wall time includes the vocabulary scan; peak RSS is the
child's). Each model is then scored on analogies (questions-words, restrict_vocab 30000),
WordSim353 and SimLex-999, and the table reports words/s/thread and ratios to the faster of
fastText and gensim.

Example::

    python compat/bench_train.py --fasttext-bin /path/to/fasttext --models sg cbow --repeat 2

The default corpus is ``../shared/data/en17m.txt.xz`` cut into 1000-token lines (written once to
``compat/work/``). ``--fasttext-bin`` points at a fastText binary built from source (never
committed); without it the ``fasttext`` pip package trains the fastText rows. ``fasttext-new``
(the Rust drop-in for the ``fasttext`` package, ``pip install fasttext-new``) is a peer too.

floret vectors (issue 25): ``--systems floret ftx-floret --hash-count 2 --bucket 100000`` trains
both in floret mode (``mode='floret'``, MurmurHash3 into the bucket table, no word rows), with
the same settings, through each one's ``train_unsupervised``.

Position-weighted CBOW (issue 25): ``--systems ftx-fasttext ftx-fasttext-pw --models cbow --ws 10``
trains plain and position-weighted CBOW (``positionWeights=True``) with the same settings;
``ftx-fasttext-pw10`` weights only the first 10 dimensions (``positionDims=10``).
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
DEFAULT_XZ = HERE.parent.parent / "shared" / "data" / "en17m.txt.xz"
SYSTEMS = ("fasttext", "fasttext-new", "gensim-iterable", "gensim-file", "floret", "ftx-fasttext", "ftx-gensim",
           "ftx-floret", "ftx-fasttext-pw", "ftx-fasttext-pw10")


def prepare_corpus(source: Path, tokens_per_line: int = 1000, max_tokens: int | None = None) -> Path:
    """Cut the one-line text8-style corpus into lines of ``tokens_per_line`` tokens (cached),
    keeping only its first ``max_tokens`` tokens when given."""
    budget = f"_{max_tokens}" if max_tokens else ""
    target = WORK / f"{source.name.split('.')[0]}{budget}_{tokens_per_line}.txt"
    if target.exists():
        return target
    WORK.mkdir(parents=True, exist_ok=True)
    opener = lzma.open if source.suffix == ".xz" else open
    with opener(source, "rt", encoding="utf-8") as handle:
        tokens = handle.read().split()
    if max_tokens:
        tokens = tokens[:max_tokens]
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for start in range(0, len(tokens), tokens_per_line):
            out.write(" ".join(tokens[start:start + tokens_per_line]) + "\n")
    tmp.replace(target)
    return target


def count_tokens(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(len(line.split()) for line in handle)


# ---------------------------------------------------------------------------------------------
# one training, in a child process


def train_child(system: str, model: str, corpus: str, out: str, settings: dict, fasttext_bin: str | None) -> None:
    """Train one model and write its vectors to ``out`` (a fastText .bin)."""
    sg = model == "sg"
    if system == "fasttext":
        if fasttext_bin:
            args = [fasttext_bin, "skipgram" if sg else "cbow", "-input", corpus, "-output", out[:-4],
                    "-thread", str(settings["threads"]), "-dim", str(settings["dim"]), "-ws", str(settings["ws"]),
                    "-epoch", str(settings["epoch"]), "-neg", str(settings["neg"]), "-minn", str(settings["minn"]),
                    "-maxn", str(settings["maxn"]), "-t", str(settings["t"]), "-lr", str(settings["lr"]),
                    "-minCount", str(settings["min_count"]), "-seed", str(settings.get("seed", 0)), "-verbose", "0",
                    "-bucket", str(settings["bucket"])]
            subprocess.run(args, check=True)
            return
        import fasttext

        trained = fasttext.train_unsupervised(  # the pip package (0.9.3) has no seed argument
            corpus, model="skipgram" if sg else "cbow", dim=settings["dim"], ws=settings["ws"], epoch=settings["epoch"],
            neg=settings["neg"], minn=settings["minn"], maxn=settings["maxn"], t=settings["t"], lr=settings["lr"],
            minCount=settings["min_count"], thread=settings["threads"], bucket=settings["bucket"], verbose=0)
        trained.save_model(out)
        return
    if system == "fasttext-new":  # the Rust drop-in for the fasttext package (pip install fasttext-new)
        import fasttext_new

        trained = fasttext_new.train_unsupervised(
            corpus, model="skipgram" if sg else "cbow", dim=settings["dim"], ws=settings["ws"], epoch=settings["epoch"],
            neg=settings["neg"], minn=settings["minn"], maxn=settings["maxn"], t=settings["t"], lr=settings["lr"],
            minCount=settings["min_count"], thread=settings["threads"], seed=settings.get("seed", 0), verbose=0,
            bucket=settings["bucket"])
        trained.save_model(out)
        return
    if system in ("floret", "ftx-floret"):
        if system == "floret":
            import floret as face
        else:
            from gensim_ftx import floret as face
        trained = face.train_unsupervised(  # floret's Python API takes no seed
            corpus, model="skipgram" if sg else "cbow", dim=settings["dim"], ws=settings["ws"], epoch=settings["epoch"],
            neg=settings["neg"], minn=settings["minn"], maxn=settings["maxn"], t=settings["t"], lr=settings["lr"],
            minCount=settings["min_count"], thread=settings["threads"], bucket=settings["bucket"], mode="floret",
            hashCount=settings["hash_count"], verbose=0)
        trained.save_model(out)
        return
    import gensim_ftx

    if system in ("ftx-fasttext", "ftx-fasttext-pw", "ftx-fasttext-pw10"):
        extra = {"positionWeights": True} if system.startswith("ftx-fasttext-pw") else {}
        if system == "ftx-fasttext-pw10":
            extra["positionDims"] = 10  # the constrained form: the first 10 dimensions weighted
        trained = gensim_ftx.train_unsupervised(
            corpus, model="skipgram" if sg else "cbow", dim=settings["dim"], ws=settings["ws"], epoch=settings["epoch"],
            neg=settings["neg"], minn=settings["minn"], maxn=settings["maxn"], t=settings["t"], lr=settings["lr"],
            minCount=settings["min_count"], thread=settings["threads"], seed=settings.get("seed", 0), verbose=0,
            bucket=settings["bucket"], **extra)
        if extra and settings.get("weighted_vectors"):
            trained.wv = trained.weighted_vectors()  # rows times the mean position weight
        gensim_ftx.save_facebook_model(trained, out)
        return
    common = dict(sg=int(sg), vector_size=settings["dim"], window=settings["ws"], epochs=settings["epoch"],
                  negative=settings["neg"], min_n=settings["minn"], max_n=settings["maxn"], sample=settings["t"],
                  alpha=settings["lr"], min_alpha=1e-4 * settings["lr"], min_count=settings["min_count"],
                  workers=settings["threads"], seed=settings.get("seed", 0) + 1,  # gensim's default seed is 1
                  bucket=settings["bucket"])
    if system == "ftx-gensim":
        trained = gensim_ftx.FastText(corpus_file=corpus, **common)
    else:
        from gensim.models import FastText
        from gensim.models.word2vec import LineSentence

        if system == "gensim-file":
            trained = FastText(corpus_file=corpus, **common)
        else:
            trained = FastText(LineSentence(corpus), **common)
    gensim_ftx.save_facebook_model(trained, out)


def random_pair_cosine(vectors, pairs: int = 4000, top: int = 20000, seed: int = 12345) -> float:
    """Mean cosine of random pairs of distinct words among the ``top`` most frequent (lower: better spread).

    A shared direction in the vectors raises it; it separates two trainers in one run where the
    word-similarity scores need several.
    """
    import numpy as np

    rows = vectors[:min(top, len(vectors))]
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(rows), pairs), rng.integers(0, len(rows), pairs)
    keep = a != b
    return float(np.mean(np.sum(unit[a[keep]] * unit[b[keep]], axis=1)))


def evaluate(path: str) -> dict:
    import logging

    from gensim.test.utils import datapath

    import gensim_ftx

    logging.disable(logging.WARNING)
    wv = gensim_ftx.load_facebook_vectors(path)
    return {
        "analogy": wv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30000)[0],
        "ws353": wv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0],
        "simlex": wv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0],
        "rand_cos": random_pair_cosine(wv.vectors),
    }


# ---------------------------------------------------------------------------------------------
# the parent: run, score, tabulate


def run_one(system: str, model: str, corpus: Path, settings: dict, fasttext_bin: str | None, tokens: int) -> dict:
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        out = os.path.join(tmp, "model.bin")
        command = [sys.executable, __file__, "--child", system, model, str(corpus), out, json.dumps(settings),
                   fasttext_bin or ""]
        start = time.perf_counter()
        process = subprocess.Popen(command)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            return {"system": system, "model": model, "error": f"exit status {status}"}
        scores = evaluate(out)
    words = tokens * settings["epoch"]
    return {"system": system, "model": model, "seed": settings.get("seed", 0), "wall": wall,
            "rss_gib": usage.ru_maxrss / 2**20,
            "wps_thread": words / wall / settings["threads"], **scores}


def summarise(rows: list[dict]) -> list[dict]:
    """Median over repeats of each (system, model); quality spread shown as min..max."""
    table = []
    keys = sorted({(r["system"], r["model"]) for r in rows if "error" not in r},
                  key=lambda k: (k[1], SYSTEMS.index(k[0])))
    for system, model in keys:
        runs = [r for r in rows if r["system"] == system and r["model"] == model and "error" not in r]
        entry = {"system": system, "model": model, "runs": len(runs)}
        for field in ("wall", "rss_gib", "wps_thread", "analogy", "ws353", "simlex", "rand_cos"):
            values = [r[field] for r in runs]
            entry[field] = statistics.median(values)
            entry[field + "_range"] = (min(values), max(values))
        table.append(entry)
    return table


def print_table(table: list[dict], settings: dict) -> None:
    print(f"\nSettings: {json.dumps(settings)}")
    header = (f"{'model':5} {'system':16} {'runs':>4} {'words/s/thr':>11} {'wall s':>7} {'RSS GiB':>7} "
              f"{'analogy':>15} {'WS353':>15} {'SimLex':>15} {'rand cos':>15} {'speed vs best ref':>17}")
    print(header)
    print("-" * len(header))
    for model in sorted({e["model"] for e in table}):
        refs = [e["wps_thread"] for e in table if e["model"] == model and not e["system"].startswith("ftx")]
        best = max(refs) if refs else None
        for e in (e for e in table if e["model"] == model):

            def quality(field: str, e: dict = e) -> str:
                lo, hi = e[field + "_range"]
                return f"{e[field]:.3f} ({lo:.3f}-{hi:.3f})" if e["runs"] > 1 else f"{e[field]:.3f}"

            ratio = f"{e['wps_thread'] / best:.2f}x" if best else "-"
            print(f"{model:5} {e['system']:16} {e['runs']:>4} {e['wps_thread']:>11,.0f} {e['wall']:>7.1f} "
                  f"{e['rss_gib']:>7.2f} {quality('analogy'):>15} {quality('ws353'):>15} {quality('simlex'):>15} "
                  f"{quality('rand_cos'):>15} "
                  f"{ratio:>17}")
    print("Medians over runs; quality ranges are min-max over the repeats (fastText with 2+ threads is not "
          "deterministic, so its spread is the noise floor).")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        system, model, corpus, out, settings, fasttext_bin = argv[1:7]
        train_child(system, model, corpus, out, json.loads(settings), fasttext_bin or None)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_XZ, help="text8-style corpus (.xz or plain)")
    parser.add_argument("--tokens-per-line", type=int, default=1000)
    parser.add_argument("--max-tokens", type=int, help="train on the corpus' first N tokens only "
                        "(4000000: the small-corpus reproduction of issue 11)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first run; each repeat adds one")
    parser.add_argument("--fasttext-bin", help="fastText binary built from source; else the pip package")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--models", nargs="+", default=["sg", "cbow"], choices=["sg", "cbow"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per system and model (quality noise)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epoch", type=int, default=5)
    parser.add_argument("--ws", type=int, default=5)
    parser.add_argument("--minn", type=int, default=3)
    parser.add_argument("--maxn", type=int, default=6)
    parser.add_argument("--bucket", type=int, default=2000000)
    parser.add_argument("--hash-count", type=int, default=2, help="floret systems: hashes per word and n-gram")
    parser.add_argument("--weighted-vectors", action="store_true",
                        help="position-weighted systems: score model.weighted_vectors(), not the raw rows")
    parser.add_argument("--json", type=Path, help="also write the raw runs and the table here")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        parser.error(f"corpus not found: {args.corpus}")
    corpus = prepare_corpus(args.corpus, args.tokens_per_line, args.max_tokens)
    tokens = count_tokens(corpus)
    settings = dict(threads=args.threads, dim=args.dim, ws=args.ws, epoch=args.epoch, neg=5, minn=args.minn,
                    maxn=args.maxn, t=1e-4, lr=0.05, min_count=5, bucket=args.bucket, hash_count=args.hash_count,
                    weighted_vectors=args.weighted_vectors)
    rows = []
    for repeat in range(args.repeat):
        for model in args.models:
            for system in args.systems:
                row = run_one(system, model, corpus, {**settings, "seed": args.seed + repeat}, args.fasttext_bin,
                              tokens)
                rows.append(row)
                print(json.dumps(row), flush=True)
    table = summarise(rows)
    print_table(table, settings)
    if args.json:
        args.json.write_text(json.dumps({"settings": settings, "runs": rows, "table": table}, indent=1))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
