"""Install a built wheel in a fresh virtual environment with no compiler on PATH and run the fast tests.

The environment's PATH holds the venv's ``bin`` and a folder of links to this machine's tools with
every C/C++ compiler left out, so neither the wheel nor any dependency can be compiled: what does
not come as a wheel fails to install. The suite (``tests/``, run from a copy beside a link to the
*installed* package, so that nothing is imported from the checkout) runs without its ``slow`` tests,
after ``gensim_ftx.show_config()`` has printed the kernel level the wheel chose.

    python release/check_wheel.py dist/gensim_ftx-0.1.0-cp311-cp311-manylinux_2_36_x86_64.whl
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_wheels import find_python  # noqa: E402

COMPILERS = re.compile(r"^(?:.*-)?(?:gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|clang-cpp|tcc|icc|icpx|nvcc)(?:-[\d.]+)?$")


def tools_without_compilers(folder: Path) -> Path:
    """A folder of links to every program on PATH except compilers."""
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = Path(directory) / name
            if COMPILERS.match(name) or (folder / name).exists() or not os.access(target, os.X_OK):
                continue
            (folder / name).symlink_to(target)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--python", help="the interpreter to test with (default: pyenv's of the wheel's tag)")
    parser.add_argument("--pytest-args", default="-q -x", help="extra pytest arguments")
    args = parser.parse_args()
    tag = re.search(r"-cp(\d)(\d+)-", args.wheel.name)
    python = Path(args.python) if args.python else find_python(f"{tag.group(1)}.{tag.group(2)}")
    with tempfile.TemporaryDirectory(prefix="gftx-check-") as tmp:
        scratch = Path(tmp)
        venv = scratch / "venv"
        subprocess.run([python, "-m", "venv", venv], check=True)
        env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{tools_without_compilers(scratch / 'bin')}",
                   VIRTUAL_ENV=str(venv), CC="false", CXX="false", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        for compiler in ("gcc", "g++", "cc", "c++", "clang"):
            if shutil.which(compiler, path=env["PATH"]):
                raise SystemExit(f"{compiler} is still on PATH: {shutil.which(compiler, path=env['PATH'])}")
        py = str(venv / "bin" / "python")
        pip = [py, "-m", "pip", "install", "-q", "--only-binary=:all:"]
        subprocess.run([*pip, str(args.wheel.resolve())], check=True, env=env)  # it and its dependencies: must work
        # the test extras one by one: a peer without a wheel for this Python only skips its tests
        extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
        missing = [req for req in extras if subprocess.run([*pip, req], env=env).returncode]
        if missing:
            print(f"no wheel for this Python (their tests skip): {', '.join(missing)}", flush=True)
        subprocess.run([py, "-c", "import gensim_ftx; gensim_ftx.show_config()"], check=True, env=env, cwd=scratch)
        # the tests, beside a link to the installed package (test_layers reads its sources)
        site = subprocess.run([py, "-c", "import gensim_ftx, os; print(os.path.dirname(gensim_ftx.__file__))"],
                              check=True, env=env, cwd=scratch, capture_output=True, text=True).stdout.strip()
        suite = scratch / "suite"
        suite.mkdir()
        for part in ("tests", "compat", "examples"):
            shutil.copytree(ROOT / part, suite / part, ignore=shutil.ignore_patterns("work", "__pycache__"))
        for name in ("conftest.py", "pyproject.toml"):
            shutil.copy(ROOT / name, suite / name)
        (suite / "gensim_ftx").symlink_to(site)
        done = subprocess.run([py, "-m", "pytest", "-m", "not slow", "-p", "no:cacheprovider",
                               *args.pytest_args.split()], env=env, cwd=suite)
        raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
