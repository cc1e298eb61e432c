#!/usr/bin/env python
"""Run the Python examples of fastText's documentation against ``fasttext`` and ``gensim_ftx.fasttext``.

    python compat/fasttext_docs/run.py --source ~/src/fastText        # a fastText source tree
    python compat/fasttext_docs/run.py --source ~/src/fastText -v     # also show both outputs of every snippet
    python compat/fasttext_docs/run.py --source ~/src/fastText --only supervised-tutorial.md --keep

What runs (read from the tree at run time; nothing of fastText's docs or code is kept in this project):

* the ```py / ```python blocks of the pages in ``PAGES`` (``docs/*.md``). Interactive blocks lose their
  ``>>>`` / ``...`` prompts and their output lines; every top-level statement is compiled in ``'single'``
  mode, so an expression's value is shown (its repr) as the interactive interpreter would. Blocks that are
  only lists of names with comments (the parameter lists of python-module.md) are not code and are skipped.
  A page's snippets run in order in one process per side, so names and saved files carry over;
* the scripts ``python/doc/examples/*.py`` with the arguments in ``EXAMPLES``, one process each.

Each page / script runs twice in fresh subprocesses (``--timeout`` each), in a fresh temporary working
directory holding the data under the names the docs use (``DATA_FILES``): once as written (``import
fasttext``, the reference) and once with the imports rewritten to ``gensim_ftx`` (``rewrite_imports``).
Both sides get the same ``OVERRIDES`` (smaller training settings, applied to the calls' keywords) and the
same offline stand-ins (``OFFLINE``).

Comparison, snippet by snippet, of what it prints, the values it shows and the exceptions it raises:

* pages that train (``TRAINED``): the two engines train differently, so values are compared by shape:
  types, lengths, integers, numpy dtypes and shapes exactly, strings and floats only by type (floats must
  be finite); printed text with its decimal numbers masked. Exactly equal output is ``same``, equal shape
  is ``same~``;
* the other pages and scripts read the same model files on both sides (Meta's lid.176.ftz, models the
  reference trains once in the preparation step): output must be equal, decimal numbers within
  ``RTOL``/``ATOL``;
* exceptions: type and message exactly.

A snippet is ``same`` / ``same~`` / ``differs`` / ``ref-fails`` (the reference raises, gensim_ftx does not:
e.g. fasttext 0.9.3's ``predict`` on numpy 2) / ``ours-fails`` (gensim_ftx raises where the reference does
not, or raises something else) / ``skipped``. The exit status is 0 when nothing ``differs`` or
``ours-fails`` outside ``DEVIATIONS``.
"""
from __future__ import annotations

import argparse
import ast
import json
import lzma
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

PAGES = ("python-module.md", "supervised-tutorial.md", "unsupervised-tutorials.md", "autotune.md",
         "language-identification.md", "crawl-vectors.md", "english-vectors.md", "cheatsheet.md")

# script -> argument lists (one run per list); the model files are the reference's, made by prepare()
EXAMPLES: dict[str, list[list[str]]] = {
    "bin_to_vec.py": [["ref_fil9.bin"]],
    "get_vocab.py": [["ref_fil9.bin"], ["-l", "ref_cooking.bin"]],
    "compute_accuracy.py": [["ref_fil9.bin", "questions-words.txt", "30000"]],
    "train_supervised.py": [[]],
    "train_unsupervised.py": [[]],
}
# scripts not run, and why
SKIPPED_EXAMPLES = {
    "FastTextEmbeddingBag.py": "needs torch (a torch EmbeddingBag fed with get_input_matrix/get_subwords); it also "
                               "calls time.clock, gone since Python 3.8",
}

# pages / scripts whose models are trained by each engine: compared by shape, not value
TRAINED = {"python-module.md", "supervised-tutorial.md", "unsupervised-tutorials.md", "autotune.md",
           "train_supervised.py", "train_unsupervised.py"}

RTOL, ATOL = 1e-4, 1e-6  # for decimal numbers read from the same model file on both sides

