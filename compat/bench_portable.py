"""Side-by-side speed of the portable build (the wheels' kernels, one build a level, the best loaded
at import) against a ``-march=native`` build of the same sources, on this machine.

This checkout must be built in place the portable way (``python setup.py build_ext --inplace``,
the default). The script copies its sources to a temporary folder, builds them there with
``GENSIM_FTX_NATIVE=1`` and runs ``bench_versions.py`` on the two: skip-gram, CBOW and supervised
training and ``predict(list)``, one thread, interleaved repeats, medians. A ratio of 0.95 or more
means the portable build is within 5% of native.

    python compat/bench_portable.py --repeat 5
    GENSIM_FTX_KERNELS=avx2 python compat/bench_portable.py --repeat 5   # a lower level against native
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--native", type=Path, help="an existing native build in place (skips building one)")
    args, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="gftx-native-") as tmp:
        native = args.native
        if native is None:
            native = Path(tmp) / "native"
            shutil.copytree(HERE, native, ignore=shutil.ignore_patterns(".git", "build", "dist", "work", "*.so",
                                                                        "*.cpp", "__pycache__", "docs"))
            print(f"building the native copy in {native} ...", flush=True)
            subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=native, check=True,
                           env=dict(os.environ, GENSIM_FTX_NATIVE="1"), stdout=subprocess.DEVNULL)
        level = subprocess.run([sys.executable, "-c", "import gensim_ftx.kernels as k; print(k.kernel_level())"],
                               cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
        print(f"portable build: {level} kernels", flush=True)
        return subprocess.run([sys.executable, str(HERE / "compat" / "bench_versions.py"), "--baseline", str(native),
                               "--labels", f"portable ({level})", "native", "--repeat", str(args.repeat),
                               "--mb", str(args.mb), *rest]).returncode


if __name__ == "__main__":
    sys.exit(main())
