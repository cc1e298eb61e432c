"""fastText's command line on gensim_ftx: ``gensim-ftx skipgram -input data.txt -output model``.

The commands and flags are those of Facebook's ``fasttext`` binary (``src/main.cc``, ``src/args.cc``),
and so are the outputs: ``model.bin`` for ``fasttext.load_model``, ``model.vec`` and ``model.output``
in fastText's text format, and the query commands print what fastText prints. Training runs on
:func:`gensim_ftx.train_unsupervised`; models are read and written by :mod:`gensim_ftx.facebook`.

Exit status: 0 on success, 1 on input errors (a file that cannot be read or written, a malformed
model), 2 on usage errors (one line on stderr), 130 when interrupted.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..io.source import is_plain_local
from ..predict.query import Neighbours, Vocabulary, analogy_query, input_rows, sentence_vectors
from ..train.progress import ProgressPrinter

if TYPE_CHECKING:  # the package imports gensim: only load it when a command needs it
    from ..keyedvectors import FastTextKeyedVectors
    from ..model import FastText

PROG = "gensim-ftx"
REAL = np.float32
_READ_CHUNK = 1 << 16


class UsageError(Exception):
    """Bad command line: reported on one line, exit status 2."""


class InputError(Exception):
    """A file cannot be read, written or parsed: reported on one line, exit status 1."""


# ---------------------------------------------------------------------------------------------
# reading standard input the way fastText's ``std::cin >> word`` and ``getline`` do


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """What is available on ``stream``, as it arrives (so interactive use answers each line)."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_READ_CHUNK):
        yield chunk


