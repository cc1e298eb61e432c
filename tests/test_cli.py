"""The ``gensim-ftx`` command line, driven as a user would: the real console script in a subprocess.

Models are trained by the command line and then read by the ``fasttext`` package, whose answers
(``get_word_vector``, ``get_nearest_neighbors``, ``get_analogies``...) on the very same file are the
reference for what the command line prints; where the arithmetic is fastText's, the text must be
identical. Training, standard input, Ctrl-C, ``print-word-vectors``, ``nn``, ``analogies`` and one
error of each kind go through a new interpreter; the other checks call ``cli.main`` (what the script
runs) in this process, because each interpreter start costs seconds of importing gensim.
"""
from __future__ import annotations

import gzip
import io
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from gensim_ftx import cli
from gensim_ftx.cli import stdin as cli_stdin

fasttext = pytest.importorskip("fasttext")

CLI = [sys.executable, "-m", "gensim_ftx"]
TRAIN_FLAGS = ["-dim", "16", "-bucket", "200000", "-minCount", "3", "-thread", "2"]
# In-vocabulary, out-of-vocabulary, accented, CJK, a 4-byte emoji, EOS and a word shorter than minn.
PROBE_WORDS = ["the", "government", "Australia", "zzqxy", "café", "naïveté", "日本語", "😀", "</s>", "a"]


def run_cli(*args, stdin: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], input=stdin, capture_output=True, timeout=timeout)


def run_main(*args, stdin: bytes = b"", monkeypatch) -> tuple[int, bytes, bytes]:
    """``cli.main`` in this process (no interpreter start-up), with bytes standard streams."""
    streams = {name: io.TextIOWrapper(io.BytesIO(stdin if name == "stdin" else b""), encoding="utf-8",
                                      write_through=True) for name in ("stdin", "stdout", "stderr")}
    for name, stream in streams.items():
        monkeypatch.setattr(sys, name, stream)
    status = cli.main([str(a) for a in args])
    return status, streams["stdout"].buffer.getvalue(), streams["stderr"].buffer.getvalue()


def lee_corpus() -> str:
    from gensim.test.utils import datapath

    return datapath("lee_background.cor")


def train(tmp: Path, command: str, *extra: str, name: str | None = None) -> tuple[Path, subprocess.CompletedProcess]:
    prefix = tmp / (name or command)
    done = run_cli(command, "-input", lee_corpus(), "-output", prefix, *TRAIN_FLAGS, *extra)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return prefix, done


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def skipgram(workdir):
    """A skip-gram model trained by the CLI with -saveOutput: (prefix, process, fastText's view of it)."""
    prefix, done = train(workdir, "skipgram", "-epoch", "2", "-saveOutput")
    return prefix, done, fasttext.load_model(f"{prefix}.bin")


@pytest.fixture(scope="module")
def cbow(workdir):
    """A CBOW model trained silently (-verbose 0)."""
    prefix, done = train(workdir, "cbow", "-epoch", "1", "-verbose", "0")
    return prefix, done, fasttext.load_model(f"{prefix}.bin")


@pytest.fixture(scope="module")
def supervised_models(tmp_path_factory):
    """Classifiers made by the fasttext package: word trigrams + char n-grams, and its pruned .ftz."""
    from fixtures_models import SPEC_BY_NAME, ModelBuilder

    builder = ModelBuilder(tmp_path_factory.mktemp("cli-supervised"), jobs=1)
    for name in ("sup_ngrams", "sup_quant_qnorm"):
        builder._build(SPEC_BY_NAME[name])
        if name in builder.errors:
            pytest.skip(f"fasttext could not train {name}: {builder.errors[name]}")
    return [builder.get(name) for name in ("sup_ngrams", "sup_quant_qnorm")]


# ---------------------------------------------------------------------------------------------
# parsing helpers


def parse_vector_lines(text: bytes) -> list[tuple[bytes, np.ndarray]]:
    """``word v1 v2 ... \\n`` lines (fastText's vector format: a space after every value)."""
    rows = []
    for line in text.split(b"\n")[:-1] if text else []:
        assert line.endswith(b" "), line[-40:]
        word, _, values = line.partition(b" ")
        rows.append((word, np.array(values.split(), dtype=np.float64)))
    return rows


