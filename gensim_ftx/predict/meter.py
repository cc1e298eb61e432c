"""``model.get_meter(path, k)``: fastText's ``Meter`` with false negatives, for precision-recall curves."""
from __future__ import annotations

import numpy as np

FALSE_NEGATIVE_SCORE = np.float32(-1.0)  # fastText's score for a gold label that was not predicted


class _Meter:
    """Scores and gold flags of every prediction on a labelled file (fastText's ``Meter(true)``).

    Gold labels that were not predicted are recorded with score -1, so recall is measured
    against every gold label.
    """

    def __init__(self, model, labels: np.ndarray, scores: np.ndarray, golds: np.ndarray, gold_counts: np.ndarray):
        self._model = model
        self._labels = labels          # label id of each entry
        self._scores = scores          # float32, min(p, 1)
        self._golds = golds            # float32, 1.0 for a gold label
        self._gold_counts = gold_counts

    @classmethod
    def from_file(cls, model, path: str, k: int = -1) -> _Meter:
        from .scorer import Batch

        predictor = model.predictor
        nlabels = len(predictor.labels)
        try:
            with open(path, "rb") as stream:
                batch = Batch.from_buffer(stream.read())
        except OSError as err:
            raise ValueError("Test file cannot be opened!") from err
        ids, probs, counts, sizes, gold = predictor.predict_batch(batch, k, 0.0, want_gold=True)
        usable = (sizes > 0) & (counts >= 0)
        line_of_gold = np.repeat(np.arange(len(counts)), sizes)
        kept = usable[line_of_gold]
        gold_lines, gold_ids = line_of_gold[kept].astype(np.int64), gold[kept].astype(np.int64)
        rows, cols = np.nonzero(usable[:, None] & (np.arange(ids.shape[1])[None, :] < counts[:, None]))
        chosen = ids[rows, cols].astype(np.int64)
        gold_keys = np.unique(gold_lines * nlabels + gold_ids)
        hit = np.isin(rows * nlabels + chosen, gold_keys)
        missed = ~np.isin(gold_lines * nlabels + gold_ids, rows * nlabels + chosen)
        labels = np.concatenate([chosen, gold_ids[missed]])
        scores = np.concatenate([np.minimum(probs[rows, cols], np.float32(1.0)),
                                 np.full(int(missed.sum()), FALSE_NEGATIVE_SCORE, dtype=np.float32)])
        golds = np.concatenate([hit.astype(np.float32), np.ones(int(missed.sum()), dtype=np.float32)])
        return cls(model, labels, scores, golds, np.bincount(gold_ids, minlength=nlabels))

    def _label_id(self, label: str | None) -> int | None:
        if not label:
            return None
        return self._model.get_label_id(label)

    def _pairs(self, label_id: int | None) -> tuple[np.ndarray, np.ndarray]:
        keep = slice(None) if label_id is None else self._labels == label_id
        scores, golds = self._scores[keep], self._golds[keep]
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
        golds = int(self._gold_counts.sum() if label_id is None else self._gold_counts[label_id])
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
