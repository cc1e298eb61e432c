"""fastText's query commands: ``print-word-vectors``, ``print-sentence-vectors``, ``print-ngrams``, ``nn``,
``analogies`` and ``dump``.

Each reads a model file and prints what fastText's binary prints, byte for byte: vectors as
``%.5g`` values each followed by a space, neighbours and analogies as ``word score`` lines after
fastText's prompts, and ``dump``'s arguments, dictionary and matrices in fastText's own layout.
Words and lines come from standard input in batches (:mod:`gensim_ftx.cli.stdin`), so that each
batch costs one bulk vector lookup. :func:`add_parsers` registers the commands.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..args import LOSS_CODES, MODEL_CODES
from ..predict.query import Neighbours, Vocabulary, analogy_query, input_rows, sentence_vectors
from .errors import InputError
from .models import load_model, load_vocabulary
from .parsing import PROG, _int_at_least
from .stdin import _write_prompt, line_batches, token_batches

if TYPE_CHECKING:  # the package imports gensim: only load it when a command needs it
    from ..model import FastText

REAL = np.float32
_TEMPLATES: dict[tuple[str, int], str] = {}

# ---------------------------------------------------------------------------------------------
# printing vectors and answers


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


# ---------------------------------------------------------------------------------------------
# dump

# the names fastText's dump prints for the codes (Args::lossToString, Args::modelToString)
_LOSS_NAMES = {code: {"ova": "one-vs-all"}.get(name, name) for name, code in LOSS_CODES.items()}
_MODEL_NAMES = {code: {"skipgram": "sg", "supervised": "sup"}.get(name, name) for name, code in MODEL_CODES.items()}


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
# command line


def add_parsers(commands) -> None:
    """Register the query commands on the ``gensim-ftx`` sub-parsers."""
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

