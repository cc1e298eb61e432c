"""Dask benchmark: prediction throughput on 1 and 2 worker processes, worker memory with a
memory-mapped model of more than 1 GB, and vocabulary counting of en17m, side by side in one run.

    python compat/bench_dask.py --repeat 3

- Throughput: ``--lines`` (default 1,000,000) lines of en17m text (16 words each) read by the
  workers with ``dask.bag.read_text`` and labelled with ``gensim_ftx.dask.predict``; the figure is
  lines/s of the whole computation (reading, scoring, a ``value_counts`` of the labels). Beside it,
  the same lines labelled in one process by the ``fasttext`` package (``predict(list)``) and by
  ``gensim_ftx`` without Dask. Models: Meta's ``lid.176.ftz`` and a classifier of more than 1 GB
  (2.6M buckets, dim 100) trained here on the benchmark set of ``bench_supervised.py``.
- Memory: each worker's RSS, PSS and private memory (``/proc/PID/smaps_rollup``) and those of the
  model's mapping alone, after labelling every line with the large model.
- Counting: ``gensim_ftx.dask.count_vocabulary`` of en17m (one 100 MB line, split into blocks at
  token boundaries) on 1 and 2 workers against one local pass; the counts must be equal.

Runs are interleaved (each repeat runs every configuration) and figures are medians; the machine
is shared, so compare figures of one run only.
"""
from __future__ import annotations

import argparse
import lzma
import os
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"
WORK = HERE / "work"
LID = DATA / "models" / "lid.176.ftz"


def make_lines(count: int, words_per_line: int = 16) -> Path:
    path = WORK / f"dask_lines_{count}.txt"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        with lzma.open(DATA / "en17m.txt.xz", "rt") as src:
            words = src.read().split()
        span = len(words) - words_per_line
        lines = [" ".join(words[start:start + words_per_line])
                 for start in ((i * words_per_line) % span for i in range(count))]
        path.write_text("\n".join(lines) + "\n")
    return path


def make_en17m() -> Path:
    path = WORK / "en17m.txt"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        with lzma.open(DATA / "en17m.txt.xz", "rb") as src, open(path, "wb") as out:
            while block := src.read(1 << 24):
                out.write(block)
    return path


def make_big_model() -> Path:
    """A classifier of more than 1 GB: 2.6M n-gram buckets of dim 100, one epoch on the large set."""
    path = WORK / "big_classifier.bin"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from bench_supervised import build_large

        from gensim_ftx import fasttext as ftx

        build_large()
        model = ftx.train_supervised(str(WORK / "large.train"), epoch=1, wordNgrams=2, bucket=2_600_000, dim=100,
                                     thread=2, verbose=0)
        model.save_model(str(path))
    return path


def memory(path: str) -> dict:
    """This process' memory (kB): the whole process and the mapping of ``path`` alone."""
    fields = ("Rss", "Pss", "Private_Clean", "Private_Dirty")
    whole = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            name, _, value = line.partition(":")
            if name in fields:
                whole[name] = int(value.split()[0])
    mapped = dict.fromkeys(fields, 0)
    inside = False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                inside = len(head) >= 6 and head[-1] == path
            elif inside and head and head[0].rstrip(":") in fields:
                mapped[head[0].rstrip(":")] += int(head[1])
    return {"process": whole, "model": mapped}


