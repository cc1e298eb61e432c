"""Build the Cython extensions; all metadata lives in pyproject.toml.

Portable by default: the modules whose loops are vectorised are compiled once per instruction-set
level and the best one the CPU supports is loaded at import (see ``gensim_ftx/kernels.py``), so a
wheel or a cached build runs on any CPU of its architecture. ``GENSIM_FTX_NATIVE=1`` builds one
``-march=native`` copy of each module instead, for the building machine only (as fastText's own
Makefile does).
"""
import importlib.util
import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
# gensim_ftx/kernels.py knows the levels and their flags; read it without importing the package
_spec = importlib.util.spec_from_file_location("_gftx_kernels", HERE / "gensim_ftx" / "kernels.py")
kernels = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernels)

NATIVE = os.environ.get("GENSIM_FTX_NATIVE") == "1"
BASE_LEVEL = "native" if NATIVE else "baseline"
COMPILE_ARGS = ["-O3", "-fno-strict-aliasing", "-fopenmp-simd", "-std=c++17"]
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

# module -> its own extra flags
MODULES = {
    "gensim_ftx._cpu": (),
    "gensim_ftx.text._subwords": (),
    "gensim_ftx.text._compose": (),
    "gensim_ftx.text._vocab": (),
    "gensim_ftx.io._dictionary": (),
    "gensim_ftx.train._pq": (),
    "gensim_ftx.text._corpus": (),
    "gensim_ftx.text._counts": (),
    "gensim_ftx.text._lines": (),
    # the losses rank labels too: no fused multiply-adds (as the scorer), see _losses.pyx
    "gensim_ftx.train._losses": ("-ffp-contract=off",),
    "gensim_ftx.train._window": (),
    "gensim_ftx.train._kernels": (),
    "gensim_ftx.train._engine": (),
    # probabilities must equal fastText's to the bit: no fused multiply-adds, on every level
    "gensim_ftx.predict._matrix": ("-ffp-contract=off",),
    "gensim_ftx.predict._scorer": ("-ffp-contract=off",),
}


def extension(name: str, extra: tuple, level: str, sources: list | None = None) -> Extension:
    macros = list(MACROS)
    if name == "gensim_ftx._cpu":
        macros.append(("GFTX_BUILD", '"native"' if NATIVE else '"portable"'))
    ext = Extension(
        kernels.level_module(name, level),
        sources or [name.replace(".", "/") + ".pyx"],
        include_dirs=[numpy.get_include()],
        language="c++",
        extra_compile_args=COMPILE_ARGS + kernels.level_flags(level) + list(extra),
        define_macros=macros,
    )
    ext.level = level
    return ext


class LevelBuild(build_ext):
    """Compiles each level's copy of a module into its own temporary folder: the copies share
    one generated source, and would otherwise overwrite (or reuse) each other's object files."""

    def build_extension(self, ext):
        shared = self.build_temp
        self.build_temp = os.path.join(shared, getattr(ext, "level", BASE_LEVEL))
        try:
            super().build_extension(ext)
        finally:
            self.build_temp = shared


ext_modules = cythonize(
    [extension(name, extra, BASE_LEVEL) for name, extra in MODULES.items()],
    compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False,
                         "cdivision": True, "initializedcheck": False},
)
if not NATIVE:
    # the other levels compile the C++ that Cython generated for the module under its own name
    generated = {ext.name: ext.sources for ext in ext_modules}
    ext_modules += [extension(name, MODULES[name], level, generated[name])
                    for level in kernels.build_levels() if level != "baseline" for name in kernels.LEVELED]

setup(ext_modules=ext_modules, cmdclass={"build_ext": LevelBuild})