# Training budget: (function, keyword, cap, condition). The keyword is set to min(the value the docs pass,
# cap), or to cap when the docs pass none; condition "k" applies it only to calls passing keyword k, "!k"
# only to calls without it. Applied to both sides alike.
OVERRIDES = (
    # the docs train on fil9 (~1G characters) with dim 100..300 for 5 epochs: here a 3 MB slice, 1 epoch
    ("train_unsupervised", "epoch", 1, None),
    ("train_unsupervised", "dim", 32, None),
    ("train_unsupervised", "bucket", 200_000, None),   # 2M buckets: 256 MB a model, twice per page
    # cooking: 25 epochs of softmax over 734 labels take ~25 s per call in fasttext on 2 cores
    # (not with autotune: a keyword passed explicitly is one autotune leaves alone)
    ("train_supervised", "epoch", 5, "!autotuneValidationFile"),
    ("train_supervised", "bucket", 200_000, "!autotuneValidationFile"),  # .bin files saved with wordNgrams=2
    # autotune's default budget is 300 s (the docs also ask for 600 s)
    ("train_supervised", "autotuneDuration", 10, "autotuneValidationFile"),
)

# Offline stand-ins, installed in both sides' processes: huggingface_hub.hf_hub_download returns the
# local file standing in for the repository's model (the package need not be installed).
OFFLINE = {
    "facebook/fasttext-language-identification": "lid.176.bin",
    "facebook/fasttext-en-vectors": "cc.en.300.bin",
}

# snippet id -> why gensim_ftx's result may differ from fastText's (reported, not counted as failures)
DEVIATIONS: dict[str, str] = {
    "supervised-tutorial.md#1": (
        "help(fasttext.FastText) prints the module's own pydoc page (its docstrings, file path, helper "
        "functions): gensim_ftx's module is another module. The snippet runs; the text is not API output"),
    "autotune.md#5": (
        "os.stat(...).st_size of the model autotune picked (autotuneModelSize='2M'): a trained value shown as an "
        "int. With autotuneDuration capped at 10 s fastText 0.9.3 saved 6,382,062 bytes (over the 2M target, its "
        "test() equal to the untuned model's), gensim_ftx 1,567,313 (under it, as the docs promise)"),
    "train_unsupervised.py": (
        "prints the Spearman correlation of a model each engine trains, x100 rounded to an integer "
        "('{1:2.0f}'), so the trained value reads as an integer and is compared exactly; the two engines "
        "train differently (here 1 epoch on a 3 MB slice, wordsim353 standing in for rw.txt)"),
}

FIL9_BYTES = 3_000_000      # the fil9 / data.txt stand-in: this many bytes of en17m (text8 format, one line)
CC_SRC_BYTES = 1_000_000     # the text the cc.en.300.bin stand-in is trained on


# --------------------------------------------------------------------------------------------- extraction

FENCE = re.compile(r"^\s*```\s*(\w*)\s*$")
NAME_LIST = re.compile(r"^\s*([A-Za-z_]\w*\s*)?(#.*)?$")


