"""Which build of the compiled kernels this process runs: the best the CPU supports, chosen at import.

A portable build (the default, and every wheel) compiles the modules whose loops the compiler
vectorises once per instruction-set level: ``baseline`` (x86-64: SSE2; on other machines the
architecture's own baseline, e.g. NEON on aarch64), ``avx2`` (x86-64-v3: AVX2, FMA, BMI2) and
``avx512`` (x86-64-v4: AVX-512 F/BW/CD/DQ/VL). The baseline build carries the module's own name
(``_kernels.cpython-311-x86_64-linux-gnu.so``); the others carry the level
(``_kernels_avx2.cpython-...so``) and are loaded under the module's own name by a finder that
:func:`install` puts first on :data:`sys.meta_path` when ``gensim_ftx`` is imported. Every build is
the same Cython module (the same structures, the same functions), compiled with other flags, so
the modules of different levels call each other as usual. Why one module per level rather than
GCC's ``target_clones``: the hot loops are Cython functions, which take no function attributes,
and cloning the inline vector primitives instead would turn each row operation into an indirect
call.

A build for the building machine only (``GENSIM_FTX_NATIVE=1 pip install .``, ``-march=native``, as
fastText's Makefile) has one build of each module: its level is ``native``.

The environment variable ``GENSIM_FTX_KERNELS`` (``baseline``, ``avx2`` or ``avx512``), read at
import, caps the level: to compare levels, or to rule out a faulty one. A level above what the CPU
supports is never loaded (a warning says so and the best supported one is used).

This module is read by ``setup.py`` too (for :data:`LEVELED`, :func:`level_flags` and
:func:`level_module`), so it
imports nothing of the package at its top.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import platform
import sys
import warnings
from pathlib import Path

ENVIRONMENT = "GENSIM_FTX_KERNELS"
LEVELS = ("baseline", "avx2", "avx512")  # lowest first
# the modules built once per level: those whose loops are vectorised (the rest are built once)
LEVELED = (
    "gensim_ftx.text._compose",
    "gensim_ftx.train._pq",
    "gensim_ftx.train._losses",
    "gensim_ftx.train._window",
    "gensim_ftx.train._kernels",
    "gensim_ftx.predict._matrix",
    "gensim_ftx.predict._scorer",
)
_X86_FLAGS = {
    "baseline": ["-march=x86-64", "-mtune=generic"],
    "avx2": ["-march=x86-64-v3", "-mtune=generic"],
    "avx512": ["-march=x86-64-v4", "-mtune=generic", "-mprefer-vector-width=512"],
}


def is_x86(machine: str | None = None) -> bool:
    return (machine or platform.machine()).lower() in ("x86_64", "amd64")


def build_levels(machine: str | None = None) -> tuple[str, ...]:
    """The levels a portable build compiles on ``machine`` (default: this one)."""
    return LEVELS if is_x86(machine) else ("baseline",)


def level_flags(level: str, machine: str | None = None) -> list[str]:
    """The compiler flags of ``level`` (``native``: the building CPU's)."""
    if level == "native":
        return ["-march=native"] if is_x86(machine) else ["-mcpu=native"]
    return list(_X86_FLAGS[level]) if is_x86(machine) else []


def level_module(name: str, level: str) -> str:
    """The name of ``level``'s build of module ``name`` (the baseline and native builds carry the
    module's own name; the others its name and level: ``gensim_ftx.train._kernels_avx2``)."""
    return name if level in ("baseline", "native") else f"{name}_{level}"


def supported_levels() -> tuple[str, ...]:
    """The levels this CPU (and its operating system) can run, lowest first."""
    from ._cpu import cpu_supports  # compiled for the baseline: it runs anywhere

    if not is_x86():
        return ("baseline",)
    return tuple(level for index, level in enumerate(LEVELS) if cpu_supports(index))


def built_levels() -> tuple[str, ...]:
    """The levels this installation holds (``('native',)`` for a build for its machine only)."""
    from ._cpu import BUILD

    if BUILD == "native":
        return ("native",)
    first = LEVELED[0]
    folder = Path(__file__).resolve().parent.joinpath(*first.split(".")[1:-1])
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return tuple(level for level in LEVELS
                 if (folder / (level_module(first, level).rsplit(".", 1)[1] + suffix)).exists())


def choose_level() -> tuple[str, str | None]:
    """``(level, note)``: the best level built and supported, capped by ``GENSIM_FTX_KERNELS``;
    ``note`` says why it is not the best one, or is None."""
    built = built_levels()
    wanted = os.environ.get(ENVIRONMENT, "").strip().lower()
    if built == ("native",):
        if wanted:
            warnings.warn(f"{ENVIRONMENT}={wanted} has no effect: this installation was built for its CPU only "
                          f"(GENSIM_FTX_NATIVE=1), with one build of the kernels", RuntimeWarning, stacklevel=3)
        return "native", None
    usable = [level for level in built if level in supported_levels()]
    best = usable[-1]
    if not wanted:
        return best, None
    if wanted not in LEVELS:
        warnings.warn(f"{ENVIRONMENT}={wanted!r} is not a kernel level ({', '.join(LEVELS)}); using {best}",
                      RuntimeWarning, stacklevel=3)
        return best, None
    if wanted not in usable:
        # the baseline is always usable, so some level at or below the one wanted is
        lower = [level for level in usable if LEVELS.index(level) <= LEVELS.index(wanted)][-1]
        warnings.warn(f"{ENVIRONMENT}={wanted}: this CPU or installation cannot run it "
                      f"(usable: {', '.join(usable)}); using {lower}", RuntimeWarning, stacklevel=3)
        return lower, f"capped by {ENVIRONMENT}={wanted}"
    return wanted, (f"capped by {ENVIRONMENT}={wanted}" if wanted != best else None)


class LevelFinder:
    """Finds the chosen level's build of each module in :data:`LEVELED` (the baseline build is the
    module's own file, which the ordinary finders find)."""

    def __init__(self, level: str):
        self.level = level

    def find_spec(self, name, path=None, target=None):
        if self.level in ("baseline", "native") or name not in LEVELED or not path:
            return None
        stem = level_module(name, self.level).rsplit(".", 1)[1]
        for folder in path:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                file = os.path.join(folder, stem + suffix)
                if os.path.exists(file):
                    loader = importlib.machinery.ExtensionFileLoader(name, file)
                    return importlib.util.spec_from_file_location(name, file, loader=loader)
        return None


_chosen: tuple[str, str | None] | None = None


def install() -> None:
    """Choose the level (once) and put its finder first on :data:`sys.meta_path`."""
    global _chosen
    if _chosen is not None:
        return
    _chosen = choose_level()
    sys.meta_path.insert(0, LevelFinder(_chosen[0]))


def kernel_level() -> str:
    """The level of the kernels this process runs (``baseline``, ``avx2``, ``avx512`` or ``native``)."""
    install()
    return _chosen[0]


def level_note() -> str | None:
    """Why the level is not the best one built and supported, or None."""
    install()
    return _chosen[1]
