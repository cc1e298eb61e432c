"""``show_config()``: what a bug report needs to say about this installation, as numpy's ``show_config``."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from . import kernels


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def config() -> dict:
    """The installation's version, kernel build and the versions of what it runs on, as a dict."""
    from . import __version__
    from ._cpu import BUILD, COMPILER

    return {
        "gensim_ftx": {"version": __version__, "location": str(Path(__file__).resolve().parent)},
        "kernels": {
            "level": kernels.kernel_level(),
            "note": kernels.level_note(),
            "built": list(kernels.built_levels()),
            "cpu supports": list(kernels.supported_levels()),
            "build": BUILD,
            "compiler": COMPILER,
            "override": (f"{kernels.ENVIRONMENT}={os.environ[kernels.ENVIRONMENT]}"
                         if os.environ.get(kernels.ENVIRONMENT) else None),
        },
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "machine": {"system": platform.system(), "machine": platform.machine(), "release": platform.release()},
        "dependencies": {name: _version(name) for name in ("numpy", "gensim", "scipy", "smart_open", "Cython")},
    }


def show_config(mode: str = "stdout") -> dict | None:
    """Print (``mode="stdout"``) or return (``mode="dicts"``) the version of gensim_ftx, the level
    of its kernels (chosen at import: see :mod:`gensim_ftx.kernels`), and the versions of Python,
    numpy and gensim. Paste its output into bug reports.

    Parameters
    ----------
    mode : {"stdout", "dicts"}
        Print the report, or return it as nested dicts.

    Returns
    -------
    dict or None
        The report when ``mode="dicts"``.
    """
    if mode not in ("stdout", "dicts"):
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    report = config()
    if mode == "dicts":
        return report
    for section, values in report.items():
        print(f"{section}:")
        for key, value in values.items():
            if isinstance(value, list):
                value = ", ".join(value) or "-"
            print(f"  {key + ':':16s} {value if value is not None else '-'}")
    return None