def cpu_seconds() -> float:
    """CPU time this process has used (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dask_predict(client, lines: Path, model: str, partitions: int) -> tuple[float, object, float, float]:
    """Wall seconds, label counts, and the CPU seconds the workers and this process (client and
    scheduler) spent in them."""
    import dask.bag as db

    from gensim_ftx import dask as ftx_dask

    size = os.path.getsize(lines)
    texts = db.read_text(str(lines), blocksize=size // partitions + 1)
    workers_before = sum(client.run(cpu_seconds).values())
    own_before = cpu_seconds()
    start = time.perf_counter()
    counts = ftx_dask.predict(texts, model, k=1)["label_1"].value_counts(split_out=1).compute()
    elapsed = time.perf_counter() - start
    own = cpu_seconds() - own_before
    workers = sum(client.run(cpu_seconds).values()) - workers_before
    return elapsed, counts, workers, own


def local_predictions(lines: Path, model: str) -> dict:
    """The same lines labelled in one process: fastText's package and gensim_ftx without Dask."""
    import fasttext

    from gensim_ftx.partitions import predict_partition

    texts = lines.read_text().splitlines()
    start = time.perf_counter()
    theirs = fasttext.load_model(model).predict(texts, k=1)[0]
    fasttext_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = predict_partition(texts, model, k=1)["label_1"]
    ours_s = time.perf_counter() - start
    agree = sum(a[0] == b for a, b in zip(theirs, ours.tolist())) / len(texts)
    return {"fasttext_s": fasttext_s, "gensim_ftx_s": ours_s, "agree": agree, "counts": ours.value_counts()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--blocksize", type=int, default=8 << 20, help="counting blocks, bytes")
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    from gensim_ftx import dask as ftx_dask
    from gensim_ftx.partitions import preload
    from gensim_ftx.text._counts import count_words

    lines = make_lines(args.lines)
    big = make_big_model()
    corpus = make_en17m()
    models = {"lid.176.ftz": str(LID), f"big {big.stat().st_size / 2**30:.2f} GiB": str(big)}
    report = [f"{os.cpu_count()} CPUs; {args.lines:,} lines; medians of {args.repeat} (min-max)"]

    for name, model in models.items():
        local = local_predictions(lines, model)
        report.append(f"{name:18s} one process: fastText predict(list) {args.lines / local['fasttext_s']:10,.0f} "
                      f"lines/s, gensim_ftx {args.lines / local['gensim_ftx_s']:10,.0f} lines/s "
                      f"(labels equal on {100 * local['agree']:.2f}% of lines)")
        times: dict[int, list[float]] = {1: [], 2: []}
        busy: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        worker_memory = []
        for _ in range(args.repeat):
            for workers in (1, 2):
                with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, Client(cluster) as client:
                    client.run(preload, model)  # each worker maps the model once, before the clock
                    elapsed, counts, worker_cpu, own_cpu = dask_predict(client, lines, model, args.partitions)
                    busy[workers].append((worker_cpu / elapsed, own_cpu / elapsed))
                    if counts.to_dict() != local["counts"].to_dict():
                        raise SystemExit(f"{name}: Dask label counts differ from the local ones")
                    times[workers].append(elapsed)
                    if workers == 2 and model == str(big):
                        worker_memory = list(client.run(memory, os.path.realpath(model)).values())
        rates = {w: [args.lines / t for t in ts] for w, ts in times.items()}
        ratios = [b / a for a, b in zip(rates[1], rates[2])]
        for workers, values in rates.items():
            report.append(f"{name:18s} dask {workers} worker{'s' if workers > 1 else ' '}: "
                          f"{statistics.median(values):10,.0f} lines/s ({min(values):,.0f}-{max(values):,.0f}); "
                          f"CPU-s per s: workers {statistics.median(b[0] for b in busy[workers]):.2f}, "
                          f"client and scheduler {statistics.median(b[1] for b in busy[workers]):.2f}")
        report.append(f"{name:18s} 1 -> 2 workers: x{statistics.median(ratios):.2f} "
                      f"({min(ratios):.2f}-{max(ratios):.2f})")
        for i, mem in enumerate(worker_memory):
            whole, mapped = mem["process"], mem["model"]
            report.append(
                f"{name:18s} worker {i}: process RSS {whole['Rss'] / 1024:7.1f} MiB, PSS {whole['Pss'] / 1024:7.1f}, "
                f"private {(whole['Private_Clean'] + whole['Private_Dirty']) / 1024:7.1f}; model mapping RSS "
                f"{mapped['Rss'] / 1024:7.1f} MiB, PSS {mapped['Pss'] / 1024:7.1f}, private "
                f"{(mapped['Private_Clean'] + mapped['Private_Dirty']) / 1024:5.1f} "
                f"(file {big.stat().st_size / 2**20:,.0f} MiB)")

    start = time.perf_counter()
    words, counts, ntokens = count_words(corpus)
    local_s = time.perf_counter() - start
    report.append(f"count en17m ({corpus.stat().st_size / 1e6:.0f} MB, {ntokens:,} tokens, {len(words):,} words): "
                  f"local one pass {local_s:.2f} s")
    for workers in (1, 2):
        spent = []
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster):
            for _ in range(args.repeat):
                start = time.perf_counter()
                counted = ftx_dask.count_vocabulary(str(corpus), blocksize=args.blocksize).compute()
                spent.append(time.perf_counter() - start)
                if counted.words != words or counted.counts.tolist() != counts.tolist() or counted.ntokens != ntokens:
                    raise SystemExit("Dask counts differ from the local count")
        report.append(f"count en17m: dask {workers} worker{'s' if workers > 1 else ' '} "
                      f"{statistics.median(spent):.2f} s ({min(spent):.2f}-{max(spent):.2f}), "
                      f"{len(range(0, corpus.stat().st_size, args.blocksize))} blocks; counts equal the local count")
    print("\n".join(report))


if __name__ == "__main__":
    main()
