"""fastText's ``supervised`` and ``quantize`` commands.

``supervised`` writes ``<output>.bin`` (``.ftz`` when autotune targets a model size) and
``<output>.vec``; ``quantize`` reads ``<output>.bin`` and writes ``<output>.ftz``, as fastText does.
"""
from __future__ import annotations

import argparse
import sys

from ..args import ARGS, AUTOTUNE_DEFAULTS, QUANTIZE_ARGS
from ..train.progress import ProgressPrinter
from .errors import InputError, _one_line
from .parsing import PROG, ArgumentParser, _int_at_least, _non_negative_float
from .train import _add_training_parser, training_file

# where fastText's defaults for classifiers differ from those for word vectors
SUPERVISED_DEFAULTS = {name: arg.supervised for name, arg in ARGS.items() if arg.supervised is not None}
_EPILOG = f"""example:
  {PROG} supervised -input train.txt -output model -epoch 25 -wordNgrams 2
  {PROG} supervised -input train.txt -output model -autotune-validation valid.txt -autotune-duration 600
Each line of the input is one example: its tokens starting with the label prefix are its labels."""


def _save(model, output: str, quantized: bool) -> str:
    from ..io.vec import save_word_vectors

    path = output + (".ftz" if quantized else ".bin")
    for target, save in ((path, model.save_model), (output + ".vec",
                                                    lambda p: save_word_vectors(model.gensim_model.wv, p))):
        try:
            save(target)
        except OSError as err:
            raise InputError(f"{target} cannot be opened for saving! ({err.strerror or _one_line(err)})") from err
    return path


def cmd_supervised(args: argparse.Namespace) -> int:
    """Train a classifier and write its files."""
    from ..fasttext import train_supervised

    options = dict(lr=args.lr, dim=args.dim, ws=args.ws, epoch=args.epoch, minCount=args.minCount,
                   minCountLabel=args.minCountLabel, minn=args.minn, maxn=args.maxn, neg=args.neg,
                   wordNgrams=args.wordNgrams, loss="ova" if args.loss == "one-vs-all" else args.loss,
                   bucket=args.bucket, thread=args.thread, lrUpdateRate=args.lrUpdateRate, t=args.t, label=args.label,
                   verbose=args.verbose, pretrainedVectors=args.pretrainedVectors, seed=args.seed, mode=args.mode,
                   hashCount=args.hashCount, positionWeights=args.positionWeights, positionDims=args.positionDims)
    if args.autotune_validation:
        options.update(autotuneValidationFile=args.autotune_validation, autotuneMetric=args.autotune_metric,
                       autotunePredictions=args.autotune_predictions, autotuneDuration=args.autotune_duration,
                       autotuneModelSize=args.autotune_modelsize)
    with training_file(args.input) as path:
        try:
            model = train_supervised(input=path, **options)
        except KeyboardInterrupt as interrupt:
            model = getattr(interrupt, "model", None)
            if model is None:
                print(f"{PROG}: interrupted before training started; nothing saved", file=sys.stderr)
                return 130
            saved = _save(model, args.output, False)
            print(f"{PROG}: interrupted; saved the model trained so far to {saved}", file=sys.stderr)
            return 130
        except FloatingPointError as err:
            raise InputError(f"{args.input}: {_one_line(err)}") from err
        except (OSError, ValueError) as err:
            raise InputError(_one_line(err)) from err
    _save(model, args.output, model.is_quantized())
    return 0