def parse_answers(text: bytes, prompt: bytes) -> list[list[tuple[str, float]]]:
    """The ``word score`` lines printed after each prompt."""
    blocks = text.split(prompt)
    assert blocks[-1] == b"", "output must end with a prompt"
    answers = []
    for block in blocks[1:-1]:
        pairs = [line.rsplit(" ", 1) for line in block.decode().splitlines()]
        answers.append([(word, float(score)) for word, score in pairs])
    return answers


def assert_same_ranking(got: list[tuple[str, float]], expected: list[tuple[float, str]], tie: float = 1e-6) -> None:
    """Same words in the same order with the same scores (1e-4). Neighbours whose scores are equal may swap:
    the CLI scores with fastText's float32 arithmetic, but the order of exact ties is fastText's heap's."""
    assert len(got) == len(expected)
    np.testing.assert_allclose([s for _, s in got], [s for s, _ in expected], atol=1e-4)
    expected_score = {word: score for score, word in expected}
    for i, (word, _) in enumerate(got):
        if word == expected[i][1]:
            continue
        reference = expected_score.get(word, expected[-1][0])  # not listed: it tied at the k-th place
        assert abs(reference - expected[i][0]) <= tie, f"{word!r} at {i}: got {got}, fastText {expected}"


def fasttext_line(word: str, vector: np.ndarray) -> bytes:
    """What fastText prints for ``word`` (``operator<<`` of a Vector: 5 significant digits, a space each)."""
    return word.encode() + b" " + "".join(f"{v:.5g} " for v in vector.tolist()).encode() + b"\n"


def assert_printed(printed, expected) -> None:
    """Equal to ``expected`` up to printing with 5 significant digits (an absolute 1e-5 for |v| < 0.2)."""
    printed = np.asarray(printed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    np.testing.assert_allclose(printed, expected, rtol=5.1e-5, atol=1e-6)


def vocabulary_counts(text: bytes, min_count: int) -> dict[str, int]:
    """fastText's dictionary of ``text``: whitespace tokens plus ``</s>`` per newline."""
    counts = Counter()
    for line in text.split(b"\n")[:-1]:
        counts.update(line.split())
        counts[b"</s>"] += 1
    return {w.decode(): c for w, c in counts.items() if c >= min_count}


# ---------------------------------------------------------------------------------------------
# training


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_trained_model_is_read_by_fasttext(kind, request):
    prefix, _, reference = request.getfixturevalue(kind)
    assert reference.get_dimension() == 16
    assert reference.f.getArgs().model.name == kind
    header, *lines = (prefix.parent / f"{prefix.name}.vec").read_bytes().split(b"\n")[:-1]
    words = reference.get_words()
    assert header == b"%d 16" % len(words)
    rows = parse_vector_lines(b"\n".join(lines) + b"\n")
    assert [w.decode() for w, _ in rows] == words
    expected = np.array([reference.get_word_vector(w) for w in words])
    assert_printed([v for _, v in rows], expected)


def test_save_output_writes_the_output_matrix(skipgram):
    prefix, _, reference = skipgram
    header, *lines = Path(f"{prefix}.output").read_bytes().split(b"\n")[:-1]
    matrix = reference.get_output_matrix()
    assert header == b"%d 16" % len(matrix)
    rows = parse_vector_lines(b"\n".join(lines) + b"\n")
    assert [w.decode() for w, _ in rows] == reference.get_words()
    assert_printed([v for _, v in rows], matrix)


def test_progress_is_line_based_without_a_terminal(skipgram):
    _, done, reference = skipgram
    err = done.stderr.decode()
    assert "\r" not in err
    assert f"Number of words:  {len(reference.get_words())}\nNumber of labels: 0\n" in err
    assert "Read 0M words\n" in err
    last = err.splitlines()[-1]
    assert last.startswith("Progress: 100.0% words/sec/thread: ") and " lr:  0.000000 avg.loss: " in last
    assert last.endswith(" ETA:   0h 0m 0s")
    assert done.stdout == b""


def test_verbose_0_is_silent(cbow):
    _, done, _ = cbow
    assert done.stderr == b"" and done.stdout == b""


def test_input_from_stdin_and_gzip(tmp_path, monkeypatch):
    text = b"".join(Path(lee_corpus()).read_bytes().splitlines(keepends=True)[:80])
    flags = ["-dim", "8", "-epoch", "1", "-minCount", "2", "-bucket", "200000", "-thread", "1", "-verbose", "1"]
    piped = run_cli("cbow", "-input", "-", "-output", tmp_path / "piped", *flags, stdin=text)
    assert piped.returncode == 0, piped.stderr
    (tmp_path / "part.txt.gz").write_bytes(gzip.compress(text))
    status, _, err = run_main("skipgram", "-input", tmp_path / "part.txt.gz", "-output", tmp_path / "zipped", *flags,
                              monkeypatch=monkeypatch)
    assert status == 0, err
    expected = vocabulary_counts(text, 2)
    assert f"Number of words:  {len(expected)}\n".encode() in err and b"Progress: 100.0%" in err
    for name in ("piped", "zipped"):
        words, counts = fasttext.load_model(str(tmp_path / f"{name}.bin")).get_words(include_freq=True)
        assert dict(zip(words, counts.tolist())) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part.txt.gz", "piped.bin", "piped.vec", "zipped.bin",
                                                          "zipped.vec"]


