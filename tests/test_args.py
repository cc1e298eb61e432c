"""One argument table (:mod:`gensim_ftx.args`) and every face agreeing with it: the CLI's flags,
defaults, help and ranges, the Python signatures of both faces and scikit-learn's estimator, the
``fasttext`` face's defaults, and the arguments a saved ``.bin`` records."""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import gensim_ftx
from gensim_ftx import args as table
from gensim_ftx.classifier import train_supervised_model
from gensim_ftx.cli import build_parser
from gensim_ftx.fasttext import training
from gensim_ftx.io.fbbin import LOSSES

SNAKE = {"minCount": "min_count", "minCountLabel": "min_count_label", "wordNgrams": "word_ngrams",
         "lrUpdateRate": "lr_update_rate", "pretrainedVectors": "pretrained_vectors"}
TRAINING = [name for name, arg in table.ARGS.items() if arg.group != "autotune arguments"]


def parse(command: str, *extra: str):
    return build_parser().parse_args([command, "-input", "in.txt", "-output", "out", *extra])


@pytest.mark.parametrize("command", ["skipgram", "cbow", "supervised"])
def test_cli_defaults_are_the_tables(command):
    got = vars(parse(command))
    for name in TRAINING:
        assert got[name] == table.ARGS[name].default_for(command == "supervised"), name


@pytest.mark.parametrize("command", ["skipgram", "supervised"])
def test_cli_help_lists_every_argument_with_its_default(command):
    text = build_parser()._subparsers._group_actions[0].choices[command].format_help()
    for name in TRAINING:
        default = table.ARGS[name].default_for(command == "supervised")
        if table.ARGS[name].kind is bool:  # a flag, without a value
            assert re.search(rf"-{name}\s+.*?\[{str(default).lower()}\]", text, re.S), name
            continue
        shown = f"{default:g}" if table.ARGS[name].kind is float else str(default)
        assert re.search(rf"-{name} \S+\s+.*?\[{re.escape(shown)}\]", text, re.S), (name, shown)


@pytest.mark.parametrize("name", [n for n, a in table.ARGS.items() if n in table.LIMITS])
def test_cli_refuses_what_the_table_refuses(name):
    low, high = table.LIMITS[name][1:]
    bad = [str(high * 2 + 1) if high != float("inf") else "nan"]
    if low != -table.INT32_MAX:
        bad.append(str(low - 1))
    for value in bad:
        with pytest.raises(gensim_ftx.cli.UsageError, match=f"-{name}"):
            parse("skipgram", f"-{name}", value)


def test_fasttext_face_defaults_are_the_tables():
    for supervised, defaults in ((False, training.UNSUPERVISED_DEFAULTS), (True, training.SUPERVISED_DEFAULTS)):
        for name, arg in table.ARGS.items():
            if name != "thread" and name not in table.EXTRA_ARGS:  # thread: all cores but one
                assert defaults[name] == arg.default_for(supervised), name


def test_python_signatures_default_to_the_table():
    unsupervised = inspect.signature(gensim_ftx.train_unsupervised).parameters
    supervised = inspect.signature(train_supervised_model).parameters
    for name in TRAINING:
        if name in unsupervised and name != "thread":
            assert unsupervised[name].default == table.ARGS[name].default, name
        snake = SNAKE.get(name, name)
        if snake in supervised and name != "thread":
            assert supervised[snake].default == table.ARGS[name].default_for(True), name


def test_sklearn_parameters_default_to_the_table():
    sklearn = pytest.importorskip("gensim_ftx.sklearn")
    params = inspect.signature(sklearn.FastTextClassifier).parameters
    for name, parameter in params.items():
        if name in table.ARGS and parameter.default is not None and name != "verbose":
            assert parameter.default == table.ARGS[name].default_for(True), name


def test_codes_and_the_bucket_rule():
    assert LOSSES == table.LOSS_NAMES and {table.LOSS_CODES[v]: v for v in LOSSES.values()} == LOSSES
    assert [(n.name, n.value) for n in gensim_ftx.fasttext.FastText.loss_name] == list(table.LOSS_CODES.items())
    assert [(n.name, n.value) for n in gensim_ftx.fasttext.FastText.model_name] == list(table.MODEL_CODES.items())
    assert table.bucket_for(100, 1, 0) == 0  # no word n-grams, no character n-grams: no buckets
    assert table.bucket_for(100, 2, 0) == 100 and table.bucket_for(100, 1, 3) == 100


def test_saved_arguments_are_the_ones_given(tmp_path):
    """What a classifier is trained with is what its ``.bin`` header and ``model.f.getArgs()`` say."""
    from gensim_ftx import fasttext

    path = tmp_path / "train.txt"
    rng = np.random.default_rng(0)
    path.write_text("".join(f"__label__{i % 3} " + " ".join(rng.choice(list("abcdefgh"), 6)) + "\n"
                            for i in range(60)))
    given = dict(dim=7, ws=3, epoch=2, minCount=1, neg=4, wordNgrams=2, loss="hs", bucket=999, minn=2, maxn=3,
                 lrUpdateRate=50, t=1e-3)
    model = fasttext.train_supervised(str(path), thread=1, verbose=0, **given)
    model.save_model(str(tmp_path / "m.bin"))
    saved = fasttext.load_model(str(tmp_path / "m.bin")).f.getArgs()
    for name, value in given.items():
        expected = fasttext.FastText.loss_name[value] if name == "loss" else value
        assert getattr(saved, name) == expected, name
    assert saved.model == fasttext.FastText.model_name.supervised
    for name in ("lr", "thread", "minCountLabel", "label", "verbose", "pretrainedVectors"):  # not in a .bin
        assert getattr(saved, name) == table.ARGS[name].default, name


def test_quantize_defaults_are_the_table():
    """fastText's quantize arguments: both faces' signatures and the CLI's flags take the table's defaults."""
    from gensim_ftx.cli import build_parser
    from gensim_ftx.fasttext.model import _FastText
    from gensim_ftx.quantize import quantize_model

    for function in (_FastText.quantize, quantize_model):
        params = inspect.signature(function).parameters
        for name, arg in table.QUANTIZE_ARGS.items():
            assert params[name].default == arg.default, (function.__qualname__, name)
    parsed = build_parser().parse_args(["quantize", "-output", "m"])
    assert {name: getattr(parsed, name) for name in table.QUANTIZE_ARGS} == \
        {name: arg.default for name, arg in table.QUANTIZE_ARGS.items()}
    assert table.LIMITS["dsub"] == (True, 1, table.INT32_MAX) and table.LIMITS["cutoff"][1] == 0
