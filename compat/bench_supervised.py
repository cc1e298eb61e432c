"""Side-by-side classifier benchmark: fastText (and fasttext-new) against gensim_ftx on the same files and settings.

Quality: P@k / R@k on the held-out file, repeated runs (medians and min-max). Speed: training
words/s/thread as each system reports it at the end of training (fastText's progress line; the
same counter and clock for gensim_ftx), and tokens/s/thread over the whole command (dictionary,
initialisation, reading and saving the 800 MB .bin included). Quantisation: size, accuracy, time.

    python compat/bench_supervised.py --fasttext-bin <fastText built from source> --repeat 3
    python compat/bench_supervised.py --cases large --threads 1 2      # scaling on a 10M-token set

Cases: cooking (softmax, hs, ova as fastText's tutorial), sms (spam), large (built here from
en17m: documents of 20-500 words, 10 labels by position in the corpus; speed is what it measures).
``fasttext-new`` (the Rust drop-in, ``pip install fasttext-new``) runs too where it is installed;
it reports no training speed of its own, so its rows compare the whole command.
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WORK = Path(__file__).resolve().parent / "work"

CASES = {
    "cooking-softmax": ("cooking.pre.train", "cooking.pre.valid", dict(lr=1.0, epoch=25, wordNgrams=2), (1,)),
    "cooking-hs": ("cooking.pre.train", "cooking.pre.valid", dict(lr=1.0, epoch=25, wordNgrams=2, loss="hs"), (1,)),
    "cooking-ova": ("cooking.pre.train", "cooking.pre.valid",
                    dict(lr=0.5, epoch=25, wordNgrams=2, bucket=200000, dim=50, loss="ova"), (1, 5)),
    "sms": ("sms.train", "sms.test", dict(epoch=25, wordNgrams=2), (1,)),
    "large": ("large.train", "large.valid", dict(epoch=5, wordNgrams=2), (1,)),
}


def data_path(name: str) -> Path:
    if name.startswith("cooking"):
        return DATA / "cooking" / name
    if name.startswith("sms"):
        return DATA / "sms_spam" / name
    return WORK / name


def build_large(tokens: int = 10_000_000) -> None:
    """Documents of 20-500 words of en17m, labelled by which tenth of the corpus they come from."""
    train, valid = WORK / "large.train", WORK / "large.valid"
    if train.exists() and valid.exists():
        return
    WORK.mkdir(exist_ok=True)
    with lzma.open(DATA / "en17m.txt.xz", "rt") as src:
        words = src.read().split()[: int(tokens * 1.1)]
    rng = np.random.default_rng(0)
    docs, start = [], 0
    while start < len(words):
        size = int(rng.integers(20, 501))
        label = 10 * start // len(words)
        docs.append(f"__label__part{label} " + " ".join(words[start:start + size]))
        start += size
    order = rng.permutation(len(docs))
    cut = int(len(docs) * 0.95)
    train.write_text("\n".join(docs[i] for i in order[:cut]) + "\n")
    valid.write_text("\n".join(docs[i] for i in order[cut:]) + "\n")


def count_tokens(path: Path) -> int:
    with open(path, "rb") as src:
        return sum(len(line.split()) + 1 for line in src)


def run_fasttext(binary: str | None, train: Path, valid: Path, params: dict, threads: int, seed: int, ks) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model")
        if binary:
            cmd = [binary, "supervised", "-input", str(train), "-output", out, "-thread", str(threads),
                   "-seed", str(seed), "-verbose", "2"]
            for key, value in params.items():
                cmd += [f"-{key}", str(value)]
            start = time.perf_counter()
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            wall = time.perf_counter() - start
            rates = re.findall(r"words/sec/thread:\s*(\d+)", done.stderr + done.stdout)
            train_rate = float(rates[-1]) if rates else float("nan")
            scores = {}
            for k in ks:
                done = subprocess.run([binary, "test", out + ".bin", str(valid), str(k)], check=True,
                                      capture_output=True, text=True).stdout
                scores[k] = tuple(float(re.search(rf"{m}@{k}\t(\S+)", done).group(1)) for m in ("P", "R"))
        else:
            import fasttext

            start = time.perf_counter()
            model = fasttext.train_supervised(str(train), thread=threads, seed=seed, verbose=0, **params)
            model.save_model(out + ".bin")
            wall = time.perf_counter() - start
            train_rate = float("nan")
            scores = {k: model.test(str(valid), k=k)[1:] for k in ks}
    return {"wall": wall, "train_rate": train_rate, "scores": scores}


def run_fasttext_new(train: Path, valid: Path, params: dict, threads: int, seed: int, ks) -> dict:
    import fasttext_new

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        model = fasttext_new.train_supervised(str(train), thread=threads, seed=seed, verbose=0, **params)
        model.save_model(os.path.join(tmp, "model.bin"))
        wall = time.perf_counter() - start
        scores = {k: model.test(str(valid), k=k)[1:] for k in ks}
    return {"wall": wall, "train_rate": float("nan"), "scores": scores}


def _systems() -> tuple:
    try:
        import fasttext_new  # noqa: F401
    except ImportError:
        return ("fastText", "gensim_ftx")
    return ("fastText", "fasttext-new", "gensim_ftx")


def run_ours(train: Path, valid: Path, params: dict, threads: int, seed: int, ks) -> dict:
    from gensim_ftx import fasttext as ftx
    from gensim_ftx.args import bucket_for
    from gensim_ftx.fasttext.supervised_training import supervised_model
    from gensim_ftx.fasttext.training import SUPERVISED_ARGS, SUPERVISED_DEFAULTS, read_args

    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        args, _ = read_args((), dict(input=str(train), thread=threads, seed=seed, verbose=0, **params),
                            SUPERVISED_ARGS, SUPERVISED_DEFAULTS)
        args["bucket"] = bucket_for(args["bucket"], args["wordNgrams"], args["maxn"])
        model = ftx._FastText(model=supervised_model(args, reports.append), args=args)
        model.save_model(os.path.join(tmp, "model.bin"))
        wall = time.perf_counter() - start
        scores = {k: model.test(str(valid), k=k)[1:] for k in ks}
    return {"wall": wall, "train_rate": reports[-1].words_per_sec_thread, "scores": scores}


def scaling_lines(by_threads: dict) -> list[str]:
    """Total training words/s at each thread count over that at the first, per repeat (the runs
    of one repeat are next to each other in time): medians and ranges."""
    counts = sorted(by_threads)
    lines = []
    for system in ("fastText", "gensim_ftx"):
        base = [r["train_rate"] * counts[0] for r in by_threads[counts[0]][system]]
        for threads in counts[1:]:
            ratios = [r["train_rate"] * threads / b for r, b in zip(by_threads[threads][system], base)]
            lines.append(f"{'':16s} {system:10s} {counts[0]} -> {threads} threads: total training speed "
                         f"x{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    return lines


def run_child(system: str, case: str, threads: int, seed: int, binary: str | None) -> dict:
    """One run in a fresh process (no state shared between runs)."""
    cmd = [sys.executable, __file__, "--child", system, case, str(threads), str(seed), binary or ""]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def quantize_case(binary: str | None, repeat: int, threads: int) -> list[str]:
    """sms: train, then quantise with -cutoff 100000 -retrain -qnorm on both sides."""
    from gensim_ftx import fasttext as ftx

    train, valid = data_path("sms.train"), data_path("sms.test")
    rows = []
    for run in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ft")
            if binary:
                subprocess.run([binary, "supervised", "-input", str(train), "-output", out, "-epoch", "25",
                                "-wordNgrams", "2", "-thread", str(threads), "-verbose", "0"], check=True)
                start = time.perf_counter()
                subprocess.run([binary, "quantize", "-input", str(train), "-output", out, "-cutoff", "100000",
                                "-retrain", "-qnorm", "-thread", str(threads), "-verbose", "0"], check=True,
                               capture_output=True)
                ft_time = time.perf_counter() - start
                text = subprocess.run([binary, "test", out + ".ftz", str(valid)], check=True, capture_output=True,
                                      text=True).stdout
                ft_acc = float(re.search(r"P@1\t(\S+)", text).group(1))
                ft_size = os.path.getsize(out + ".ftz")
            else:
                ft_time = ft_acc = ft_size = float("nan")
            model = ftx.train_supervised(str(train), epoch=25, wordNgrams=2, thread=threads, verbose=0, seed=run)
            start = time.perf_counter()
            model.quantize(input=str(train), cutoff=100000, retrain=True, qnorm=True, thread=threads, verbose=0)
            our_time = time.perf_counter() - start
            model.save_model(os.path.join(tmp, "ours.ftz"))
            rows.append(f"sms quantize run {run}: fastText {ft_size:,} bytes P@1 {ft_acc:.3f} in {ft_time:.1f}s; "
                        f"gensim_ftx {os.path.getsize(os.path.join(tmp, 'ours.ftz')):,} bytes "
                        f"P@1 {model.test(str(valid))[1]:.3f} in {our_time:.1f}s")
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        system, case, threads, seed, binary = sys.argv[2:7]
        train_name, valid_name, params, ks = CASES[case]
        train, valid = data_path(train_name), data_path(valid_name)
        runner = run_ours if system == "gensim_ftx" else run_fasttext_new if system == "fasttext-new" else \
            (lambda *a: run_fasttext(binary or None, *a))
        print(json.dumps(runner(train, valid, params, int(threads), int(seed), ks)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fasttext-bin", help="fastText binary built from source (else the fasttext package)")
    parser.add_argument("--cases", nargs="+", default=["cooking-softmax", "cooking-hs", "cooking-ova", "sms"],
                        choices=sorted(CASES) + ["quantize"])
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if "large" in args.cases:
        build_large()
    lines = []
    for case in [c for c in args.cases if c != "quantize"]:
        train_name, valid_name, params, ks = CASES[case]
        tokens = count_tokens(data_path(train_name)) * int(params.get("epoch", 5))
        # Interleaved (each repeat runs every thread count on both systems), so that machine
        # noise hits both systems and both thread counts alike.
        systems = _systems()
        by_threads = {t: {system: [] for system in systems} for t in args.threads}
        for run in range(args.repeat):
            for threads in args.threads:
                for system in systems:
                    by_threads[threads][system].append(run_child(system, case, threads, run, args.fasttext_bin))
        for threads, results in by_threads.items():
            for system, runs in results.items():
                rate = statistics.median(tokens / r["wall"] / threads for r in runs)
                train_rate = statistics.median(r["train_rate"] for r in runs)
                quality = []
                for k in ks:
                    for i, name in enumerate(("P", "R")):
                        values = [r["scores"][str(k)][i] for r in runs]
                        quality.append(f"{name}@{k} {statistics.median(values):.3f} ({min(values):.3f}-"
                                       f"{max(values):.3f})")
                lines.append(f"{case:16s} {system:10s} threads={threads} runs={len(runs)} training "
                             f"{train_rate:10,.0f} words/s/thread, whole command {rate:10,.0f}  " + "  ".join(quality))
            speeds = {system: (statistics.median(r["train_rate"] for r in runs),
                               statistics.median(tokens / r["wall"] / threads for r in runs))
                      for system, runs in results.items()}
            ours, theirs = speeds["gensim_ftx"], speeds["fastText"]
            lines.append(f"{'':16s} gensim_ftx / fastText: training {ours[0] / theirs[0]:.2f}x, "
                         f"whole command {ours[1] / theirs[1]:.2f}x")
            if "fasttext-new" in speeds:
                lines.append(f"{'':16s} gensim_ftx / fasttext-new: whole command "
                             f"{ours[1] / speeds['fasttext-new'][1]:.2f}x")
        if len(args.threads) > 1:
            lines += scaling_lines(by_threads)
    if "quantize" in args.cases:
        lines += quantize_case(args.fasttext_bin, args.repeat, args.threads[0])
    print(f"fastText: {args.fasttext_bin or 'the fasttext package'}; {os.cpu_count()} CPUs; medians (min-max)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