def test_ctrl_c_saves_the_model_trained_so_far(tmp_path):
    prefix = tmp_path / "interrupted"
    command = CLI + ["skipgram", "-input", lee_corpus(), "-output", str(prefix), *TRAIN_FLAGS, "-epoch", "400"]
    # A shell's background jobs start with SIGINT ignored, and Python then installs no Ctrl-C
    # handler: give the child the default disposition so the test means the same everywhere.
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        header = [process.stderr.readline() for _ in range(3)]  # printed as training starts, as fastText's
        assert header[0] == b"Read 0M words\n" and header[2] == b"Number of labels: 0\n", header
        time.sleep(1.0)  # training under way
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=60)[1]
    finally:
        process.kill()
    assert process.returncode == 130, rest
    assert b"interrupted; saved the model trained so far" in rest
    reference = fasttext.load_model(f"{prefix}.bin")
    assert reference.get_dimension() == 16 and Path(f"{prefix}.vec").exists()


# ---------------------------------------------------------------------------------------------
# queries


def test_print_word_vectors_matches_fasttext(skipgram):
    prefix, _, reference = skipgram
    stdin = (" ".join(PROBE_WORDS[:4]) + "\n" + "\n".join(PROBE_WORDS[4:]) + "\n\t Zürich").encode()
    done = run_cli("print-word-vectors", f"{prefix}.bin", stdin=stdin)
    assert done.returncode == 0, done.stderr
    words = PROBE_WORDS + ["Zürich"]
    expected = np.array([reference.get_word_vector(w) for w in words])
    # The same arithmetic as fastText, so the very text fastText's print-word-vectors writes.
    assert done.stdout == b"".join(fasttext_line(w, v) for w, v in zip(words, expected))
    rows = parse_vector_lines(done.stdout)
    assert_printed([v for _, v in rows], expected)


def test_nn_matches_fasttext(skipgram):
    prefix, _, reference = skipgram
    queries = ["government", "Australia", "zzqxy", "café"]
    done = run_cli("nn", f"{prefix}.bin", 8, stdin=" ".join(queries).encode())
    assert done.returncode == 0, done.stderr
    answers = parse_answers(done.stdout, b"Query word? ")
    assert len(answers) == len(queries)
    for query, got in zip(queries, answers):
        assert query not in [w for w, _ in got]
        assert_same_ranking(got, reference.get_nearest_neighbors(query, k=8))


def test_analogies_match_fasttext(skipgram):
    prefix, _, reference = skipgram
    triplets = [("man", "woman", "king"), ("Sydney", "Australia", "zzqxy")]
    stdin = b"\n".join(" ".join(t).encode() for t in triplets) + b"\nincomplete"
    done = run_cli("analogies", f"{prefix}.bin", 5, stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"Loading model %s.bin\n" % str(prefix).encode())
    answers = parse_answers(done.stdout, b"Query triplet (A - B + C)? ")
    assert len(answers) == len(triplets)
    for triplet, got in zip(triplets, answers):
        assert not set(triplet) & {w for w, _ in got}
        assert_same_ranking(got, reference.get_analogies(*triplet, k=5))


