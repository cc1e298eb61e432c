"""Side-by-side load benchmark of a fastText ``.bin``: gensim_ftx, gensim and fastText.

Every measurement runs in a fresh Python subprocess (``bench_load.py --worker CASE PATH``),
one after another, never two at once, and reports the wall time of the load call and the peak
resident set size (``VmHWM``) of that process. The file is read once beforehand so every case
starts with a warm page cache. Fast cases are repeated (``--repeat``) and reported as medians;
gensim's slow loads run ``--repeat-slow`` times.

Example
-------
    python compat/make_pretrained_like.py            # writes compat/work/cc.synthetic.300.bin
    python compat/bench_load.py compat/work/cc.synthetic.300.bin --json compat/work/bench.json
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_PATH = Path(__file__).resolve().parent / "work" / "cc.synthetic.300.bin"
RESULT_MARK = "BENCH_RESULT "
GIB = 2**30
OOV_ALPHABET = list("abcdefghijklmnopqrstuvwxyz" * 4 + "éèàüöñçøåš")

# gensim_ftx's targets on a cc.XX.300-sized model.
TARGET_MMAP_LOAD_S = 3.0
TARGET_VECTORS_RSS_OVER_INPUT = 1.05
TARGET_MODEL_RSS_OVER_FILE = 1.1
TARGET_OOV_SPEEDUP = 10.0


@dataclass(frozen=True)
class Case:
    """One benchmarked operation.

    ``name`` selects the worker, ``label`` is shown in the table, ``slow`` cases run
    ``--repeat-slow`` times, and ``peak_over_file`` estimates the peak RSS (as a multiple of the
    file size, on a cc.XX.300-shaped model) that must be available before the case starts.
    """

    name: str
    label: str
    peak_over_file: float
    slow: bool = False


CASES = (
    Case("ftx_vectors_mmap", "gensim_ftx load_facebook_vectors(mmap='r')", 0.5),
    Case("ftx_vectors", "gensim_ftx load_facebook_vectors()", 0.8),
    Case("ftx_model", "gensim_ftx load_facebook_model()", 1.1),
    Case("fasttext", "fasttext.load_model()", 1.1),
    Case("gensim_vectors", "gensim load_facebook_vectors()", 2.3, slow=True),
    Case("gensim_model", "gensim load_facebook_model()", 2.3, slow=True),
)


# ---------------------------------------------------------------------------------------------
# file layout and process measurements


@dataclass(frozen=True)
class Layout:
    """What the benchmark needs to know about a fastText v12 ``.bin`` without parsing it all."""

    size: int
    dim: int
    nwords: int
    bucket: int
    first_word: str

    @property
    def input_bytes(self) -> int:
        return 4 * self.dim * (self.nwords + self.bucket)


def read_layout(path: Path) -> Layout:
    """Read the header of a v12 fastText file: dim, bucket, word count and the first real word.

    Parameters
    ----------
    path : pathlib.Path
        A fastText ``.bin`` (format version 12, as Meta's pretrained models).

    Returns
    -------
    Layout
        The fields the table needs; ``first_word`` is entry 1 (entry 0 is ``</s>``).

    Raises
    ------
    ValueError
        If the file does not start with fastText's magic number and version 12.
    """
    with open(path, "rb") as stream:
        head = stream.read(1 << 16)
    magic, version = struct.unpack_from("<2i", head, 0)
    if magic != 793712314 or version != 12:
        raise ValueError(f"{path}: not a fastText version-12 .bin (magic {magic}, version {version})")
    dim, bucket = struct.unpack_from("<i", head, 8)[0], struct.unpack_from("<i", head, 8 + 4 * 8)[0]
    _, nwords, _ = struct.unpack_from("<3i", head, 64)
    entries = head[64 + 12 + 16:]
    first_end = entries.index(b"\0")
    second = entries[first_end + 10:]  # skip NUL, count (int64) and type (int8) of entry 0
    word = second[:second.index(b"\0")] if nwords > 1 else entries[:first_end]
    return Layout(path.stat().st_size, dim, nwords, bucket, word.decode("utf-8", errors="replace"))


def memory_status() -> dict[str, int]:
    """Current and peak resident set size of this process in bytes (``/proc/self/status``)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    values["ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return values


def mem_available() -> int:
    """``MemAvailable`` of the machine in bytes (free memory plus reclaimable page cache)."""
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_for_memory(needed: int, patience: float) -> int:
    """Wait up to ``patience`` seconds until ``needed`` bytes are available; return what is available.

    Other processes on the machine may hold memory for a while; starting a 15 GiB load next to
    them would only get it killed by the kernel's OOM killer.
    """
    deadline = time.monotonic() + patience
    available = mem_available()
    if available < needed:
        print(f"    waiting for {needed / GIB:.1f} GiB of available memory ({available / GIB:.1f} GiB now)",
              flush=True)
    while available < needed and time.monotonic() < deadline:
        time.sleep(5)
        available = mem_available()
    return available


def warm_cache(path: Path, block: int = 1 << 24) -> float:
    """Read the whole file once so that it sits in the page cache; return the seconds taken."""
    started = time.perf_counter()
    buffer = bytearray(block)
    with open(path, "rb", buffering=0) as stream:
        while stream.readinto(buffer):
            pass
    return time.perf_counter() - started


def oov_words(count: int, seed: int = 12345) -> list[str]:
    """Synthetic out-of-vocabulary candidates: random letters, 5-16 characters, a few accented.

    Parameters
    ----------
    count : int
        Words wanted; ``count + count // 50`` candidates are made so that the caller can drop
        the few that happen to be in the vocabulary and still keep ``count``.
    seed : int
        Seed of the generator: every worker gets the same words.

    Returns
    -------
    list of str
        Distinct words.
    """
    rng = np.random.default_rng(seed)
    total = count + count // 50
    lengths = rng.integers(5, 17, size=total)
    chars = np.array(OOV_ALPHABET)[rng.integers(0, len(OOV_ALPHABET), size=(total, 16))]
    words = ["".join(row[:n]) for row, n in zip(chars.tolist(), lengths.tolist())]
    return list(dict.fromkeys(words))


def timed(function: Callable[[], Any]) -> tuple[Any, float, float]:
    """Call ``function``; return its result, the wall seconds and this process's CPU seconds (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


# ---------------------------------------------------------------------------------------------
# workers (each runs in its own process)


def _store_rate(result: dict[str, Any], field: str, count: int, wall: float, cpu: float) -> None:
    """Record ``count`` words in ``wall`` seconds as words/s, and per CPU second as ``field + '_cpu'``."""
    result[field] = count / wall
    result[field + "_cpu"] = count / cpu if cpu > 0 else None


def rows_only(wv: Any, words: list[str], out: np.ndarray) -> Callable[[], None]:
    """A call that sums the rows of ``words`` into ``out`` with their ids already computed.

    It reads exactly the memory a bulk lookup reads, with the same threads and prefetching, but
    skips hashing and the vocabulary search: the floor for this machine's memory at the moment.
    """
    from gensim_ftx.text._compose import mean_rows
    from gensim_ftx.text.vectors import _as_rows, _in_parallel

    encoded = [w.encode("utf-8") for w in words]
    ends = np.cumsum([len(w) for w in encoded], dtype=np.int64)
    starts = ends - np.array([len(w) for w in encoded], dtype=np.int64)
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    indptr, ids = wv.hasher.csr(blob, starts, ends, word_ids=False)
    vocab, ngrams = _as_rows(wv.vectors_vocab, wv.vector_size), _as_rows(wv.vectors_ngrams, wv.vector_size)
    select = np.arange(len(words), dtype=np.int64)
    return lambda: _in_parallel(len(words), lambda a, b: mean_rows(indptr, ids, vocab, ngrams, out[a:b], select[a:b]))


def run_worker(case: str, path: Path, oov_count: int, oov_sample: int) -> dict[str, Any]:
    """Load ``path`` the way ``case`` says, look words up, and return the measurements.

    Parameters
    ----------
    case : str
        One of the :data:`CASES` names.
    path : pathlib.Path
        The model file.
    oov_count : int
        Out-of-vocabulary words for the rates: one batched call for gensim_ftx's vectors cases,
        one call per word for fastText.
    oov_sample : int
        The first ``oov_sample`` of them are looked up one by one with gensim and gensim_ftx.

    Returns
    -------
    dict
        Times in seconds, memory in bytes, rates in words per second (``*_cpu``: per CPU second).
    """
    layout = read_layout(path)
    candidates = oov_words(oov_count)
    started = time.perf_counter()
    if case.startswith("ftx_"):
        import gensim_ftx as library
    elif case.startswith("gensim_"):
        from gensim.models import fasttext as library
    else:
        import fasttext as library

        library.FastText.eprint = lambda *args, **kwargs: None  # silence its load_model warning
    import_s = time.perf_counter() - started
    before = memory_status()

    loaders = {
        "ftx_vectors_mmap": lambda: library.load_facebook_vectors(str(path), mmap="r"),
        "ftx_vectors": lambda: library.load_facebook_vectors(str(path)),
        "ftx_model": lambda: library.load_facebook_model(str(path)),
        "gensim_vectors": lambda: library.load_facebook_vectors(str(path)),
        "gensim_model": lambda: library.load_facebook_model(str(path)),
        "fasttext": lambda: library.load_model(str(path)),
    }
    loaded, load_s, load_cpu_s = timed(loaders[case])
    after_load = memory_status()
    if case == "fasttext":
        vector, is_known = loaded.get_word_vector, lambda w: loaded.get_word_id(w) >= 0
    else:
        wv = loaded.wv if case.endswith("_model") else loaded  # keep the model alive: no free in the timings
        vector, is_known = wv.__getitem__, wv.key_to_index.__contains__
    first, iv_s, _ = timed(lambda: vector(layout.first_word))
    oov = [w for w in candidates if not is_known(w)][:oov_count]
    unknown, oov_s, _ = timed(lambda: vector(oov[0]))
    result: dict[str, Any] = {
        "case": case, "import_s": import_s, "load_s": load_s, "load_cpu_s": load_cpu_s, "iv_lookup_s": iv_s,
        "oov_lookup_s": oov_s,
        "first_vector_s": load_s + iv_s, "rss_before": before["VmRSS"], "peak_rss_load": after_load["VmHWM"],
        "ru_maxrss_load": after_load["ru_maxrss"], "iv_head": np.asarray(first[:4]).tolist(),
        "oov_head": np.asarray(unknown[:4]).tolist(), "oov_words": len(oov),
    }
    if case in ("ftx_vectors_mmap", "ftx_vectors"):
        # The first batched call also maps (mmap) or first touches the n-gram rows; the second does not.
        _store_rate(result, "oov_bulk_rate", len(oov), *timed(lambda: wv[oov])[1:])
        _store_rate(result, "oov_bulk_rate_again", len(oov), *timed(lambda: wv[oov])[1:])
        # Batches written into one reused buffer (get_vectors(out=...)) skip a fresh result's page faults.
        buffer = wv.get_vectors(oov)
        _store_rate(result, "oov_bulk_rate_reused", len(oov), *timed(lambda: wv.get_vectors(oov, out=buffer))[1:])
        sum_rows = rows_only(wv, oov, buffer)
        _store_rate(result, "oov_rows_only_rate", len(oov), *timed(sum_rows)[1:])
    if case in ("ftx_vectors_mmap", "gensim_vectors", "fasttext"):
        words = oov if case == "fasttext" else oov[:oov_sample]
        _store_rate(result, "oov_per_word_rate", len(words), *timed(lambda: [vector(w) for w in words])[1:])
        result["oov_per_word_timed"] = len(words)
    result["peak_rss_total"] = memory_status()["VmHWM"]
    return result


# ---------------------------------------------------------------------------------------------
# driver


def run_case(case: Case, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run one worker subprocess; return its measurements, or ``{"error": ...}``."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", case.name, str(path),
               "--oov", str(args.oov), "--oov-sample", str(args.oov_sample)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"case": case.name, "error": f"timed out after {args.timeout} s"}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    killed = " (SIGKILL: out of memory?)" if done.returncode == -9 else ""
    return {"case": case.name, "error": f"exit {done.returncode}{killed}: " + " | ".join(tail)}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric field over successful runs (first run's other fields)."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"error": runs[-1]["error"], "runs": 0}
    merged: dict[str, Any] = dict(good[0])
    for key in good[0]:
        values = [r.get(key) for r in good]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            merged[key] = statistics.median(values)
    merged["runs"] = len(good)
    merged["load_s_all"] = [r["load_s"] for r in good]
    return merged


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    """Format ``value`` with ``spec`` (which may carry a width); ``-`` of the same width when missing."""
    if value is None:
        width = spec.split(".")[0]
        return "-".rjust(int(width) + len(suffix)) if width.isdigit() else "-"
    return format(value, spec) + suffix


def table_rows(results: dict[str, dict[str, Any]], layout: Layout, oov: int) -> list[dict[str, Any]]:
    """Rows of the summary table: the load cases, time to first vector and the OOV rates."""
    def get(case: str, key: str) -> float | None:
        return results.get(case, {}).get(key)

    gensim_for = {"ftx_vectors_mmap": "gensim_vectors", "ftx_vectors": "gensim_vectors",
                  "ftx_model": "gensim_model"}
    rows = []
    for case in CASES:
        if case.name not in results:
            continue
        res = results[case.name]
        peak = res.get("peak_rss_load")
        rows.append({
            "case": case.label + (" *" if "reused" in res else ""), "key": case.name,
            "runs": res.get("runs", 0), "error": res.get("error"),
            "wall_s": res.get("load_s"), "peak_rss_gib": None if peak is None else peak / GIB,
            "rss_over_file": _ratio(peak, layout.size), "rss_over_input": _ratio(peak, layout.input_bytes),
            "vs_gensim": _ratio(get(gensim_for.get(case.name, case.name), "load_s"), res.get("load_s")),
            "vs_fasttext": _ratio(get("fasttext", "load_s"), res.get("load_s")),
            "note": f"CPU {_fmt(res.get('load_cpu_s'), '.2f')} s; import {_fmt(res.get('import_s'), '.2f')}"
                    f" s, base RSS {_fmt((res.get('rss_before') or 0) / GIB, '.2f')} GiB",
        })
        if case.name == "ftx_vectors_mmap" and "error" not in res:
            rows.append({**rows[-1], "case": "  ... + first in-vocab vector", "key": "ftx_first_vector",
                         "wall_s": res["first_vector_s"],
                         "vs_gensim": _ratio(get("gensim_vectors", "first_vector_s"), res["first_vector_s"]),
                         "vs_fasttext": _ratio(get("fasttext", "first_vector_s"), res["first_vector_s"]),
                         "note": f"lookup {res['iv_lookup_s'] * 1e3:.2f} ms, "
                                 f"OOV {res['oov_lookup_s'] * 1e3:.2f} ms"})
    gensim_rate = get("gensim_vectors", "oov_per_word_rate")
    fasttext_rate = get("fasttext", "oov_per_word_rate")
    per_word, bulk = "oov_per_word_rate", "oov_bulk_rate"
    for key, label, case, field in (
            ("oov_ftx_bulk", f"OOV x{oov:,}: gensim_ftx wv[list] (mmap)", "ftx_vectors_mmap", bulk),
            ("oov_ftx_bulk_mem", f"OOV x{oov:,}: gensim_ftx wv[list] (in memory)", "ftx_vectors", bulk),
            ("oov_ftx_word", "OOV per word: gensim_ftx wv[w] (mmap)", "ftx_vectors_mmap", per_word),
            ("oov_gensim_word", "OOV per word: gensim wv[w]", "gensim_vectors", "oov_per_word_rate"),
            ("oov_fasttext_word", "OOV per word: fastText get_word_vector", "fasttext", "oov_per_word_rate")):
        rate = get(case, field)
        if rate is None:
            continue
        rows.append({"case": label, "key": key, "runs": results[case].get("runs", 0), "error": None,
                     "wall_s": oov / rate, "peak_rss_gib": results[case]["peak_rss_total"] / GIB,
                     "rss_over_file": None, "rss_over_input": None,
                     "vs_gensim": _ratio(rate, gensim_rate), "vs_fasttext": _ratio(rate, fasttext_rate),
                     "note": f"{rate:,.0f} words/s ({_fmt(results[case].get(field + '_cpu'), ',.0f')} "
                             f"per CPU s)" + _rate_note(key, results[case])})
    return rows


def _rate_note(key: str, result: dict[str, Any]) -> str:
    if key.startswith("oov_ftx_bulk"):
        return (f"; same call again: {result['oov_bulk_rate_again']:,.0f} words/s; into a reused buffer: "
                f"{result['oov_bulk_rate_reused']:,.0f} words/s; summing the same rows with ids precomputed: "
                f"{result['oov_rows_only_rate']:,.0f} words/s")
    if key == "oov_gensim_word":
        return f" (timed {result.get('oov_per_word_timed'):,}, scaled)"
    return ""


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print the rows as a fixed-width table."""
    header = (f"{'case':<46} {'runs':>4} {'wall s':>8} {'peak RSS GiB':>12} {'RSS/file':>8} "
              f"{'RSS/input':>9} {'vs gensim':>9} {'vs fastText':>11}  note")
    print(header)
    print("-" * len(header))
    for row in rows:
        if row["error"]:
            print(f"{row['case']:<46} ERROR {row['error']}")
            continue
        print(f"{row['case']:<46} {row['runs']:>4} {_fmt(row['wall_s'], '8.3f')} "
              f"{_fmt(row['peak_rss_gib'], '12.2f')} {_fmt(row['rss_over_file'], '8.2f')} "
              f"{_fmt(row['rss_over_input'], '9.2f')} {_fmt(row['vs_gensim'], '8.1f', 'x')} "
              f"{_fmt(row['vs_fasttext'], '10.1f', 'x')}  {row['note']}")


def check_targets(results: dict[str, dict[str, Any]], layout: Layout) -> list[dict[str, Any]]:
    """Evaluate gensim_ftx's targets; each has a name, the measured value, the limit and a verdict."""
    def get(case: str, key: str) -> float | None:
        return results.get(case, {}).get(key)

    # in memory, as gensim holds its vectors; the first call, with a fresh result array
    bulk, per_word = get("ftx_vectors", "oov_bulk_rate"), get("gensim_vectors", "oov_per_word_rate")
    checks = [
        ("vectors-only load with mmap='r' (s)", get("ftx_vectors_mmap", "load_s"), TARGET_MMAP_LOAD_S, "<="),
        ("in-memory vectors peak RSS / input matrix bytes",
         _ratio(get("ftx_vectors", "peak_rss_load"), layout.input_bytes), TARGET_VECTORS_RSS_OVER_INPUT,
         "<="),
        ("full model peak RSS / file size", _ratio(get("ftx_model", "peak_rss_load"), layout.size),
         TARGET_MODEL_RSS_OVER_FILE, "<="),
        ("bulk OOV rate (in memory, first call) / gensim per-word rate", _ratio(bulk, per_word),
         TARGET_OOV_SPEEDUP, ">="),
        ("bulk OOV rate, reused buffer (in memory) / gensim per-word rate",
         _ratio(get("ftx_vectors", "oov_bulk_rate_reused"), per_word), TARGET_OOV_SPEEDUP, ">="),
    ]
    out = []
    for name, value, limit, sense in checks:
        if value is None:
            verdict = "N/A"
        else:
            verdict = "PASS" if (value <= limit if sense == "<=" else value >= limit) else "FAIL"
        out.append({"target": name, "value": value, "limit": limit, "sense": sense, "verdict": verdict})
    return out


def _describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return result["error"]
    return (f"load {result['load_s']:.3f} s (CPU {result['load_cpu_s']:.2f} s), peak RSS "
            f"{result['peak_rss_load'] / GIB:.2f} GiB, total peak {result['peak_rss_total'] / GIB:.2f} GiB")


def package_revision() -> str:
    """The git commit of the checkout this script lives in, marked when gensim_ftx has local changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "gensim_ftx"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes" if dirty else "")


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    """Warm the cache, run every selected case sequentially, print the table and the targets."""
    path = args.path.resolve()
    layout = read_layout(path)
    print(f"file: {path}\n  {layout.size:,} bytes ({layout.size / GIB:.2f} GiB), {layout.nwords:,} words, "
          f"{layout.bucket:,} buckets, dim {layout.dim}, input matrix {layout.input_bytes:,} bytes; "
          f"first word {layout.first_word!r}\ngensim_ftx checkout: {package_revision()}; "
          f"MemAvailable {mem_available() / GIB:.1f} GiB, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    selected = [c for c in CASES if not args.cases or c.name in args.cases]
    results: dict[str, dict[str, Any]] = {}
    if args.reuse:
        earlier = json.loads(args.reuse.read_text())["results"]
        for case in CASES:
            if case not in selected and case.name in earlier and "error" not in earlier[case.name]:
                results[case.name] = earlier[case.name] | {"reused": str(args.reuse)}
                print(f"  {case.name}: reusing the result in {args.reuse}")
    for case in selected:
        repeats = args.repeat_slow if case.slow else args.repeat
        runs = []
        for index in range(repeats):
            warm_s = warm_cache(path) if not args.no_warm else 0.0
            available = wait_for_memory(int(case.peak_over_file * layout.size) + GIB, args.mem_wait)
            res = run_case(case, path, args)
            res["mem_available_at_start"] = available
            runs.append(res)
            print(f"  {case.name} run {index + 1}/{repeats} (cache re-read {warm_s:.1f} s): {_describe(res)}",
                  flush=True)
        results[case.name] = median_of(runs)
    cache = "cold cache (--no-warm)" if args.no_warm else "warm cache (file read fully before every run)"
    print(f"\nResults: medians of {args.repeat} runs for gensim_ftx and fastText, {args.repeat_slow} run(s) "
          f"for gensim's slow loads; {cache}; each run a fresh process, run sequentially.\n"
          f"wall s = the load call alone (OOV rows: seconds for {args.oov:,} words); peak RSS = VmHWM of "
          f"the process after the load, interpreter and imports included (OOV rows: after the lookups).\n"
          f"vs gensim / vs fastText = speedup (their time / this time; for OOV rows, rate ratio).\n")
    rows = table_rows(results, layout, args.oov)
    print_table(rows)
    reused = sorted({res["reused"] for res in results.values() if "reused" in res})
    if reused:
        print(f"* measured in an earlier run of this script, reused from {', '.join(reused)}")
    targets = check_targets(results, layout)
    print("\nTargets (gensim_ftx):")
    for t in targets:
        limit = f"target {t['sense']} {t['limit']}"
        print(f"  {t['verdict']:<4}  {t['target']}: {_fmt(t['value'], '.3f')} ({limit})")
    ok = {name for name, res in results.items() if "error" not in res}
    agree = [c for c in ("ftx_vectors_mmap", "ftx_vectors", "ftx_model") if c in ok and "fasttext" in ok]
    for name in agree:
        diff = max(np.max(np.abs(np.subtract(results[name][k], results["fasttext"][k])))
                   for k in ("iv_head", "oov_head"))
        print(f"  check: {name} vectors vs fastText, max |diff| of the first components {diff:.2e}")
    report = {"file": str(path), "gensim_ftx_revision": package_revision(),
              "layout": dataclasses.asdict(layout) | {"input_bytes": layout.input_bytes},
              "cache": cache, "repeat": args.repeat, "repeat_slow": args.repeat_slow, "oov_words": args.oov,
              "results": results, "table": rows, "targets": targets}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        print(f"\nwrote {args.json}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("path", type=Path, nargs="?", default=DEFAULT_PATH, help="fastText .bin file")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each gensim_ftx and fastText case")
    parser.add_argument("--repeat-slow", type=int, default=1, help="runs of each gensim case")
    parser.add_argument("--oov", type=int, default=100_000, help="out-of-vocabulary words for the rates")
    parser.add_argument("--oov-sample", type=int, default=10_000,
                        help="words looked up one by one for gensim's and gensim_ftx's per-word rates")
    parser.add_argument("--cases", nargs="+", choices=[c.name for c in CASES], help="run only these cases")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one worker")
    parser.add_argument("--no-warm", action="store_true", help="do not read the file before each run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--reuse", type=Path,
                        help="take the cases not run now (see --cases) from this earlier --json report")
    parser.add_argument("--mem-wait", type=float, default=900,
                        help="seconds to wait for enough available memory before each case")
    parser.add_argument("--worker", choices=[c.name for c in CASES], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.repeat_slow < 1 or args.oov < 1 or args.oov_sample < 1:
        parser.error("--repeat, --repeat-slow, --oov and --oov-sample must be positive")
    if args.worker:
        result = run_worker(args.worker, args.path, args.oov, args.oov_sample)
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0
    run_all(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
