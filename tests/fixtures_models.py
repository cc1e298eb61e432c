"""Small fastText and floret models, trained on gensim's test corpora, for the comparison tests.

:class:`ModelBuilder` (used once per session by ``conftest.py``) trains every model with the trainer's
own Python package and saves it with the trainer's ``save_model``; the tests then compare gensim_ftx
against the trainer reading the very same file.

Each model is trained in a fresh interpreter (this file run as a script). The ``fasttext`` 0.9.3 wheel
leaks state from one training to the next within a process: a second ``train_unsupervised`` in the same
process often stops with "Encountered NaN", while the same call in a new process succeeds.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

# Out-of-vocabulary probes: ASCII, accented Latin (multi-byte UTF-8, bytes >= 0x80 hash sign-extended),
# CJK, a 4-byte emoji, words shorter than minn, the empty string ("<>" is a 2-gram) and a long word.
OOV_WORDS = [
    "qwertzuiop", "Gensimification", "café", "naïveté", "日本語", "😀", "a", "ab", "", "x-y_z",
    "antidisestablishmentarianism" * 3,
]

# ~60k tokens of news text, one article per line (it ships with gensim).
UNSUPERVISED_CORPUS = "lee_background.cor"
# 200 "__label__pos|neg sentence" lines; a few words hold Latin-1 bytes, i.e. invalid UTF-8.
POLARITY_CORPUS = "pang_lee_polarity.cor"
SMALL_CORPUS_LINES = 60  # a full softmax over the vocabulary is slow: those models get a shorter corpus

# A realistic bucket count. Every model needs buckets: with bucket = 0 (which the wheel forces when
# maxn == 0 and wordNgrams == 1) its training always stops with "Encountered NaN".
BUCKET = 200000
UNSUPERVISED = dict(dim=12, epoch=1, ws=3, minCount=5, bucket=BUCKET)
SUPERVISED = dict(dim=10, epoch=10, lr=0.5, minCount=1)
NAN_EXIT = 3  # exit status of the training script when the trainer hit "Encountered NaN"


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How to make one fixture model."""

    name: str
    params: dict
    trainer: str = "fasttext"  # the Python module that trains it and serves as the reference
    supervised: bool = False
    corpus: str = "lee"  # 'lee', 'lee_small', 'lee_labelled' or 'polarity'
    base: str | None = None  # quantised models: the model they are made from ...
    quantize: dict | None = None  # ... and the arguments of ``quantize``

    @property
    def filename(self) -> str:
        return self.name + (".ftz" if self.quantize else ".bin")

    @property
    def loss(self) -> str:
        if self.base:
            return SPEC_BY_NAME[self.base].loss
        return self.params.get("loss", "softmax" if self.supervised else "ns")

    @property
    def quantized(self) -> bool:
        return self.quantize is not None

    @property
    def floret_mode(self) -> bool:
        return self.params.get("mode") == "floret"


def _unsup(name: str, corpus: str = "lee", **params) -> ModelSpec:
    return ModelSpec(name, {**UNSUPERVISED, **params}, corpus=corpus)


def _sup(name: str, **params) -> ModelSpec:
    return ModelSpec(name, {**SUPERVISED, **params}, supervised=True, corpus="polarity")