@pytest.mark.parametrize("word", ["government", "café", "zzqxy"])
def test_print_ngrams_matches_fasttext(skipgram, word, monkeypatch):
    prefix, _, reference = skipgram
    status, out, err = run_main("print-ngrams", f"{prefix}.bin", word, monkeypatch=monkeypatch)
    assert status == 0, err
    names, ids = reference.get_subwords(word)
    assert out == b"".join(fasttext_line(n, reference.get_input_vector(i)) for n, i in zip(names, ids))


def test_print_sentence_vectors_matches_fasttext(cbow, monkeypatch):
    prefix, _, reference = cbow
    lines = ["the government said on Sunday", "", "zzqxy café 日本語", "a", "last line without newline"]
    status, out, err = run_main("print-sentence-vectors", f"{prefix}.bin", stdin="\n".join(lines).encode(),
                                monkeypatch=monkeypatch)
    assert status == 0, err
    assert out == b"".join(fasttext_line("", reference.get_sentence_vector(line))[1:] for line in lines)


def test_print_sentence_vectors_of_classifiers(supervised_models, monkeypatch):
    text = Path(supervised_models[0].corpus).read_bytes().splitlines()
    lines = [line.decode() for line in text[:40] if _is_utf8(line)]
    lines += ["", "zzqxy unknown words only", "__label__pos a label inside", "the movie is great ."]
    for model in supervised_models:
        status, out, err = run_main("print-sentence-vectors", model.path, stdin="\n".join(lines).encode() + b"\n",
                                    monkeypatch=monkeypatch)
        assert status == 0, err
        assert out == b"".join(fasttext_line("", model.reference.get_sentence_vector(line))[1:] for line in lines)
        # fastText reads a label's vector from its dictionary id: an n-gram row (a quirk kept for equal output)
        words = ["the", "zzqxy", "__label__pos", "__label__neg", "__label__unknown", "</s>"]
        status, out, err = run_main("print-word-vectors", model.path, stdin=" ".join(words).encode(),
                                    monkeypatch=monkeypatch)
        assert status == 0, err
        assert out == b"".join(fasttext_line(w, model.reference.get_word_vector(w)) for w in words)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def test_dump_args_and_dict(skipgram, supervised_models, monkeypatch):
    prefix, _, reference = skipgram
    losses = {"ns": "ns", "hs": "hs", "softmax": "softmax", "ova": "one-vs-all"}
    models = {"skipgram": "sg", "cbow": "cbow", "supervised": "sup"}
    for path, ref in [(f"{prefix}.bin", reference), (supervised_models[0].path, supervised_models[0].reference)]:
        a = ref.f.getArgs()
        expected = (f"dim {a.dim}\nws {a.ws}\nepoch {a.epoch}\nminCount {a.minCount}\nneg {a.neg}\n"
                    f"wordNgrams {a.wordNgrams}\nloss {losses[a.loss.name]}\nmodel {models[a.model.name]}\n"
                    f"bucket {a.bucket}\nminn {a.minn}\nmaxn {a.maxn}\nlrUpdateRate {a.lrUpdateRate}\nt {a.t:g}\n")
        assert run_main("dump", path, "args", monkeypatch=monkeypatch) == (0, expected.encode(), b"")
        status, out, err = run_main("dump", path, "dict", monkeypatch=monkeypatch)
        assert status == 0, err
        words, counts = ref.get_words(include_freq=True, on_unicode_error="replace")
        labels, label_counts = ref.get_labels(include_freq=True) if a.model.name == "supervised" else ([], [])
        lines = out.decode(errors="replace").splitlines()
        assert lines[0] == str(len(words) + len(labels))
        expected_lines = [f"{w} {c} word" for w, c in zip(words, counts)] + \
            [f"{w} {c} label" for w, c in zip(labels, label_counts)]
        assert lines[1:] == expected_lines


