"""fastText's ``Meter``: the predictions on a labelled file against its gold labels.

:class:`Meter` counts what ``test`` and ``test_label`` report (precision, recall and F1, over all
labels or one) and, when asked, keeps every prediction's score with false negatives for the
curves of ``model.get_meter`` (:class:`_Meter`, fastText's Python class of that name).
"""
from __future__ import annotations

import numpy as np

FALSE_NEGATIVE_SCORE = np.float32(-1.0)  # fastText's score for a gold label that was not predicted


def match(labels: np.ndarray, counts: np.ndarray, gold_sizes: np.ndarray, gold_ids: np.ndarray, nlabels: int):
    """A batch's predictions matched with its gold labels, on the lines fastText counts (a known
    label and at least one input row).

    Returns ``(valid, rows, cols, chosen, hit, gold, found)``: the counted lines; the line and rank
    of each prediction shown and its label; whether it is gold; the gold labels of counted lines;
    whether each of those was predicted.
    """
    line_of_gold = np.repeat(np.arange(len(counts)), gold_sizes)
    valid = (gold_sizes > 0) & (counts >= 0)
    kept = valid[line_of_gold]
    gold_keys = line_of_gold[kept].astype(np.int64) * nlabels + gold_ids[kept]
    rows, cols = np.nonzero(valid[:, None] & (np.arange(labels.shape[1])[None, :] < counts[:, None]))
    chosen = labels[rows, cols].astype(np.int64)
    chosen_keys = rows.astype(np.int64) * nlabels + chosen
    return valid, rows, cols, chosen, np.isin(chosen_keys, gold_keys), gold_ids[kept].astype(np.int64), \
        np.isin(gold_keys, chosen_keys)


