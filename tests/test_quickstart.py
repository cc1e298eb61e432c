"""The newcomer's first run: examples/quickstart.py prints a short, meaningful result and nothing else."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def run_quickstart(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, str(QUICKSTART), *args], capture_output=True, text=True, timeout=300,
                          env=env)


def neighbours(out: str, word: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.strip().startswith(word + " "))
    return re.findall(r"([a-z]+) \d\.\d\d", line.split(None, 1)[1])


def test_quickstart_output_is_short_meaningful_and_quiet():
    done = run_quickstart()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and " INFO " not in done.stderr and "lifecycle" not in done.stderr
    # stderr holds only the progress bar
    assert set(re.sub(r"training \[[#.]+\] epoch \d+/\d+", "", done.stderr).strip()) <= {""}
    out = done.stdout
    assert len(out.splitlines()) < 30
    assert "fires" in neighbours(out, "fire")  # a word of the same family
    assert any(w.startswith("govern") for w in neighbours(out, "governmentalism"))  # OOV from its n-grams
    assert all(not re.search(r"[^a-z]", w) for w in neighbours(out, "police"))  # tokenised: no punctuation glued on
    assert "same vectors: True" in out
    if "Facebook's fasttext reads it" in out:
        assert "difference of an OOV vector 0.0e+00" in out


def test_quickstart_verbose_shows_the_log():
    done = run_quickstart("-v")
    assert done.returncode == 0, done.stderr
    assert " INFO " in done.stderr