def test_dump_matrices(skipgram, monkeypatch):
    prefix, _, reference = skipgram
    for option, matrix in [("output", reference.get_output_matrix()), ("input", reference.get_input_matrix())]:
        status, out, err = run_main("dump", f"{prefix}.bin", option, monkeypatch=monkeypatch)
        assert status == 0, err
        header, _, body = out.partition(b"\n")
        assert header == b"%d %d" % matrix.shape
        assert not any(line.endswith(b" ") for line in body.split(b"\n", 100)[:99])
        values = np.array(body.split(), dtype=np.float32).reshape(matrix.shape)
        np.testing.assert_allclose(values, matrix, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# errors, help and the console script


def test_exit_codes_of_the_console_script(tmp_path):
    bad_flag = run_cli("skipgram", "-input", "x.txt", "-output", tmp_path / "m", "-foo", "1")
    assert bad_flag.returncode == 2 and bad_flag.stdout == b""
    assert bad_flag.stderr == b"gensim-ftx skipgram: error: unrecognized arguments: -foo 1 " \
                              b"(see 'gensim-ftx skipgram --help')\n"
    missing = tmp_path / "missing.txt"
    no_input = run_cli("skipgram", "-input", missing, "-output", tmp_path / "m")
    assert no_input.returncode == 1 and no_input.stderr.count(b"\n") == 1
    assert no_input.stderr.startswith(b"gensim-ftx: error: %s cannot be opened for training!" % bytes(missing))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args", [
    ["frobnicate", "model.bin"],
    ["supervised", "-input", "x.txt", "-output", "m", "-loss", "bogus"],
    ["cbow", "-input", "x.txt"],
    ["skipgram", "-input", "x.txt", "-output", "m", "-dim", "abc"],
    ["skipgram", "-input", "x.txt", "-output", "m", "-thread", "0"],
    ["skipgram", "-input", "x.txt", "-output", "m", "-inp", "y"],
    ["skipgram", "-input", "x.txt", "-output", "m", "-loss", "ova"],
    ["nn"],
    ["nn", "model.bin", "0"],
    ["print-ngrams", "model.bin"],
    ["dump", "model.bin", "everything"],
    [],
])
def test_usage_errors_exit_2_with_one_line(args, monkeypatch):
    status, out, err = run_main(*args, monkeypatch=monkeypatch)
    assert status == 2 and out == b""
    assert err.count(b"\n") == 1 and err.startswith(b"gensim-ftx") and b"error: " in err


def test_input_errors_exit_1_naming_the_file(tmp_path, skipgram, monkeypatch):
    prefix, _, _ = skipgram
    corrupt = tmp_path / "corrupt.bin"
    corrupt.write_bytes(Path(f"{prefix}.bin").read_bytes()[:5000])
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"this is not a model\n" * 10)
    cases = [
        (["print-word-vectors", corrupt], corrupt),
        (["nn", garbage], garbage),
        (["dump", tmp_path / "absent.bin", "args"], tmp_path / "absent.bin"),
        (["cbow", "-input", lee_corpus(), "-output", tmp_path / "no" / "such" / "dir"], tmp_path / "no" / "such"),
        (["cbow", "-input", tmp_path / "absent.txt.gz", "-output", tmp_path / "m"], tmp_path / "absent.txt.gz"),
        (["skipgram", "-input", lee_corpus(), "-output", tmp_path / "m", "-pretrainedVectors", f"{prefix}.output",
          "-dim", "8"], f"{prefix}.output"),
    ]
    for args, name in cases:
        status, _, err = run_main(*args, stdin=b"word\n", monkeypatch=monkeypatch)
        assert status == 1, (args, err)
        assert err.count(b"\n") == 1 and str(name).encode() in err, err


