"""Calibrated confidence: the probability that the best article is the right one.

A logistic regression over three features of a retrieval result (top score, margin to the second
article, whether the article is in the user's language), fitted on the ``fit`` half of the
project's own question set (``eval/data``, see ``bot.question_set``) and saved beside the index as ``calibration.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True, slots=True)
class Features:
    top_score: float
    margin: float
    lang_match: float

    def vector(self) -> list[float]:
        return [self.top_score, self.margin, self.lang_match]


def features(scores: Sequence[float], hit_lang: str | None, user_lang: str | None) -> Features:
    """Features of a ranked result (scores best first)."""
    top = scores[0] if scores else 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    return Features(top, top - second, 1.0 if hit_lang == user_lang else 0.0)


@dataclass(frozen=True, slots=True)
class Calibrator:
    """``p = sigmoid(w . x + b)``."""

    weights: tuple[float, ...]
    bias: float
    model: str = ""
    kb_sha256: str = ""
    ece: float | None = None
    n: int = 0
    # sha256 of the question rows fitted on (``bot.question_set.rows_digest``): a saved calibration
    # fitted on other rows (another half, an older question set) is refitted.
    rows_sha256: str = ""

    def probability(self, f: Features) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, f.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        data = {
            "weights": list(self.weights), "bias": self.bias, "model": self.model,
            "kb_sha256": self.kb_sha256, "ece": self.ece, "n": self.n, "rows_sha256": self.rows_sha256,
            "features": ["top_score", "margin", "lang_match"],
        }
        (folder / CALIBRATION_FILE).write_text(json.dumps(data, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Calibrator | None:
        path = folder / CALIBRATION_FILE
        if not path.is_file():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(d["weights"]), float(d["bias"]), d.get("model", ""), d.get("kb_sha256", ""),
                   d.get("ece"), int(d.get("n", 0)), d.get("rows_sha256", ""))


# Used only until a calibration is fitted (no question set for this knowledge base): a cautious
# mapping from the e5 score scale, where right answers typically score above 0.9.
FALLBACK = Calibrator(weights=(40.0, 60.0, 0.5), bias=-36.5, model="fallback")


def expected_calibration_error(probs: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of |accuracy - mean confidence| x bin share."""
    p = np.asarray(probs, dtype=float)
    y = np.asarray(correct, dtype=float)
    if len(p) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def _fit_raw(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features, returned as weights on the raw features
    (scores live in a narrow band, so unscaled features would be all but ignored by the penalty)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    clf = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / std, y)
    w = clf.coef_[0] / std
    return w, float(clf.intercept_[0] - (clf.coef_[0] * mean / std).sum())


def _predict(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -50, 50)))
    return out


def fit(
    rows: Sequence[Features], correct: Sequence[bool], *, model: str = "", kb_sha256: str = "", rows_sha256: str = ""
) -> Calibrator:
    """Fit the logistic regression; the reported ECE is from 5-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold

    x = np.array([r.vector() for r in rows], dtype=float)
    y = np.array(correct, dtype=int)
    if len(set(y.tolist())) < 2:
        return Calibrator(FALLBACK.weights, FALLBACK.bias, model, kb_sha256, None, len(y), rows_sha256)
    folds = min(5, int(min(y.sum(), len(y) - y.sum())))
    held_out = np.zeros(len(y))
    if folds >= 2:
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
            w, b = _fit_raw(x[train], y[train])
            held_out[test] = _predict(w, b, x[test])
    w, b = _fit_raw(x, y)
    ece = expected_calibration_error(held_out.tolist(), y.astype(bool).tolist()) if folds >= 2 else None
    return Calibrator(tuple(float(v) for v in w), b, model, kb_sha256, ece, len(y), rows_sha256)