class Meter:
    """fastText's ``Meter``: precision and recall of predictions against the gold labels.

    Parameters
    ----------
    nlabels : int
        The model's labels.
    scores : bool, keyword-only
        Also keep every prediction's score and gold flag, and each missed gold label with score
        -1 (fastText's ``Meter(true)``), for :class:`_Meter`'s curves.
    """

    def __init__(self, nlabels: int, *, scores: bool = False):
        self.nexamples = 0
        self.gold = np.zeros(nlabels, dtype=np.int64)
        self.predicted = np.zeros(nlabels, dtype=np.int64)
        self.predicted_gold = np.zeros(nlabels, dtype=np.int64)
        self._entries: list | None = [] if scores else None

    def add(self, labels: np.ndarray, counts: np.ndarray, gold_sizes: np.ndarray, gold_ids: np.ndarray,
            probs: np.ndarray | None = None) -> None:
        """Log a batch (``probs``: the predictions' probabilities, when scores are kept)."""
        nlabels = len(self.gold)
        valid, rows, cols, chosen, hit, gold, found = match(labels, counts, gold_sizes, gold_ids, nlabels)
        self.nexamples += int(valid.sum())
        self.gold += np.bincount(gold, minlength=nlabels)
        self.predicted += np.bincount(chosen, minlength=nlabels)
        self.predicted_gold += np.bincount(chosen[hit], minlength=nlabels)
        if self._entries is not None:
            missed = int((~found).sum())
            self._entries.append((
                np.concatenate([chosen, gold[~found]]),
                np.concatenate([np.minimum(probs[rows, cols], np.float32(1.0)),
                                np.full(missed, FALSE_NEGATIVE_SCORE, dtype=np.float32)]),
                np.concatenate([hit.astype(np.float32), np.ones(missed, dtype=np.float32)])))

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(labels, scores, golds)`` of every prediction and missed gold label (``scores=True``)."""
        if self._entries is None:
            raise ValueError("this meter kept no scores (Meter(..., scores=True) keeps them)")
        if not self._entries:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32)
        return tuple(np.concatenate(part) for part in zip(*self._entries))

    def precision(self, label: int | None = None) -> float:
        predicted = self.predicted.sum() if label is None else self.predicted[label]
        hits = self.predicted_gold.sum() if label is None else self.predicted_gold[label]
        return float(hits / predicted) if predicted else float("nan")

    def recall(self, label: int | None = None) -> float:
        gold = self.gold.sum() if label is None else self.gold[label]
        hits = self.predicted_gold.sum() if label is None else self.predicted_gold[label]
        return float(hits / gold) if gold else float("nan")

    def f1score(self, label: int | None = None) -> float:
        if label is None:
            p, r = self.precision(), self.recall()
            return 2 * p * r / (p + r) if p + r != 0 else float("nan")
        total = self.predicted[label] + self.gold[label]
        return float(2 * self.predicted_gold[label] / total) if total else float("nan")


class _Meter:
    """``model.get_meter(path, k)``: fastText's Python meter, with precision-recall curves.

    Gold labels that were not predicted are recorded with score -1, so recall is measured
    against every gold label.
    """

    def __init__(self, model, meter: Meter):
        self._model = model
        self._meter = meter

    @classmethod
    def from_file(cls, model, path: str, k: int = -1) -> _Meter:
        """The meter of ``model``'s predictions (``k`` a line) on the labelled file ``path``."""
        return cls(model, model.predictor.test_file(path, k, 0.0, scores=True))

    def _label_id(self, label: str | None) -> int | None:
        if not label:
            return None
        return self._model.get_label_id(label)

    def _pairs(self, label_id: int | None) -> tuple[np.ndarray, np.ndarray]:
        labels, scores, golds = self._meter.entries()
        keep = slice(None) if label_id is None else labels == label_id
        scores, golds = scores[keep], golds[keep]
        order = np.lexsort((golds, scores))  # fastText sorts (score, gold) pairs
        return scores[order], golds[order]

    def score_vs_true(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Scores and gold flags (1.0 / 0.0) of the predictions of ``label``, sorted by score."""
        return self._pairs(self._label_id(label))

    def _positive_counts(self, label_id: int | None) -> list[tuple[int, int]]:
        scores, golds = self._pairs(label_id)
        counts: list[tuple[int, int]] = []
        true_pos = false_pos = 0
        last = float(FALSE_NEGATIVE_SCORE) - 1.0
        for score, gold in zip(scores[::-1].tolist(), golds[::-1].tolist()):
            if score < 0:  # only reachable recall
                break
            if gold == 1.0:
                true_pos += 1
            else:
                false_pos += 1
            if score == last and counts:  # tied scores count as one threshold
                counts[-1] = (true_pos, false_pos)
            else:
                counts.append((true_pos, false_pos))
            last = score
        return counts

    def _curve(self, label_id: int | None) -> list[tuple[float, float]]:
        counts = self._positive_counts(label_id)
        if not counts:
            return []
        gold = self._meter.gold
        golds = int(gold.sum() if label_id is None else gold[label_id])
        firsts = [tp for tp, _ in counts]
        full = int(np.searchsorted(firsts, golds, side="left"))
        end = full + 1 if full < len(counts) else len(counts)
        curve = []
        for tp, fp in counts[:end]:
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / golds if golds else float("nan")
            curve.append((precision, recall))
        curve.append((1.0, 0.0))
        return curve

    def precision_recall_curve(self, label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(precision, recall)`` arrays over the score thresholds, for one label or all."""
        curve = self._curve(self._label_id(label))
        if not curve:
            return np.array([]), np.array([])
        precision, recall = zip(*curve)
        return np.array(precision), np.array(recall)

    def precision_at_recall(self, recall: float, label: str | None = None) -> float:
        """The best precision among thresholds reaching at least ``recall``."""
        return max([p for p, r in self._curve(self._label_id(label)) if r >= recall], default=0.0)

    def recall_at_precision(self, precision: float, label: str | None = None) -> float:
        """The best recall among thresholds reaching at least ``precision``."""
        return max([r for p, r in self._curve(self._label_id(label)) if p >= precision], default=0.0)