def token_batches(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Whitespace-separated tokens of ``stream`` (C ``isspace``), a batch per chunk read."""
    pending = bytearray()
    for chunk in _chunks(stream):
        pending += chunk
        tokens = pending.split()
        if tokens and not pending[-1:].isspace():
            tail = tokens.pop()  # may continue in the next chunk
        else:
            tail = b""
        pending = bytearray(tail)
        if tokens:
            yield [bytes(token) for token in tokens]
    if pending:
        yield [bytes(pending)]


def line_batches(stream: BinaryIO) -> Iterator[list[tuple[bytes, bool]]]:
    """Lines of ``stream`` as ``(line, ended_by_newline)``, a batch per chunk read.

    A last line without a newline is a line too; an empty stream has none (fastText's
    ``while (cin.peek() != EOF)``).
    """
    pending = bytearray()
    for chunk in _chunks(stream):
        pending += chunk
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue
        lines = bytes(pending[:cut]).split(b"\n")
        del pending[:cut + 1]
        yield [(line, True) for line in lines]
    if pending:
        yield [(bytes(pending), False)]


def _write_prompt(out: BinaryIO, prompt: bytes) -> None:
    out.write(prompt)
    out.flush()


# ---------------------------------------------------------------------------------------------
# models and vectors


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _load_error(path: str, err: BaseException) -> InputError:
    if isinstance(err, OSError):
        reason = err.strerror or _one_line(err)
        return InputError(f"{path} cannot be opened for loading! ({reason})")
    return InputError(f"{path} has wrong file format! ({_one_line(err)})")


def load_vectors(path: str) -> FastTextKeyedVectors:
    """Word vectors of a fastText model file; local files are memory-mapped (fast for 7 GB models)."""
    from ..facebook import load_facebook_vectors

    try:
        return load_facebook_vectors(path, mmap="r" if is_plain_local(path) else None)
    except (OSError, ValueError, EOFError) as err:
        raise _load_error(path, err) from err


def load_model(path: str) -> FastText:
    """A whole fastText model (arguments, labels, both matrices)."""
    from ..facebook import load_facebook_model

    try:
        return load_facebook_model(path, mmap="r" if is_plain_local(path) else None)
    except (OSError, ValueError, EOFError) as err:
        raise _load_error(path, err) from err


def load_vocabulary(path: str) -> Vocabulary:
    """The words (and labels) of a model file, for the query commands."""
    if is_plain_local(path):  # memory-mapped: the whole model costs no more than its vectors
        return Vocabulary.from_model(load_model(path))
    return Vocabulary(load_vectors(path))  # compressed or remote: skip reading the output matrix


_TEMPLATES: dict[tuple[str, int], str] = {}


def format_values(row: np.ndarray, spec: str = "%.5g ", joiner: str = "") -> bytes:
    """``row`` as fastText prints it: ``%.5g`` and a space per value for vectors (``operator<<``)."""
    template = _TEMPLATES.get((spec + joiner, len(row)))
    if template is None:
        template = _TEMPLATES[(spec + joiner, len(row))] = joiner.join([spec] * len(row))
    return (template % tuple(row.tolist())).encode()


def _banned(vocabulary: Vocabulary, tokens: Iterable[bytes]) -> list[int]:
    """fastText excludes the query's own words from the answers."""
    indices = (vocabulary.word_index(vocabulary.key(token)) for token in tokens)
    return [index for index in indices if index >= 0]


def _print_predictions(out: BinaryIO, vocabulary: Vocabulary, results: list[tuple[str, float]]) -> None:
    out.write(b"".join(vocabulary.spelling(word) + b" %g\n" % score for word, score in results))


# ---------------------------------------------------------------------------------------------
# query commands


def cmd_print_word_vectors(args: argparse.Namespace) -> int:
    """Vectors of the words read from standard input, one ``word v1 v2 ...`` line each."""
    vocabulary = load_vocabulary(args.model)
    out = sys.stdout.buffer
    for tokens in token_batches(sys.stdin.buffer):
        vectors = vocabulary.vectors(tokens)  # one bulk call per batch
        out.write(b"".join(token + b" " + format_values(vector) + b"\n" for token, vector in zip(tokens, vectors)))
        out.flush()
    return 0


def cmd_print_sentence_vectors(args: argparse.Namespace) -> int:
    """One vector per line of standard input (the line itself is not printed, as in fastText)."""
    from ..predict import Predictor

    model = load_model(args.model)
    supervised = Predictor.from_model(model, quantized=getattr(model, "_quantized", None)) \
        if model.supervised else None
    vocabulary = Vocabulary.from_model(model)
    out = sys.stdout.buffer
    for batch in line_batches(sys.stdin.buffer):
        if supervised is not None:
            vectors = supervised.line_vectors([line for line, _ in batch], ended=[ended for _, ended in batch])
        else:
            vectors = sentence_vectors(vocabulary.vectors, [line for line, _ in batch], model.wv.vector_size)
        out.write(b"".join(format_values(vector) + b"\n" for vector in vectors))
        out.flush()
    return 0


def cmd_print_ngrams(args: argparse.Namespace) -> int:
    """Each subword of a word (the word itself when in the vocabulary, then its n-grams) and its row."""
    vocabulary = load_vocabulary(args.model)
    names, ids = vocabulary.subwords(os.fsencode(args.word))
    rows = input_rows(vocabulary.wv, ids)
    # As fastText, pair names and rows by position (a pruned model may keep fewer rows than names).
    sys.stdout.buffer.write(b"".join(name + b" " + format_values(row) + b"\n" for name, row in zip(names, rows)))
    return 0


def cmd_nn(args: argparse.Namespace) -> int:
    """Interactive nearest neighbours: a word per query on standard input."""
    vocabulary = load_vocabulary(args.model)
    index = Neighbours(vocabulary.wv)
    out = sys.stdout.buffer
    prompt = b"Query word? "
    _write_prompt(out, prompt)
    for tokens in token_batches(sys.stdin.buffer):
        for token in tokens:
            query = vocabulary.vectors([token])[0]
            _print_predictions(out, vocabulary, index.query(query, args.k, _banned(vocabulary, [token])))
            _write_prompt(out, prompt)
    return 0


def cmd_analogies(args: argparse.Namespace) -> int:
    """Interactive analogies: three words ``A B C`` per query, answers near A - B + C."""
    out = sys.stdout.buffer
    out.write(b"Loading model " + os.fsencode(args.model) + b"\n")
    vocabulary = load_vocabulary(args.model)
    index = Neighbours(vocabulary.wv)
    prompt = b"Query triplet (A - B + C)? "
    _write_prompt(out, prompt)
    triplet: list[bytes] = []
    for tokens in token_batches(sys.stdin.buffer):
        for token in tokens:
            triplet.append(token)
            if len(triplet) < 3:
                continue
            query = analogy_query(vocabulary.vectors(triplet))
            _print_predictions(out, vocabulary, index.query(query, args.k, _banned(vocabulary, triplet)))
            _write_prompt(out, prompt)
            triplet = []
    return 0  # fastText loops forever at end of input; an incomplete last triplet is ignored


_LOSS_NAMES = {1: "hs", 2: "ns", 3: "softmax", 4: "one-vs-all"}
_MODEL_NAMES = {1: "cbow", 2: "sg", 3: "sup"}


def dump_args(model: FastText) -> bytes:
    """fastText's ``Args::dump``."""
    a = model.fb_args
    maxn = 0 if model.fb_version == 11 and a.supervised else a.maxn  # as fastText's loader
    fields = [("dim", a.dim), ("ws", a.ws), ("epoch", a.epoch), ("minCount", a.min_count), ("neg", a.neg),
              ("wordNgrams", a.word_ngrams), ("loss", _LOSS_NAMES.get(a.loss, "Unknown loss!")),
              ("model", _MODEL_NAMES.get(a.model, "Unknown model name!")), ("bucket", a.bucket),
              ("minn", a.minn), ("maxn", maxn), ("lrUpdateRate", a.lr_update_rate), ("t", f"{a.t:g}")]
    return "".join(f"{name} {value}\n" for name, value in fields).encode()


def dump_dict(model: FastText) -> Iterator[bytes]:
    """fastText's ``Dictionary::dump``: the entry count, then ``word count word|label`` per entry."""
    wv = model.wv
    vocabulary = Vocabulary.from_model(model)
    labels = list(model.labels or ())
    counts = np.asarray(wv.expandos["count"], dtype=np.int64).tolist()
    label_counts = np.asarray(model.label_counts if labels else [], dtype=np.int64).tolist()
    yield b"%d\n" % (len(wv.index_to_key) + len(labels))
    for word, count in zip(wv.index_to_key, counts):
        yield vocabulary.spelling(word) + b" %d word\n" % count
    for label, count in zip(labels, label_counts):
        yield vocabulary.spelling(label) + b" %d label\n" % count


def dump_matrix(parts: Sequence[np.ndarray]) -> Iterator[bytes]:
    """fastText's ``DenseMatrix::dump``: ``m n``, then each row's values (``%g``) separated by spaces."""
    rows = sum(len(part) for part in parts)
    dim = parts[0].shape[1]
    yield b"%d %d\n" % (rows, dim)
    for part in parts:
        for begin in range(0, len(part), 4096):
            block = np.asarray(part[begin:begin + 4096], dtype=REAL)
            yield b"".join(format_values(row, "%g", " ") + b"\n" for row in block)


def cmd_dump(args: argparse.Namespace) -> int:
    """Print the model's arguments, dictionary, or input or output matrix as fastText does."""
    model = load_model(args.model)
    if args.option in ("input", "output") and (getattr(model, "_quantized", None) or {}).get("input") is not None:
        raise InputError(f"{args.model}: Not supported for quantized models.")
    if args.option == "args":
        chunks: Iterable[bytes] = [dump_args(model)]
    elif args.option == "dict":
        chunks = dump_dict(model)
    elif args.option == "input":
        chunks = dump_matrix([model.wv.vectors_vocab, model.wv.vectors_ngrams])
    else:
        chunks = dump_matrix([model.output_matrix])
    out = sys.stdout.buffer
    for chunk in chunks:
        out.write(chunk)
    return 0


# ---------------------------------------------------------------------------------------------
# training


@contextlib.contextmanager
def training_file(source: str) -> Iterator[str]:
    """A local, uncompressed path for ``source``: itself, or a temporary copy of stdin (``-``) or of a
    compressed or remote file (read through smart_open), removed afterwards.

    The trainer needs a real file: its threads seek to their own byte ranges.

    Parameters
    ----------
    source : str
        ``-``, a path, a compressed path (``.gz``, ``.bz2``, ``.xz``, ``.zst``) or a URL smart_open reads.

    Yields
    ------
    str
        A path the trainer can read.

    Raises
    ------
    InputError
        When ``source`` cannot be read; the message names it.
    """
    if source != "-" and is_plain_local(source):
        try:
            with open(source, "rb"):
                pass
        except OSError as err:  # also a directory: IsADirectoryError
            raise InputError(f"{source} cannot be opened for training! ({err.strerror})") from err
        yield source
        return
    handle, staged = tempfile.mkstemp(prefix="gensim-ftx-", suffix=".txt")
    try:
        with os.fdopen(handle, "wb") as target:
            if source == "-":
                shutil.copyfileobj(sys.stdin.buffer, target, 1 << 20)
            else:
                _copy_remote(source, target)
        yield staged
    finally:
        with contextlib.suppress(OSError):
            os.remove(staged)


def _copy_remote(source: str, target: BinaryIO) -> None:
    import smart_open

    try:
        with smart_open.open(source, "rb") as stream:
            shutil.copyfileobj(stream, target, 1 << 20)
    except KeyboardInterrupt:
        raise
    except Exception as err:  # smart_open's transports raise their own error types
        raise InputError(f"{source} cannot be opened for training! ({_one_line(err)})") from err


def _check_output(path: str) -> None:
    """Fail before training, as fastText does, when the model cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(directory) or not os.access(directory, os.W_OK):
        raise InputError(f"{path} cannot be opened for saving.")


def _model_from_interrupt(interrupt: KeyboardInterrupt) -> FastText | None:
    """The model a Ctrl-C left behind (``train_unsupervised`` attaches it), if training had started."""
    return getattr(interrupt, "model", None)


def save_outputs(model: FastText, output: str, save_output: bool) -> None:
    """``<output>.bin``, ``<output>.vec`` and (``-saveOutput``) ``<output>.output``, as fastText writes them."""
    from ..facebook import save_facebook_model
    from ..io.vec import save_output_vectors, save_word_vectors

    steps: list[tuple[str, Callable[[str], None]]] = [
        (output + ".bin", lambda path: save_facebook_model(model, path)),
        (output + ".vec", lambda path: save_word_vectors(model.wv, path)),
    ]
    if save_output:
        steps.append((output + ".output", lambda path: save_output_vectors(model, path)))
    for path, save in steps:
        try:
            save(path)
        except OSError as err:
            raise InputError(f"{path} cannot be opened for saving! ({err.strerror or _one_line(err)})") from err


def _training_arguments(args: argparse.Namespace) -> dict:
    bucket = args.bucket
    if args.wordNgrams <= 1 and args.maxn == 0:
        bucket = 0  # as fastText's Args::parseArgs: no n-grams of any kind, no buckets
    return dict(model=args.command, lr=args.lr, dim=args.dim, ws=args.ws, epoch=args.epoch, minCount=args.minCount,
                minCountLabel=args.minCountLabel, minn=args.minn, maxn=args.maxn, neg=args.neg,
                wordNgrams=args.wordNgrams, loss=args.loss, bucket=bucket, thread=args.thread,
                lrUpdateRate=args.lrUpdateRate, t=args.t, label=args.label, verbose=args.verbose,
                pretrainedVectors=args.pretrainedVectors, seed=args.seed)


def cmd_train(args: argparse.Namespace) -> int:
    """Train a skipgram or cbow model and write ``<output>.bin`` and ``<output>.vec``."""
    from ..unsupervised import train_unsupervised

    _check_output(args.output + ".bin")
    printer = ProgressPrinter(sys.stderr, args.verbose)
    with training_file(args.input) as path:
        try:
            model = train_unsupervised(path, progress=printer, on_vocabulary=printer.summary,
                                       on_reading=printer.reading, **_training_arguments(args))
        except KeyboardInterrupt as interrupt:
            return _save_interrupted(_model_from_interrupt(interrupt), args, printer)
        except FloatingPointError as err:
            raise InputError(f"{args.input}: {_one_line(err)}") from err
        except RuntimeError as err:
            if "vocabulary" in str(err):
                raise InputError(f"{args.input}: Empty vocabulary. Try a smaller -minCount value.") from err
            raise
        except (OSError, ValueError) as err:
            raise InputError(_one_line(err)) from err
    printer.finish(int(model.corpus_total_words) * args.epoch, args.thread)
    save_outputs(model, args.output, args.saveOutput)
    return 0


def _save_interrupted(model: FastText | None, args: argparse.Namespace, printer: ProgressPrinter) -> int:
    printer.clear()
    if model is None:
        print(f"{PROG}: interrupted before training started; nothing saved", file=sys.stderr)
        return 130
    done = f" ({100 * printer.last.fraction:.1f}% of training)" if printer.last is not None else ""
    save_outputs(model, args.output, args.saveOutput)
    print(f"{PROG}: interrupted; saved the model trained so far{done} to {args.output}.bin "
          "(fastText would have saved nothing)", file=sys.stderr)
    return 130


# ---------------------------------------------------------------------------------------------
# command line


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: they become :class:`UsageError` (exit status 2)."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")

    def _get_option_tuples(self, option_string: str) -> list:
        # Only exact flags, as fastText: no '-inp' for '-input', no '-t1e-5' for '-t 1e-5'
        # (allow_abbrev=False leaves single-dash prefixes on).
        return []


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


_TRAIN_EPILOG = """\
examples:
  {prog} skipgram -input data.txt -output model
  {prog} cbow -input data.txt.gz -output model -dim 300 -epoch 10 -thread 8
  cat data.txt | {prog} skipgram -input - -output model -verbose 1

writes <output>.bin (readable by fasttext.load_model), <output>.vec and, with -saveOutput,
<output>.output. A compressed, remote or standard-input -input is first copied to a
temporary file (in $TMPDIR). Ctrl-C stops training and saves the model trained so far.
"""


def _add_training_parser(commands: argparse._SubParsersAction, name: str, summary: str, *,
                         defaults: dict | None = None, handler: Callable | None = None,
                         losses: tuple = ("ns", "hs", "softmax"), epilog: str | None = None) -> ArgumentParser:
    """A training command with fastText's flags; ``defaults`` overrides fastText's unsupervised defaults."""
    parser = commands.add_parser(name, help=summary, description=f"{summary} (fastText's '{name}' command).",
                                 epilog=epilog or _TRAIN_EPILOG.format(prog=PROG), allow_abbrev=False,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = defaults or {}
    required = parser.add_argument_group("mandatory arguments")
    required.add_argument("-input", required=True, metavar="PATH",
                          help="training file path; '-' reads standard input; .gz/.bz2/.xz or a URL via smart_open")
    required.add_argument("-output", required=True, metavar="PATH", help="output file path, without extension")
    count, positive, number = _int_at_least(0), _int_at_least(1), _non_negative_float
    flags = [
        ("dictionary arguments", [
            ("-minCount", count, 5, "minimal number of word occurrences"),
            ("-minCountLabel", count, 0, "minimal number of label occurrences"),
            ("-wordNgrams", positive, 1, "max length of word ngram (recorded only for unsupervised models)"),
            ("-bucket", count, 2000000, "number of buckets"),
            ("-minn", count, 3, "min length of char ngram"),
            ("-maxn", count, 6, "max length of char ngram"),
            ("-t", number, 1e-4, "sampling threshold"),
            ("-label", str, "__label__", "labels prefix: such tokens are labels, not trained words"),
        ]),
        ("training arguments", [
            ("-lr", number, 0.05, "learning rate"),
            ("-lrUpdateRate", positive, 100, "change the rate of updates for the learning rate"),
            ("-dim", positive, 100, "size of word vectors"),
            ("-ws", positive, 5, "size of the context window"),
            ("-epoch", positive, 5, "number of epochs"),
            ("-neg", positive, 5, "number of negatives sampled"),
            ("-loss", str, "ns", "loss function {ns, hs, softmax}"),
            ("-thread", positive, 12, "number of threads"),
            ("-pretrainedVectors", str, "", "pretrained word vectors (.vec) to start from"),
            ("-seed", int, 0, "random generator seed"),
            ("-verbose", count, 2, "verbosity level: 0 silent, 1 summary, 2 progress line"),
        ]),
    ]
    for title, options in flags:
        group = parser.add_argument_group(title)
        for flag, kind, default, text in options:
            default = defaults.get(flag[1:], default)
            metavar = "PATH" if flag == "-pretrainedVectors" else ("X" if kind is number else
                                                                   "N" if kind is not str else "S")
            extra = {"choices": losses} if flag == "-loss" else {}
            group.add_argument(flag, type=kind, default=default, metavar=metavar,
                               help=f"{text} [{default:g}]" if kind is number else f"{text} [{default}]", **extra)
        if title == "training arguments":
            group.add_argument("-saveOutput", action="store_true",
                               help="also write the output matrix to <output>.output [false]")
    parser.set_defaults(handler=handler or cmd_train)
    return parser


def _add_query_parsers(commands) -> None:
    k_help = "number of results (default: 10)"
    specs = [
        ("print-word-vectors", cmd_print_word_vectors, "print word vectors given a trained model",
         "Reads words from standard input (one or many per line) and prints 'word v1 v2 ...' for each.\n"
         f"example: echo 'king queen' | {PROG} print-word-vectors model.bin", ()),
        ("print-sentence-vectors", cmd_print_sentence_vectors, "print sentence vectors given a trained model",
         "Prints one vector per line of standard input: the mean of the line's unit word vectors\n"
         "(supervised models: the mean of its words' and word n-grams' input rows).\n"
         f"example: {PROG} print-sentence-vectors model.bin < sentences.txt", ()),
        ("print-ngrams", cmd_print_ngrams, "print ngrams given a trained model and word",
         f"Prints each subword of WORD and its input vector.\nexample: {PROG} print-ngrams model.bin where", ("word",)),
        ("nn", cmd_nn, "query for nearest neighbors",
         "Reads query words from standard input; prints the k nearest words and their cosine similarity.\n"
         f"example: echo king | {PROG} nn model.bin 5", ("k",)),
        ("analogies", cmd_analogies, "query for analogies",
         "Reads triplets A B C from standard input; prints the k words nearest to A - B + C.\n"
         f"example: echo 'berlin germany france' | {PROG} analogies model.bin 5", ("k",)),
        ("dump", cmd_dump, "dump arguments, dictionary, input/output vectors",
         f"example: {PROG} dump model.bin args", ("option",)),
    ]
    for name, handler, summary, epilog, extra in specs:
        parser = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".",
                                     epilog=epilog, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("model", help="model filename (.bin or .ftz)")
        if "word" in extra:
            parser.add_argument("word", help="word to print")
        if "k" in extra:
            parser.add_argument("k", nargs="?", type=_int_at_least(1), default=10, help=k_help)
        if "option" in extra:
            parser.add_argument("option", choices=("args", "dict", "input", "output"), help="what to print")
        parser.set_defaults(handler=handler)


def build_parser() -> ArgumentParser:
    """The ``gensim-ftx`` argument parser: fastText's commands, each with fastText's flags."""
    from .. import __version__

    parser = ArgumentParser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="fastText's command line, on gensim_ftx's engine.",
        epilog=f"'{PROG} <command> --help' describes each command. Exit status: 0 success, 1 input error, "
               "2 usage error, 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True, parser_class=ArgumentParser)
    _add_training_parser(commands, "skipgram", "train a skipgram model")
    _add_training_parser(commands, "cbow", "train a cbow model")
    _add_query_parsers(commands)
    from . import classify, supervised

    supervised.add_parsers(commands)
    classify.add_parsers(commands, dict(allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    import logging

    verbose = getattr(args, "verbose", 2)
    if verbose == 0:  # silent: not even warnings
        for name in ("gensim", "gensim_ftx", "smart_open"):
            logging.getLogger(name).setLevel(logging.ERROR)
    elif verbose >= 3:  # beyond fastText's levels: the engine's own log
        logging.basicConfig(format="%(asctime)s : %(levelname)s : %(message)s", level=logging.INFO)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that the exit flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gensim-ftx`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 input error, 2 usage error, 130 interrupted, 141 broken pipe.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:
            prog = f"{PROG} {args.command}"
            raise UsageError(f"{prog}: error: unrecognized arguments: {' '.join(extra)} (see '{prog} --help')")
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    _configure_logging(args)
    try:
        return args.handler(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except InputError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141  # as a program killed by SIGPIPE


def run() -> None:
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":
    run()