def test_corrupt_model_through_the_console_script(tmp_path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\0" * 64)
    done = run_cli("print-word-vectors", garbage, stdin=b"word\n")
    assert done.returncode == 1 and done.stderr.count(b"\n") == 1 and bytes(garbage) in done.stderr


def test_help_for_each_command(monkeypatch):
    script = shutil.which("gensim-ftx")
    command = [script] if script else CLI
    done = subprocess.run(command + ["--help"], capture_output=True, timeout=60)
    assert done.returncode == 0
    for name in ("skipgram", "cbow", "print-word-vectors", "print-sentence-vectors", "print-ngrams", "nn",
                 "analogies", "dump"):
        assert name.encode() in done.stdout
        status, out, _ = run_main(name, "--help", monkeypatch=monkeypatch)
        assert status == 0 and b"usage: gensim-ftx " + name.encode() in out
    _, out, _ = run_main("skipgram", "--help", monkeypatch=monkeypatch)
    for flag in ("-input", "-output", "-lrUpdateRate", "-pretrainedVectors", "-saveOutput", "-verbose"):
        assert flag.encode() in out


# ---------------------------------------------------------------------------------------------
# in-process units (cheap)


def test_progress_line_format_and_terminal_refresh():
    from gensim_ftx.train import progress
    from gensim_ftx.train.trainer import Progress

    assert progress.format_progress(0.423, 123456.7, 0.028851, 1.2345671, 62.9) == \
        "Progress:  42.3% words/sec/thread:  123456 lr:  0.028851 avg.loss:  1.234567 ETA:   0h 1m 2s"
    assert progress.format_clock(float("inf")) == "720h 0m 0s"
    stream = io.StringIO()
    printer = progress.ProgressPrinter(stream, verbose=2, tty=True)
    printer.reading(2_000_000)
    printer.reading(3_999_999)
    assert stream.getvalue() == "\rRead 2M words\rRead 3M words"
    stream.seek(0)
    stream.truncate()
    printer(Progress(0.5, 1000.0, 0.025, float("nan"), 1.0, 0))  # no loss yet: nothing, like fastText
    printer(Progress(0.5, 1000.0, 0.025, 2.0, 1.0, 0))
    printer.summary(1_500_000, 10, 0)
    printer.finish(0, 1)
    text = stream.getvalue()
    assert text.startswith("\rProgress:  50.0%") and "\rRead 1M words\nNumber of words:  10\n" in text
    assert text.endswith("\rProgress: 100.0% words/sec/thread:    1000 lr:  0.000000 avg.loss:  2.000000 "
                         "ETA:   0h 0m 0s\n")
    quiet = io.StringIO()
    progress.ProgressPrinter(quiet, verbose=2, tty=False).reading(2_000_000)  # a log gets the header only
    progress.ProgressPrinter(quiet, verbose=1, tty=True).reading(2_000_000)
    assert quiet.getvalue() == ""


def test_stdin_tokens_survive_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(cli_stdin, "_READ_CHUNK", 3)
    data = b"alpha beta\n\tgamma  d\xc3\xa9j\xc3\xa0\nlast"
    tokens = [t for batch in cli_stdin.token_batches(io.BufferedReader(io.BytesIO(data), 4)) for t in batch]
    assert tokens == data.split()
    lines = [x for batch in cli_stdin.line_batches(io.BufferedReader(io.BytesIO(data), 4)) for x in batch]
    assert lines == [(b"alpha beta", True), (b"\tgamma  d\xc3\xa9j\xc3\xa0", True), (b"last", False)]


def test_main_returns_the_exit_status(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("gensim-ftx ")
    assert cli.main(["nn"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the following arguments are required: model" in err


# ---------------------------------------------------------------------------------------------
# classifier commands


def _probe_text(corpus: str) -> bytes:
    lines = [line for line in Path(corpus).read_bytes().splitlines()[:80] if _is_utf8(line)]
    return b"\n".join(lines + [b"", b"zzqxy unknown words only", b"no final newline"])


def test_predict_and_predict_prob_print_fastTexts_lines(supervised_models, monkeypatch, tmp_path):
    for model in supervised_models:
        data = _probe_text(model.corpus) + b"\n"  # fastText's CLI adds no </s> to an unended last line
        path = tmp_path / "input.txt"
        path.write_bytes(data)
        lines = [line.decode("utf-8") for line in data.split(b"\n")[:-1]]
        for k, threshold in ((1, 0.0), (2, 0.3), (-1, 0.0)):
            labels, probs = model.reference.predict(lines, k=k, threshold=threshold)
            status, out, err = run_main("predict-prob", model.path, path, k, threshold, monkeypatch=monkeypatch)
            assert status == 0, err
            assert out == b"".join(b" ".join(b"%s %g" % (label.encode(), p) for label, p in zip(row, values)) + b"\n"
                                   for row, values in zip(labels, probs))
            status, out, err = run_main("predict", model.path, "-", k, threshold, stdin=data, monkeypatch=monkeypatch)
            assert status == 0, err
            assert out == b"".join(" ".join(row).encode() + b"\n" for row in labels)


def test_test_and_test_label_print_fastTexts_metrics(supervised_models, monkeypatch):
    for model in supervised_models:
        for k in (1, 2):
            n, precision, recall = model.reference.test(model.corpus, k=k)
            status, out, err = run_main("test", model.path, model.corpus, k, monkeypatch=monkeypatch)
            assert status == 0, err
            assert out == f"N\t{n}\nP@{k}\t{precision:.3g}\nR@{k}\t{recall:.3g}\n".encode()
        scores = model.reference.test_label(model.corpus, k=2)
        status, out, err = run_main("test-label", model.path, model.corpus, 2, monkeypatch=monkeypatch)
        assert status == 0, err
        rows = out.decode().splitlines()
        assert len(rows) == len(scores) + 3
        for row in rows[:-3]:
            label = row.split()[-1]
            metrics = scores[label]
            expected = "".join(f"{name} : {metrics[key]:.6f}  " for name, key in
                               (("F1-Score", "f1score"), ("Precision", "precision"), ("Recall", "recall")))
            assert row == expected.replace("nan", "--------") + " " + label
        n, precision, recall = model.reference.test(model.corpus, k=2)
        assert rows[-3:] == [f"N\t{n}", f"P@2\t{precision:.3f}", f"R@2\t{recall:.3f}"]


def test_classifier_commands_report_bad_input(supervised_models, monkeypatch, tmp_path):
    model = supervised_models[0]
    status, out, err = run_main("predict", model.path, tmp_path / "missing.txt", monkeypatch=monkeypatch)
    assert status == 1 and b"Input file cannot be opened" in err
    status, out, err = run_main("test", model.path, tmp_path / "missing.txt", monkeypatch=monkeypatch)
    assert status == 1 and b"Test file cannot be opened" in err
    status, out, err = run_main("predict", model.path, "-", 0, monkeypatch=monkeypatch)
    assert status == 2 and b"k needs to be 1 or higher" in err
    status, out, err = run_main("predict", tmp_path / "missing.bin", "-", monkeypatch=monkeypatch)
    assert status == 1 and b"cannot be opened for loading" in err


def test_supervised_and_quantize_commands_write_fastTexts_files(tmp_path, monkeypatch):
    import fasttext
    from gensim.test.utils import datapath

    corpus = datapath("pang_lee_polarity.cor")
    lines = [b" ".join(t for t in line.split() if not t.startswith(b"__label__")).decode("utf-8", "replace")
             for line in Path(corpus).read_bytes().splitlines()]
    out = tmp_path / "clf"
    status, _, err = run_main("supervised", "-input", corpus, "-output", out, "-epoch", 20, "-wordNgrams", 2,
                              "-bucket", 300000, "-dim", 16, "-thread", 1, "-verbose", 0, monkeypatch=monkeypatch)
    assert status == 0, err
    assert (tmp_path / "clf.vec").read_bytes().split(b"\n", 1)[0].split()[1] == b"16"
    reference = fasttext.load_model(str(out) + ".bin")
    from gensim_ftx import fasttext as ftx

    ours = ftx.load_model(str(out) + ".bin")
    assert ours.predict(lines, k=2)[0] == reference.predict(lines, k=2)[0]
    assert reference.test(corpus)[1] > 0.6  # it learnt its training set (fastText: 0.645 with these settings)
    status, _, err = run_main("quantize", "-output", out, "-input", corpus, "-cutoff", 3000, "-retrain",
                              "-qnorm", "-epoch", 2, "-thread", 1, "-verbose", 0, monkeypatch=monkeypatch)
    assert status == 0, err
    compressed = fasttext.load_model(str(out) + ".ftz")
    assert compressed.is_quantized() and len(compressed.get_words(on_unicode_error="replace")) <= 3000
    assert ftx.load_model(str(out) + ".ftz").predict(lines, k=1)[0] == compressed.predict(lines, k=1)[0]


def test_supervised_command_reports_bad_input(tmp_path, monkeypatch):
    plain = tmp_path / "plain.txt"
    plain.write_text("no labels on this line\nnor on this one\n")
    status, _, err = run_main("supervised", "-input", plain, "-output", tmp_path / "m", "-verbose", 0,
                              monkeypatch=monkeypatch)
    assert status == 1 and b"no labels" in err
    assert not (tmp_path / "m.bin").exists()
    status, _, err = run_main("quantize", "-output", tmp_path / "missing", monkeypatch=monkeypatch)
    assert status == 1 and b"missing.bin" in err
    status, _, err = run_main("supervised", "-input", plain, "-output", tmp_path / "m", "-loss", "bogus",
                              monkeypatch=monkeypatch)
    assert status == 2
