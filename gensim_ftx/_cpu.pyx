# cython: language_level=3
"""What this CPU supports and how this installation was built. Compiled for the baseline (it must
run anywhere: it decides which builds of the kernels may)."""

cdef extern from *:
    """
    #ifndef GFTX_BUILD
    #define GFTX_BUILD "portable"
    #endif
    #if defined(__clang__)
    #define GFTX_COMPILER "clang " __clang_version__
    #elif defined(__GNUC__)
    #define GFTX_COMPILER "GCC " __VERSION__
    #elif defined(_MSC_VER)
    #define GFTX_COMPILER "MSVC"
    #else
    #define GFTX_COMPILER "unknown"
    #endif
    /* 0: baseline, 1: x86-64-v3 (AVX2, FMA, BMI2), 2: x86-64-v4 (AVX-512 F/BW/CD/DQ/VL); the checks
       include the operating system's support of the wider registers */
    static int gftx_cpu_supports(int level) {
    #if defined(__x86_64__) && defined(__GNUC__)
        __builtin_cpu_init();
    #if !defined(__clang__) && __GNUC__ >= 12
        if (level == 1) return __builtin_cpu_supports("x86-64-v3");
        if (level == 2) return __builtin_cpu_supports("x86-64-v4");
    #else
        int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
        if (level == 1) return v3;
        if (level == 2) return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                               && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq")
                               && __builtin_cpu_supports("avx512vl");
    #endif
        return level == 0;
    #else
        return level == 0;
    #endif
    }
    """
    const char* GFTX_BUILD
    const char* GFTX_COMPILER
    int gftx_cpu_supports(int level)

BUILD = GFTX_BUILD.decode()        # 'portable' (one build a level) or 'native' (-march=native)
COMPILER = GFTX_COMPILER.decode()  # the compiler's version string


def cpu_supports(int level) -> bool:
    """Whether this CPU and its operating system run code built for ``level``: its position in
    :data:`gensim_ftx.kernels.LEVELS` (0 baseline, 1 avx2, 2 avx512)."""
    if not 0 <= level <= 2:
        raise ValueError(f"kernel level must be 0, 1 or 2, got {level}")
    return bool(gftx_cpu_supports(level))