SPECS = [
    _unsup("sg_ns", model="skipgram", loss="ns"),
    _unsup("sg_hs", model="skipgram", loss="hs"),
    _unsup("sg_softmax", "lee_small", model="skipgram", loss="softmax"),
    _unsup("cbow_ns", model="cbow", loss="ns", neg=3),
    _unsup("cbow_hs", model="cbow", loss="hs"),
    _unsup("cbow_softmax", "lee_small", model="cbow", loss="softmax"),
    _unsup("sg_minn2_maxn4", model="skipgram", minn=2, maxn=4, dim=16),
    _unsup("cbow_minn5_maxn5", model="cbow", minn=5, maxn=5, dim=20),
    # No character n-grams. The wheel sets bucket = 0 when maxn == 0 and wordNgrams == 1, and then always
    # stops with "Encountered NaN"; wordNgrams (unused by unsupervised training) keeps the buckets.
    _unsup("sg_maxn0", model="skipgram", maxn=0, dim=10, wordNgrams=2),
    # Supervised models need buckets for the same reason: word bigrams and/or character n-grams.
    # (gensim's pang_lee_polarity_fasttext.bin covers a bucket-free classifier.)
    _sup("sup_softmax", loss="softmax", wordNgrams=2, bucket=BUCKET),
    _sup("sup_ova", loss="ova", minn=2, maxn=4, bucket=BUCKET),
    # Word trigrams and character n-grams: the words' n-grams (Latin-1 bytes included) are hashed.
    _sup("sup_ngrams", loss="softmax", wordNgrams=3, minn=3, maxn=5, bucket=BUCKET),
    # Quantised with a cutoff: rows are pruned (words drop out, n-gram buckets get a pruning table).
    ModelSpec("sup_quant_qnorm", {}, supervised=True, corpus="polarity", base="sup_ngrams",
              quantize=dict(qnorm=True, cutoff=5000, retrain=False)),
    # One label per article: fastText only quantises an output matrix of at least 256 rows.
    # Short lines and many epochs, so that predictions are far from uniform (the predict test needs that).
    ModelSpec("sup_many_labels", {**SUPERVISED, "loss": "softmax", "wordNgrams": 2, "bucket": BUCKET,
                                  "epoch": 50, "lr": 1.0}, supervised=True, corpus="lee_labelled"),
    # Hierarchical softmax over 300 labels: prediction walks fastText's Huffman tree.
    ModelSpec("sup_hs_many_labels", {**SUPERVISED, "loss": "hs", "wordNgrams": 2, "bucket": BUCKET,
                                     "epoch": 30, "lr": 0.3}, supervised=True, corpus="lee_labelled"),
    # Quantised input and output matrices, without norm quantisation.
    ModelSpec("sup_quant_qout", {}, supervised=True, corpus="lee_labelled", base="sup_many_labels",
              quantize=dict(qout=True, cutoff=3000, retrain=False)),
    ModelSpec("floret_floret", {**UNSUPERVISED, "model": "skipgram", "mode": "floret", "hashCount": 2,
                                "minn": 3, "maxn": 5, "bucket": 50000}, trainer="floret"),
    ModelSpec("floret_fasttext", {**UNSUPERVISED, "model": "cbow", "mode": "fasttext", "minn": 3,
                                  "maxn": 5}, trainer="floret"),
]
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


def spec_names(predicate=lambda spec: True) -> list[str]:
    return [spec.name for spec in SPECS if predicate(spec)]


def trainer_available(trainer: str) -> bool:
    try:
        importlib.import_module(trainer)
    except ImportError:
        return False
    return True


@dataclasses.dataclass
class TrainedModel:
    spec: ModelSpec
    path: Path
    reference: object  # the trainer's model, loaded back from ``path``
    corpus: str  # the training text