def extract_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of each ```py / ```python block."""
    blocks, body, start, lang = [], None, 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if body is None and match:
            body, start, lang = [], number, match.group(1).lower()
        elif body is not None and match and not match.group(1):
            if lang in ("py", "python"):
                blocks.append((start, "\n".join(body)))
            body = None
        elif body is not None:
            body.append(line)
    return blocks


def block_code(body: str) -> str | None:
    """The code of a block: prompts stripped and output dropped; None for a list of names (not code)."""
    lines = body.splitlines()
    if any(line.lstrip().startswith(">>>") for line in lines):
        code = []
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith(">>>") or (stripped.startswith("...") and code):
                code.append(stripped[4:] if stripped[3:4] == " " else stripped[3:])
        return "\n".join(code)
    if all(NAME_LIST.match(line) for line in lines if line.strip()):
        return None
    return textwrap.dedent(body)


class _Override(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        keywords = {kw.arg: kw for kw in node.keywords}
        for function, key, cap, condition in OVERRIDES:
            if name != function or (condition and (condition.lstrip("!") in keywords) == condition.startswith("!")):
                continue
            kw = keywords.get(key)
            if kw is None:
                node.keywords.append(ast.keyword(arg=key, value=ast.Constant(cap)))
            elif isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, (int, float)):
                kw.value = ast.Constant(min(kw.value.value, cap))
            else:
                kw.value = ast.Constant(cap)
        return node


def apply_overrides(code: str) -> str:
    tree = ast.parse(code)
    before = ast.dump(tree)
    tree = ast.fix_missing_locations(_Override().visit(tree))
    return code if ast.dump(tree) == before else ast.unparse(tree)


def rewrite_imports(code: str) -> str:
    """``fasttext`` -> ``gensim_ftx.fasttext``, keeping the names the code binds."""
    code = re.sub(r"^(\s*)import fasttext\.util\b[ \t]*$",
                  r"\1from gensim_ftx import fasttext; from gensim_ftx.fasttext import util as _ftx_util; "
                  r"fasttext.util = _ftx_util", code, flags=re.M)
    code = re.sub(r"^(\s*)import fasttext\b[ \t]*$", r"\1from gensim_ftx import fasttext", code, flags=re.M)
    code = re.sub(r"^(\s*)from fasttext((?:\.\w+)*) import\b", r"\1from gensim_ftx.fasttext\2 import", code,
                  flags=re.M)
    if re.search(r"^\s*(import|from)\s+fasttext\b", code, flags=re.M):
        raise ValueError(f"an import of fasttext was not rewritten:\n{code}")
    return code


def collect(source: str, only: set[str] | None) -> list[dict]:
    """Jobs: one per page / script run, each with its snippets."""
    jobs = []
    for page in PAGES:
        path = os.path.join(source, "docs", page)
        if not os.path.isfile(path) or (only and page not in only):
            continue
        with open(path, encoding="utf-8") as handle:
            blocks = extract_blocks(handle.read())
        snippets = []
        for number, (line, body) in enumerate(blocks, 1):
            code = block_code(body)
            snippet = {"id": f"{page}#{number}", "line": line, "script": None}
            if code is None:
                snippet["skip"] = "a list of names with comments, not code"
            else:
                snippet["code"] = apply_overrides(code)
            snippets.append(snippet)
        if snippets:
            jobs.append({"name": page, "trained": page in TRAINED, "snippets": snippets})
    examples = os.path.join(source, "python", "doc", "examples")
    for script in sorted(os.listdir(examples)) if os.path.isdir(examples) else ():
        if not script.endswith(".py") or (only and script not in only):
            continue
        if script in SKIPPED_EXAMPLES or script not in EXAMPLES:
            reason = SKIPPED_EXAMPLES.get(script, "no arguments for it in EXAMPLES")
            jobs.append({"name": script, "trained": False,
                         "snippets": [{"id": script, "line": 0, "script": [], "skip": reason}]})
            continue
        with open(os.path.join(examples, script), encoding="utf-8") as handle:
            code = apply_overrides(handle.read())
        for argv in EXAMPLES[script]:
            name = " ".join([script, *argv])
            jobs.append({"name": name, "trained": script in TRAINED,
                         "snippets": [{"id": name, "line": 0, "script": [script, *argv], "code": code}]})
    return jobs


# ------------------------------------------------------------------------------------------- preparation

PREPARE = '''
import fasttext
model = fasttext.train_unsupervised("cc_src.txt", dim=300, epoch=5, lr=0.1, bucket=20000, thread=2, verbose=0)
model.save_model("cc.en.300.bin")
fasttext.train_unsupervised("fil9", dim=32, epoch=1, bucket=200000, thread=1, verbose=0).save_model("ref_fil9.bin")
fasttext.train_supervised("cooking.train", epoch=5, thread=1, verbose=0).save_model("ref_cooking.bin")
'''


def prepare(data: str, shared: str) -> dict[str, str]:
    """Write the shared, read-only data directory; return {name in the docs: file}."""
    from gensim.test.utils import datapath  # questions-words.txt, wordsim353.tsv

    cooking = os.path.join(data, "cooking")
    files = {
        "cooking.train": os.path.join(cooking, "cooking.train"),
        "cooking.valid": os.path.join(cooking, "cooking.valid"),
        "data.train.txt": os.path.join(cooking, "cooking.train"),  # python-module.md's names
        "test.txt": os.path.join(cooking, "cooking.valid"),
        "lid.176.bin": os.path.join(data, "models", "lid.176.ftz"),
        "lid.176.ftz": os.path.join(data, "models", "lid.176.ftz"),
        "questions-words.txt": datapath("questions-words.txt"),
    }
    with lzma.open(os.path.join(data, "en17m.txt.xz"), "rb") as handle:
        text = handle.read(FIL9_BYTES)
    text = text[:text.rfind(b" ")] + b"\n"
    for name, content in (("fil9", text), ("cc_src.txt", text[:CC_SRC_BYTES])):
        with open(os.path.join(shared, name), "wb") as out:
            out.write(content)
    with open(datapath("wordsim353.tsv"), encoding="utf-8") as src, \
            open(os.path.join(shared, "rw.txt"), "w", encoding="utf-8") as out:  # stands in for Stanford RW
        out.writelines(line for line in src if not line.startswith("#"))
    for name in ("cooking.train",):
        shutil.copy(files[name], os.path.join(shared, name))
    subprocess.run([sys.executable, "-c", PREPARE], cwd=shared, check=True, stdout=subprocess.DEVNULL)
    for name in ("fil9", "rw.txt", "cc.en.300.bin", "ref_fil9.bin", "ref_cooking.bin"):
        files[name] = os.path.join(shared, name)
        files["data.txt" if name == "fil9" else name] = files[name]
    files["data/fil9"] = files["fil9"]
    for path in set(files.values()):
        if path.startswith(shared):
            os.chmod(path, 0o444)  # a snippet writing to a shared file fails instead of corrupting it
    return files


def workdir(root: str, files: dict[str, str]) -> str:
    path = tempfile.mkdtemp(dir=root)
    os.makedirs(os.path.join(path, "data"))
    os.makedirs(os.path.join(path, "result"))
    for name, target in files.items():
        os.symlink(target, os.path.join(path, name))
    return path


# ------------------------------------------------------------------------------------------------ running

RUNNER = r'''
import ast, builtins, contextlib, io, json, math, os, sys, traceback, types
job = json.load(open(sys.argv[1]))
out = open(sys.argv[2], "a")
hub = types.ModuleType("huggingface_hub")
hub.hf_hub_download = lambda repo_id, filename, **kwargs: job["offline"][repo_id]
sys.modules["huggingface_hub"] = hub
try:
    import numpy
except ImportError:
    numpy = None
namespace = {"__name__": "__main__"}  # one interpreter session for all the page's snippets

def signature(value, depth=0):
    name = type(value).__name__
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int) or (numpy is not None and isinstance(value, numpy.integer)):
        return [name, int(value)]
    if isinstance(value, float) or (numpy is not None and isinstance(value, numpy.floating)):
        return [name, "finite" if math.isfinite(value) else repr(float(value))]
    if numpy is not None and isinstance(value, numpy.ndarray):
        finite = bool(numpy.isfinite(value).all()) if value.dtype.kind in "fc" else True
        return [name, str(value.dtype), list(value.shape), "finite" if finite else "not finite"]
    if isinstance(value, (list, tuple)) and depth < 4:
        items = [signature(item, depth + 1) for item in value]
        if len(items) > 3 and all(item == items[0] for item in items):
            return [name, len(items), "all", items[0]]
        return [name, items]
    if isinstance(value, (list, tuple, dict, set)):
        return [name, len(value)]
    return name

for snippet in job["snippets"]:
    buffer, records, started = io.StringIO(), [], __import__("time").time()
    def flush():
        if buffer.getvalue():
            records.append(["print", buffer.getvalue()])
            buffer.seek(0)
            buffer.truncate()
    def show(value):
        if value is None:
            return
        builtins._ = value
        flush()
        records.append(["value", repr(value), signature(value)])
    def failed(error):
        flush()
        tb = traceback.extract_tb(error.__traceback__)
        where = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in tb[-3:])
        records.append(["error", type(error).__name__, str(error), where])
    sys.displayhook = show
    with contextlib.redirect_stdout(buffer):
        if snippet["script"]:
            sys.argv = list(snippet["script"])
            try:
                exec(compile(snippet["code"], snippet["script"][0], "exec"),
                     {"__name__": "__main__", "__file__": snippet["script"][0]})
            except SystemExit as error:
                if error.code not in (0, None):
                    failed(error)
            except Exception as error:
                failed(error)
        else:
            for node in ast.parse(snippet["code"]).body:
                try:
                    exec(compile(ast.Interactive(body=[node]), snippet["id"], "single"), namespace)
                except Exception as error:
                    failed(error)
        flush()
    out.write(json.dumps({"id": snippet["id"], "records": records,
                          "seconds": round(__import__("time").time() - started, 2)}) + "\n")
    out.flush()
'''


def run_side(job: dict, side: str, root: str, files: dict[str, str], timeout: float) -> dict[str, dict]:
    cwd = workdir(root, files)
    snippets = []
    for snippet in job["snippets"]:
        if "skip" in snippet:
            continue
        code = snippet["code"] if side == "fasttext" else rewrite_imports(snippet["code"])
        snippets.append({"id": snippet["id"], "script": snippet["script"], "code": code})
    results: dict[str, dict] = {}
    if not snippets:
        return results
    job_file, result_file = os.path.join(root, f"job-{side}.json"), os.path.join(root, f"result-{side}.jsonl")
    with open(job_file, "w") as out:
        json.dump({"snippets": snippets, "offline": OFFLINE}, out)
    if os.path.exists(result_file):
        os.remove(result_file)
    runner = os.path.join(root, "runner.py")
    with open(runner, "w") as out:
        out.write(RUNNER)
    log = os.path.join(root, f"log-{side}.txt")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log, "w") as out:
        try:
            process = subprocess.run([sys.executable, runner, job_file, result_file], cwd=cwd, env=env,
                                     stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
            status = f"exit status {process.returncode}" if process.returncode else ""
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout:g} s"
    if os.path.exists(result_file):
        with open(result_file) as handle:
            for line in handle:
                result = json.loads(line)
                results[result["id"]] = result
    if status:
        with open(log, errors="replace") as handle:
            tail = handle.read()[-800:]
        for snippet in snippets:  # the snippet it died in
            if snippet["id"] not in results:
                results[snippet["id"]] = {"id": snippet["id"], "seconds": None,
                                          "records": [["error", "ProcessDied", status, tail]]}
                break
    shutil.rmtree(cwd, ignore_errors=True)
    return results


# ---------------------------------------------------------------------------------------------- comparing

OBJECT = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")  # <fasttext.FastText._FastText object at 0x..>
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")


def _skeleton(text: str) -> tuple[str, list[float]]:
    numbers = [float(match) for match in NUMBER.findall(text)]
    skeleton = " ".join(NUMBER.sub("<f>", text).split())
    return re.sub(r" ?([\[\]()]) ?", r"\1", skeleton), numbers  # numpy pads numbers next to brackets


def texts_match(ref: str, ours: str, trained: bool) -> str | None:
    """'same', 'same~' (trained: equal with decimal numbers masked), 'close' or None."""
    if ref == ours:
        return "same"
    ref, ours = OBJECT.sub(r"<\1 object>", ref), OBJECT.sub(r"<\1 object>", ours)  # module path, address
    if ref == ours:
        return "same"
    (ref_skeleton, ref_numbers), (our_skeleton, our_numbers) = _skeleton(ref), _skeleton(ours)
    if ref_skeleton != our_skeleton:
        return None
    if trained:
        return "same~" if all(math.isfinite(x) for x in our_numbers) else None
    if all(math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL) for a, b in zip(ref_numbers, our_numbers)):
        return "close"
    return None


def compare(ref: list, ours: list, trained: bool) -> tuple[str, str]:
    """(status, note) for one snippet's records."""
    ref_errors = [r for r in ref if r[0] == "error"]
    our_errors = [r for r in ours if r[0] == "error"]
    if [e[1:3] for e in ref_errors] != [e[1:3] for e in our_errors]:
        if not our_errors:
            return "ref-fails", "reference: " + "; ".join(f"{e[1]}: {e[2].splitlines()[0] if e[2] else ''}"
                                                          for e in ref_errors)
        new = [e for e in our_errors if e[1:3] not in [r[1:3] for r in ref_errors]]
        return "ours-fails", "; ".join(f"{e[1]}: {e[2][:200]} ({e[3]})" for e in (new or our_errors))
    if [r[0] for r in ref] != [r[0] for r in ours]:
        return "differs", "different sequence of outputs: " + ",".join(r[0] for r in ref) + " vs " + ",".join(
            r[0] for r in ours)
    worst = "same"
    for a, b in zip(ref, ours):
        if a[0] == "error":
            continue
        verdict = texts_match(a[1], b[1], trained)
        if verdict is None and trained and a[0] == "value":
            verdict = "same~" if a[2] == b[2] else None
        if verdict is None:
            return "differs", ""
        if verdict != "same":
            worst = "same~" if "same~" in (worst, verdict) else verdict
    if worst == "close":
        return "same", f"decimal numbers within rtol {RTOL:g}"
    return worst, ""


