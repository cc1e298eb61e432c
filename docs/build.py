"""Build the documentation and run every example in it; fail on any warning.

    python docs/build.py

Runs Sphinx twice from the repository root: the HTML builder, then the doctest builder, which runs
the guides' ``>>>`` examples. Both run with ``-W --keep-going`` (a warning fails the build, after
all of it is reported) and ``-E`` (every page read afresh, so the API reference follows the
docstrings and no warning hides in a cached page). Exits non-zero if either fails; prints where the
HTML is. Needs the ``docs`` extra: ``pip install -e ".[docs]"``.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"


def sphinx(builder: str) -> int:
    """Run one Sphinx builder into ``docs/_build/<builder>``; its exit status."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", builder,
               str(DOCS), str(BUILD / builder)]
    print("$ " + " ".join(command), flush=True)
    start = time.perf_counter()
    status = subprocess.call(command, cwd=ROOT)
    print(f"{builder}: {'ok' if status == 0 else f'failed (exit status {status})'} "
          f"in {time.perf_counter() - start:.1f} s", flush=True)
    return status


def doctest_summary() -> str:
    """The doctest builder's totals ("256 tests, 0 failures"), from its report."""
    report = BUILD / "doctest" / "output.txt"
    if not report.exists():
        return "no doctest report"
    text = report.read_text(encoding="utf-8")
    tests = re.search(r"^\s*(\d+) tests?$", text, re.M)
    failures = re.search(r"^\s*(\d+) failures? in tests$", text, re.M)
    if not tests:
        return f"see {report}"
    return f"{tests.group(1)} examples run, {failures.group(1) if failures else '?'} failed ({report})"


def main() -> int:
    failed = [builder for builder in ("html", "doctest") if sphinx(builder) != 0]
    print(f"doctest: {doctest_summary()}")
    if failed:
        print(f"documentation build failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"HTML: {BUILD / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