class ModelBuilder:
    """Trains the fixture models into ``workdir`` (two at a time) and hands them out."""

    def __init__(self, workdir: Path, jobs: int = 2):
        self.workdir = Path(workdir)
        self.jobs = jobs
        self.errors: dict[str, str] = {}
        self._references: dict[str, object] = {}

    def corpus(self, key: str) -> str:
        from gensim.test.utils import datapath

        if key == "lee":
            return datapath(UNSUPERVISED_CORPUS)
        if key == "polarity":
            return datapath(POLARITY_CORPUS)
        if key == "lee_small":
            target = self.workdir / "lee_small.cor"
            if not target.exists():
                with open(datapath(UNSUPERVISED_CORPUS), "rb") as src:
                    target.write_bytes(b"".join(src.readlines()[:SMALL_CORPUS_LINES]))
            return str(target)
        if key == "lee_labelled":
            target = self.workdir / "lee_labelled.txt"
            if not target.exists():
                # Each article's label and first dozen tokens.
                with open(datapath(UNSUPERVISED_CORPUS), "rb") as src:
                    lines = [b"__label__doc%d %s\n" % (i, b" ".join(line.split()[:12]))
                             for i, line in enumerate(src)]
                target.write_bytes(b"".join(lines))
            return str(target)
        raise KeyError(key)

    def path(self, name: str) -> Path:
        return self.workdir / SPEC_BY_NAME[name].filename

    def build_all(self) -> None:
        """Train every model whose trainer is installed; failures are kept in ``errors``."""
        specs = [spec for spec in SPECS if trainer_available(spec.trainer)]
        for key in {spec.corpus for spec in specs}:  # derived corpora are written before any training starts
            self.corpus(key)
        with ThreadPoolExecutor(self.jobs) as pool:
            # Dense models first: quantised ones start from them.
            for stage in ([s for s in specs if not s.base], [s for s in specs if s.base]):
                list(pool.map(self._build, stage))

    def _build(self, spec: ModelSpec) -> None:
        if spec.base and spec.base in self.errors:
            self.errors[spec.name] = f"base model {spec.base} failed"
            return
        job = dict(trainer=spec.trainer, supervised=spec.supervised, corpus=self.corpus(spec.corpus),
                   params=spec.params, quantize=spec.quantize, output=str(self.path(spec.name)),
                   base=str(self.path(spec.base)) if spec.base else None)
        for _ in range(3):  # retry (in a new process) when the trainer stops on NaN
            done = subprocess.run([sys.executable, __file__, json.dumps(job)], capture_output=True, text=True)
            if done.returncode != NAN_EXIT:
                break
        if done.returncode != 0:
            self.errors[spec.name] = f"exit status {done.returncode}: {done.stderr[-2000:]}"

    def get(self, name: str) -> TrainedModel:
        spec = SPEC_BY_NAME[name]
        if name in self.errors:
            raise RuntimeError(f"training fixture model {name} failed: {self.errors[name]}")
        path = self.path(name)
        if name not in self._references:
            self._references[name] = importlib.import_module(spec.trainer).load_model(str(path))
        return TrainedModel(spec, path, self._references[name], self.corpus(spec.corpus))


# ---------------------------------------------------------------------------------------------
# comparison helpers


def reference_words(reference) -> list[bytes]:
    """The trainer's vocabulary as the raw bytes of each word (some are not valid UTF-8)."""
    words = reference.get_words(on_unicode_error="surrogateescape")
    return [word.encode("utf-8", "surrogateescape") for word in words]


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def as_key(raw: bytes, encoding: str = "utf-8") -> str:
    """The key gensim_ftx should use for a dictionary entry: decoded, invalid bytes backslash-escaped."""
    return raw.decode(encoding, errors="backslashreplace")


def assert_vectors_equal(words, got, expected, atol: float = 1e-6) -> None:
    """Row-wise comparison that names the first word whose vector differs."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    error = np.abs(got - expected).max(axis=1) if len(got) else np.zeros(0)
    bad = np.flatnonzero(~(error <= atol))
    if len(bad):
        i = int(bad[0])
        raise AssertionError(f"{len(bad)} of {len(got)} vectors differ; first {words[i]!r}: max error "
                             f"{error[i]:.3g}\ngot      {got[i][:6]}\nexpected {expected[i][:6]}")


# ---------------------------------------------------------------------------------------------
# the training script (one model per process)


def _run_job(job: dict) -> None:
    module = importlib.import_module(job["trainer"])
    if job["quantize"]:
        # quantize() changes the model in place; it starts from the saved dense model.
        model = module.load_model(job["base"])
        model.quantize(input=job["corpus"], thread=1, verbose=0, **job["quantize"])
    else:
        train = module.train_supervised if job["supervised"] else module.train_unsupervised
        model = train(input=job["corpus"], thread=1, verbose=0, **job["params"])
    model.save_model(job["output"])


if __name__ == "__main__":
    try:
        _run_job(json.loads(sys.argv[1]))
    except RuntimeError as err:
        if "NaN" not in str(err):
            raise
        print(err, file=sys.stderr)
        sys.exit(NAN_EXIT)