def render(records: list, limit: int = 600) -> str:
    lines = []
    for record in records:
        if record[0] == "print":
            text = record[1].rstrip("\n")
        elif record[0] == "value":
            text = record[1]
        else:
            text = f"!! {record[1]}: {record[2]}"
        lines.append(text if len(text) <= limit else text[:limit] + f" ... [{len(text)} chars]")
    return "\n".join(lines) or "(no output)"


def short(records: list, limit: int = 70) -> str:
    text = " | ".join(" ".join(render([r], limit).split()) for r in records if r[0] != "error")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ------------------------------------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="fastText source tree (with docs/ and python/doc/examples/)")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                       "..", "shared", "data"),
                        help="the shared data directory (cooking/, en17m.txt.xz, models/lid.176.ftz)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per page / script and side")
    parser.add_argument("--only", action="append", help="a page or script name (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("-v", "--verbose", action="store_true", help="show both outputs of every snippet")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.source, "docs")):
        return f"no docs/ under {args.source}: pass a fastText source tree"
    jobs = collect(args.source, set(args.only) if args.only else None)
    root = tempfile.mkdtemp(prefix="fasttext-docs-")
    started = time.time()
    try:
        shared = os.path.join(root, "shared")
        os.makedirs(shared)
        files = prepare(os.path.abspath(args.data), shared)
        print(f"data prepared in {time.time() - started:.0f} s ({root})", flush=True)
        rows = []
        for job in jobs:
            t0 = time.time()
            ref = run_side(job, "fasttext", root, files, args.timeout)
            ours = run_side(job, "gensim_ftx", root, files, args.timeout)
            print(f"  {job['name']}: {time.time() - t0:.0f} s", flush=True)
            for snippet in job["snippets"]:
                sid = snippet["id"]
                if "skip" in snippet:
                    rows.append((sid, "skipped", snippet["skip"], None, None))
                    continue
                missing = {"records": [["error", "NotRun", "the process ended before this snippet", ""]]}
                a, b = ref.get(sid, missing)["records"], ours.get(sid, missing)["records"]
                status, note = compare(a, b, job["trained"])
                if status == "same~" and not note:
                    note = f"ref: {short(a)}  ours: {short(b)}"
                rows.append((sid, status, note, a, b))
        print_report(rows, args.verbose)
        failures = [row for row in rows if row[1] in ("differs", "ours-fails") and
                    row[0].split(" ")[0] not in DEVIATIONS]
        print(f"\n{len(failures)} failure(s) outside DEVIATIONS; {time.time() - started:.0f} s in all")
        return 1 if failures else 0
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def print_report(rows: list, verbose: bool) -> None:
    print(f"\n{'snippet':42} {'result':11} note")
    counts: dict[str, int] = {}
    for sid, status, note, _, _ in rows:
        label = status + (" (DEVIATION)" if sid.split(" ")[0] in DEVIATIONS and status in ("differs", "ours-fails")
                          else "")
        counts[status] = counts.get(status, 0) + 1
        print(f"{sid:42} {label:11} {note}")
    print("\n" + ", ".join(f"{key}: {value}" for key, value in sorted(counts.items())))
    for sid, status, _, ref, ours in rows:
        if ref is None or not (verbose or status in ("differs", "ours-fails")):
            continue
        print(f"\n=== {sid}: {status}" + (f" -- DEVIATION: {DEVIATIONS[sid.split(' ')[0]]}" if sid.split(" ")[0]
                                           in DEVIATIONS else ""))
        print("--- fasttext:\n" + render(ref) + "\n--- gensim_ftx:\n" + render(ours))


if __name__ == "__main__":
    sys.exit(main())