def cmd_quantize(args: argparse.Namespace) -> int:
    """Quantise ``<output>.bin`` into ``<output>.ftz``."""
    from ..fasttext import load_model

    source = args.output + ".bin"
    try:
        model = load_model(source)
    except (OSError, ValueError) as err:
        raise InputError(_one_line(err)) from err
    printer = ProgressPrinter(sys.stderr, args.verbose)
    try:
        with training_file(args.input) if args.input else _nothing() as path:
            model.quantize(input=path, qout=args.qout, cutoff=args.cutoff, retrain=args.retrain, epoch=args.epoch,
                           lr=args.lr, thread=args.thread, verbose=args.verbose, dsub=args.dsub, qnorm=args.qnorm)
    except (OSError, ValueError) as err:
        raise InputError(_one_line(err)) from err
    printer.clear()
    target = args.output + ".ftz"
    try:
        model.save_model(target)
    except OSError as err:
        raise InputError(f"{target} cannot be opened for saving! ({err.strerror or _one_line(err)})") from err
    return 0


class _nothing:  # noqa: N801 - a context manager standing for "no input file"
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def add_parsers(commands) -> None:
    """Register ``supervised`` and ``quantize``."""
    parser = _add_training_parser(commands, "supervised", "train a supervised classifier",
                                  defaults=SUPERVISED_DEFAULTS, handler=cmd_supervised,
                                  losses=("softmax", "ns", "hs", "ova", "one-vs-all"), epilog=_EPILOG)
    tune = parser.add_argument_group("autotune arguments")
    tune.add_argument("-autotune-validation", metavar="PATH", default=AUTOTUNE_DEFAULTS["autotuneValidationFile"],
                      help="validation file: search the arguments not given for the best score on it")
    metric, predictions, duration = (AUTOTUNE_DEFAULTS[name] for name in
                                     ("autotuneMetric", "autotunePredictions", "autotuneDuration"))
    tune.add_argument("-autotune-metric", metavar="S", default=metric,
                      help=f"f1, f1:LABEL, precisionAtRecall:R[:LABEL] or recallAtPrecision:P[:LABEL] [{metric}]")
    tune.add_argument("-autotune-predictions", metavar="N", type=_int_at_least(1), default=predictions,
                      help=f"labels predicted a line while tuning [{predictions}]")
    tune.add_argument("-autotune-duration", metavar="SECONDS", type=_int_at_least(1), default=duration,
                      help=f"search time [{duration}]")
    tune.add_argument("-autotune-modelsize", metavar="SIZE", default=AUTOTUNE_DEFAULTS["autotuneModelSize"],
                      help="file size to fit (quantised), e.g. 2M [unlimited]")
    quant: ArgumentParser = commands.add_parser(
        "quantize", help="quantize a model to reduce the memory usage",
        description="Quantise <output>.bin into <output>.ftz (fastText's 'quantize' command).",
        epilog=f"example: {PROG} quantize -output model -input train.txt -qnorm -retrain -epoch 1 -cutoff 100000",
        allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter)
    quant.add_argument("-output", required=True, metavar="PATH", help="model to quantise, without extension")
    quant.add_argument("-input", default="", metavar="PATH", help="training file, for -retrain")
    for name, arg in QUANTIZE_ARGS.items():
        if arg.kind is bool:
            quant.add_argument(f"-{name}", action="store_true", help=arg.help)
        else:
            quant.add_argument(f"-{name}", type=_int_at_least(int(arg.low)), default=arg.default, metavar="N",
                               help=f"{arg.help} [{arg.default}]")
    # fastText's quantize retrains with its (unsupervised) Args defaults
    epoch, lr, thread, verbose = (ARGS[name].default for name in ("epoch", "lr", "thread", "verbose"))
    quant.add_argument("-epoch", type=_int_at_least(1), default=epoch, metavar="N",
                       help=f"epochs of retraining [{epoch}]")
    quant.add_argument("-lr", type=_non_negative_float, default=lr, metavar="X",
                       help=f"learning rate of retraining [{lr:g}]")
    quant.add_argument("-thread", type=_int_at_least(1), default=thread, metavar="N",
                       help=f"number of threads [{thread}]")
    quant.add_argument("-verbose", type=_int_at_least(0), default=verbose, metavar="N",
                       help=f"verbosity level [{verbose}]")
    quant.set_defaults(handler=cmd_quantize)
