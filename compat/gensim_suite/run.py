#!/usr/bin/env python
"""Run gensim's own test_fasttext.py against gensim_ftx (default) or against plain gensim.

    python compat/gensim_suite/run.py                 # gensim's suite, FastText replaced by gensim_ftx's
    python compat/gensim_suite/run.py --target gensim # the same file against gensim itself (baseline)
    python compat/gensim_suite/run.py --target both   # baseline, then ours
    python compat/gensim_suite/run.py --patch strict  # gensim_ftx.patch_gensim() alone, no conftest repair
    python compat/gensim_suite/run.py --ft-shim       # also run the 4 tests that need the fasttext CLI
    python compat/gensim_suite/run.py -- -k Hash      # anything after -- goes to pytest

The test module is copied from the *installed* gensim package into a fresh temporary directory,
next to a copy of this directory's conftest.py, and pytest runs there with an empty ini file, so
neither the project's pytest configuration nor its conftest is involved and the tests' stray
files land in the temporary directory. The exit status is pytest's (the worst one with --target both).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-rfEsxX", "--tb=short"]


# --ft-shim: a stand-in for Facebook's ``fasttext`` command line tool, for the four tests that
# need one (SaveFacebookByteIdentityTest, SaveFacebookFormatReadingTest; skipped without it). It
# implements what they call -- ``fasttext skipgram|cbow -input F -output BASE [-opt value]...`` and
# ``fasttext print-word-vectors MODEL.bin < words`` -- on the ``fasttext`` Python package (the same
# C++ core), printing vectors the way the tool does (std::setprecision(5), trailing space).
FASTTEXT_SHIM = r'''
import sys

import fasttext
import fasttext.FastText


def _vector_line(word, vector):
    return word + " " + "".join("%.5g " % x for x in vector)


def main(argv):
    if len(argv) >= 1 and argv[0] in ("skipgram", "cbow"):
        # train_unsupervised() refuses -seed, so this is its body with every option allowed
        ft = fasttext.FastText
        options = dict(zip(argv[1::2], argv[2::2]))
        args = dict(ft.unsupervised_default, model=argv[0], verbose=0, input=options["-input"])
        manual = {"model", "input"}
        for flag, value in options.items():
            name = flag.lstrip("-")
            if name not in ("input", "output"):
                args[name] = type(ft.unsupervised_default[name])(value)
                manual.add(name)
        built = ft._build_args(args, manual)
        model = ft._FastText(args=built)
        ft.fasttext.train(model.f, built)
        model.set_args(model.f.getArgs())
        model.save_model(options["-output"] + ".bin")
        words = model.get_words()
        with open(options["-output"] + ".vec", "w", encoding="utf-8") as out:
            out.write("%d %d\n" % (len(words), model.get_dimension()))
            for word in words:
                out.write(_vector_line(word, model.get_word_vector(word)) + "\n")
        return 0
    if len(argv) == 2 and argv[0] == "print-word-vectors":
        model = fasttext.load_model(argv[1])
        for word in sys.stdin.read().split():
            print(_vector_line(word, model.get_word_vector(word)))
        return 0
    sys.stderr.write("fasttext shim: unsupported command %r\n" % (argv,))
    return 2


sys.exit(main(sys.argv[1:]))
'''


def _install_shim(workdir: str) -> str:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        sys.exit("run.py: --ft-shim needs the fasttext Python package (pip install fasttext)")
    bindir = os.path.join(workdir, "ftbin")
    os.makedirs(bindir)
    path = os.path.join(bindir, "fasttext")
    with open(path, "w") as f:
        f.write(f"#!{sys.executable}\n" + FASTTEXT_SHIM)
    os.chmod(path, 0o755)
    return bindir


def _gensim_test_file() -> str:
    import gensim.test

    path = os.path.join(os.path.dirname(gensim.test.__file__), "test_fasttext.py")
    if not os.path.isfile(path):
        sys.exit(f"run.py: {path} not found; the installed gensim ships no test suite")
    return path


def _check_requirements() -> None:
    missing = []
    for module, package in (("pytest", "pytest"), ("testfixtures", "testfixtures"), ("gensim", "gensim")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:  # gensim.test.test_word2vec, which test_fasttext imports, needs testfixtures
        sys.exit(f"run.py: missing {', '.join(missing)}; pip install {' '.join(missing)}")


def run(target: str, extra: list[str], keep: bool, patch: str = "auto", ft_shim: bool = False) -> int:
    workdir = tempfile.mkdtemp(prefix=f"gensim_suite_{target}_")
    try:
        shutil.copyfile(_gensim_test_file(), os.path.join(workdir, "test_fasttext.py"))
        shutil.copyfile(os.path.join(HERE, "conftest.py"), os.path.join(workdir, "conftest.py"))
        ini = os.path.join(workdir, "pytest.ini")
        with open(ini, "w") as f:
            f.write("[pytest]\n")
        env = dict(os.environ, GFTX_SUITE_TARGET=target, GFTX_SUITE_PATCH=patch, PYTHONDONTWRITEBYTECODE="1")
        if ft_shim:
            env["FT_HOME"] = _install_shim(workdir)  # test_fasttext looks there first
        cmd = [sys.executable, "-m", "pytest", *PYTEST_ARGS, "-c", ini, "--rootdir", workdir,
               "test_fasttext.py", *extra]
        print(f"== gensim's test_fasttext.py against {target}: {' '.join(cmd)}  (cwd {workdir})", flush=True)
        return subprocess.call(cmd, cwd=workdir, env=env)
    finally:
        if keep:
            print(f"== kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=("ftx", "gensim", "both"), default="ftx",
                        help="what FastText is tested: gensim_ftx's (default), gensim's own, or both in turn")
    parser.add_argument("--patch", choices=("auto", "strict"), default="auto",
                        help="auto: patch_gensim(), plus the conftest's repair if it is found broken (the run then "
                             "exits 1); strict: patch_gensim() alone, as a user gets it")
    parser.add_argument("--ft-shim", action="store_true",
                        help="provide a 'fasttext' command (on the fasttext Python package) so the four tests that "
                             "need Facebook's tool run instead of being skipped")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    _check_requirements()
    targets = ("gensim", "ftx") if args.target == "both" else (args.target,)
    codes = [run(target, extra, args.keep, args.patch, args.ft_shim) for target in targets]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
