"""Build the Cython extensions; all metadata lives in pyproject.toml.

Kernels are compiled for the building machine's CPU (``-march=native``), as fastText's own
Makefile does; set ``GENSIM_FTX_PORTABLE=1`` to build a wheel for other machines.
"""
import os
import platform

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

COMPILE_ARGS = ["-O3", "-fno-strict-aliasing", "-fopenmp-simd"]
if os.environ.get("GENSIM_FTX_PORTABLE") != "1" and platform.machine() in ("x86_64", "AMD64", "aarch64", "arm64"):
    COMPILE_ARGS.append("-march=native" if platform.machine() in ("x86_64", "AMD64") else "-mcpu=native")


def extension(name: str, extra: tuple = ()) -> Extension:
    return Extension(
        name,
        [name.replace(".", "/") + ".pyx"],
        include_dirs=[numpy.get_include()],
        language="c++",
        extra_compile_args=COMPILE_ARGS + ["-std=c++17", *extra],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )


setup(
    ext_modules=cythonize(
        [
            extension("gensim_ftx.text._subwords"),
            extension("gensim_ftx.text._compose"),
            extension("gensim_ftx.text._vocab"),
            extension("gensim_ftx.io._dictionary"),
            extension("gensim_ftx.train._pq"),
            extension("gensim_ftx.text._corpus"),
            extension("gensim_ftx.text._counts"),
            extension("gensim_ftx.text._lines"),
            # the losses rank labels too: no fused multiply-adds (as the scorer), see _losses.pyx
            extension("gensim_ftx.train._losses", ("-ffp-contract=off",)),
            extension("gensim_ftx.train._kernels"),
            extension("gensim_ftx.train._engine"),
            # probabilities must equal fastText's to the bit: no fused multiply-adds
            extension("gensim_ftx.predict._matrix", ("-ffp-contract=off",)),
            extension("gensim_ftx.predict._scorer", ("-ffp-contract=off",)),
        ],
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
)
