"""fastText's classifier commands: ``predict``, ``predict-prob``, ``test`` and ``test-label``.

Outputs are fastText's, byte for byte: one line of labels (and probabilities) per input line,
``N``/``P@k``/``R@k`` for ``test``, the per-label table of ``test-label``.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Iterator
from typing import BinaryIO

from .errors import InputError, UsageError
from .parsing import PROG
from .stdin import line_batches


def _open_model(path: str):
    from ..fasttext import load_model

    try:
        model = load_model(path)
    except (OSError, ValueError, EOFError) as err:
        raise InputError(str(err).split("\n")[0]) from err
    if not model._supervised:
        raise InputError(f"{path}: Model needs to be supervised for prediction!")
    return model


@contextlib.contextmanager
def _input(path: str, what: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(path, "rb")
    except OSError as err:
        raise InputError(f"{what} cannot be opened! ({path}: {err.strerror})") from err
    with stream:
        yield stream


def _k(args: argparse.Namespace) -> int:
    if args.k == 0 or args.k < -1:
        raise UsageError(f"{PROG} {args.command}: error: k needs to be 1 or higher (or -1 for all labels)")
    return args.k


def cmd_predict(args: argparse.Namespace) -> int:
    """One line per input line: its best labels (``predict-prob``: each followed by its probability)."""
    from ..predict.scorer import Batch

    k = _k(args)
    model = _open_model(args.model)
    predictor = model.predictor
    names = [label.encode("utf-8") for label in predictor.labels]
    with_prob = args.command == "predict-prob"
    out = sys.stdout.buffer
    with _input(args.input, "Input file") as stream:
        for batch in line_batches(stream):
            ids, probs, counts = predictor.predict_batch(
                Batch.from_texts([line for line, _ in batch], ended=[ended for _, ended in batch]), k, args.threshold)
            rows = []
            for row, scores, count in zip(ids.tolist(), probs.tolist(), counts.tolist()):
                if with_prob:
                    rows.append(b" ".join(names[j] + b" %g" % p for j, p in zip(row[:count], scores[:count])))
                else:
                    rows.append(b" ".join(names[j] for j in row[:count]))
            out.write(b"\n".join(rows) + b"\n")
            out.flush()
    return 0


def _metric(name: str, value: float) -> str:
    return f"{name} : " + (f"{value:.6f}" if math.isfinite(value) else "--------") + "  "


def cmd_test(args: argparse.Namespace) -> int:
    """Precision and recall at k on a labelled file (``test-label``: each label's too)."""
    k = _k(args)
    model = _open_model(args.model)
    with _input(args.input, "Test file") as stream:
        meter = model.predictor.test_stream(stream, k, args.threshold)
    lines = []
    fixed = args.command == "test-label"
    if fixed:
        for i, label in enumerate(model.predictor.labels):
            lines.append(_metric("F1-Score", meter.f1score(i)) + _metric("Precision", meter.precision(i))
                         + _metric("Recall", meter.recall(i)) + " " + label)
    number = "{:.3f}" if fixed else "{:.3g}"  # fastText leaves std::fixed set after the table
    lines += [f"N\t{meter.nexamples}", f"P@{k}\t" + _nan(number, meter.precision()),
              f"R@{k}\t" + _nan(number, meter.recall())]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _nan(template: str, value: float) -> str:
    return template.format(value) if math.isfinite(value) else "nan" if math.isnan(value) else "inf"


def add_parsers(commands, parser_options: dict) -> None:
    """Register the classifier commands on the ``gensim-ftx`` sub-parsers."""
    specs = [
        ("predict", cmd_predict, "predict most likely labels",
         "Prints the k most likely labels of each line of TEST_DATA ('-': standard input).\n"
         f"example: {PROG} predict model.bin test.txt 3"),
        ("predict-prob", cmd_predict, "predict most likely labels with probabilities",
         f"As predict, each label followed by its probability.\nexample: {PROG} predict-prob model.bin - 1 0.5"),
        ("test", cmd_test, "evaluate a supervised classifier",
         f"Prints N, precision at k and recall at k on a labelled file.\nexample: {PROG} test model.bin valid.txt 5"),
        ("test-label", cmd_test, "print labels with precision and recall scores",
         "As test, preceded by each label's F1, precision and recall.\n"
         f"example: {PROG} test-label model.bin valid.txt"),
    ]
    for name, handler, summary, epilog in specs:
        parser = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".",
                                     epilog=epilog, **parser_options)
        parser.add_argument("model", help="model filename (.bin or .ftz)")
        parser.add_argument("input", metavar="test-data", help="test data filename (if -, read from stdin)")
        parser.add_argument("k", nargs="?", type=int, default=1, help="predict top k labels (default: 1)")
        parser.add_argument("threshold", metavar="th", nargs="?", type=float, default=0.0,
                            help="probability threshold (default: 0.0)")
        parser.set_defaults(handler=handler)
