"""The package's folders are its layers: no import runs upwards and no import circle exists.

Every import of every module is counted, those inside function bodies and Cython ``cimport``
included (a lazy import hides a circle, it does not remove it). Layers, lowest first:

0. ``_checks``, ``_memory``, ``args``, ``kernels``, ``config``: checks, tables and the kernel build everything
   may use;
1. ``text/``: bytes to tokens to ids (hashing, vocabulary store, readers, subword lookups);
2. ``io/``: file formats;
3. ``train/``: the engine (kernels, losses, tables, trainer, supervised training, quantisation);
4. ``predict/``: scoring, the meter, neighbours;
5. the gensim face (top-level modules);
6. ``fasttext/``: the face of Facebook's package;
7. ``sklearn``, ``partitions``, ``dask``, ``cli/``.

A module may import its own layer and those below it. The package ``__init__`` (names resolved
on first use) and ``__main__`` stand outside the order. An import made only for type checkers
(``if TYPE_CHECKING:``) may not run upwards either, but does not make a circle.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gensim_ftx"
LAYERS = [
    ("base", ("_checks", "_memory", "_vector", "_cpu", "args", "kernels", "config")),
    ("text", ("text",)),
    ("io", ("io",)),
    ("train", ("train",)),
    ("predict", ("predict",)),
    ("gensim face", ("model", "keyedvectors", "facebook", "classifier", "quantize", "portable", "patch", "unsupervised",
                     "vocab", "_vocab")),
    ("fasttext face", ("fasttext",)),
    ("floret face", ("floret",)),  # fastText's face with floret's arguments and files
    ("integrations", ("sklearn", "partitions", "dask", "cli")),
]
OUTSIDE = {"gensim_ftx", "gensim_ftx.__main__"}
CIMPORT = re.compile(r"^\s*(?:from\s+([.\w]+)\s+cimport\s+([\w, ]+)|cimport\s+([.\w]+))", re.M)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".py", ".pyx", ".pxd") and "__pycache__" not in path.parts:
            found.setdefault(module_name(path), path)
            if path.suffix == ".pyx":  # a .pyx and its .pxd are one module
                found[module_name(path)] = path
    return found


def absolute(name: str, level: int, importer: str, is_package: bool) -> str:
    if level == 0:
        return name
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _type_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            found.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return found


def imports_of(name: str, path: Path, known: set[str], type_only: bool = True) -> set[str]:
    """The package modules ``name`` imports (a name imported from a package counts as its module
    when it is one); ``type_only=False`` leaves out imports made only for type checkers."""
    text = path.read_text()
    targets: set[str] = set()
    is_package = path.stem == "__init__"
    if path.suffix == ".py":
        tree = ast.parse(text)
        skipped = set() if type_only else _type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = absolute(node.module or "", node.level, name, is_package)
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
    else:
        sources = [path] + ([path.with_suffix(".pxd")] if path.with_suffix(".pxd").exists() else [])
        for source in sources:
            for line in source.read_text().splitlines():
                line = line.split("#")[0]
                m = re.match(r"^\s*from\s+([.\w]+)\s+c?import\s+(.+)$", line)
                if m:
                    mod = m[1]
                    level = len(mod) - len(mod.lstrip("."))
                    base = absolute(mod.lstrip("."), level, name, False)
                    targets.add(base)
                    targets.update(f"{base}.{n.strip().split(' ')[0]}" for n in m[2].strip("()").split(","))
                m = re.match(r"^\s*c?import\s+(gensim_ftx[.\w]*)", line)
                if m:
                    targets.add(m[1])
    return {t for t in targets if t in known and t != name}


def layer_of(name: str) -> int | None:
    if name in OUTSIDE:
        return None
    top = name.split(".")[1]
    for rank, (_, members) in enumerate(LAYERS):
        if top in members:
            return rank
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def graph(type_only: bool = True) -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known, type_only) for name, path in found.items()}


def test_every_module_has_a_layer():
    for name in modules():
        layer_of(name)


def test_no_import_runs_upwards():
    upward = []
    for name, targets in graph().items():
        rank = layer_of(name)
        if rank is None:
            continue
        for target in sorted(targets):
            target_rank = layer_of(target)
            if target_rank is not None and target_rank > rank:
                upward.append(f"{name} ({LAYERS[rank][0]}) imports {target} ({LAYERS[target_rank][0]})")
    assert not upward, "\n".join(upward)


def test_no_import_circle():
    edges = {name: {t for t in targets if t not in OUTSIDE and not name.startswith(t + ".")}
             for name, targets in graph(type_only=False).items() if name not in OUTSIDE}
    # a package imports its own submodules in its __init__: that is containment, not a circle
    state: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


# modules still to be split along their seams, at most as long as they are now
TO_SPLIT: dict[str, int] = {}


def test_no_module_past_600_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    long = {name: size for name, size in sizes.items() if size > TO_SPLIT.get(name, 600)}
    assert not long, f"past 600 lines: split them along a seam they already have: {long}"
