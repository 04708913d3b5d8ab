"""Benchmark metrics: pure functions over small dataclasses, checked against hand-computed cases.

Conventions, the same in every report:

* **Empty groups** give ``n = 0`` and ``None`` (JSON ``null``) for every rate, never an error.
* **Undefined rates are None.** Precision is None when nothing was predicted positive, recall when
  nothing is gold positive; F1/F2 are None when precision or recall is None, and 0.0 when both
  are 0 (defined, and as bad as it gets).
* **Ranking ties** are broken by article id, ascending (``rank_by_score``, the same rule as
  ``retrieval.scoring.rank``): a gold article tied on score with another one at the top counts as
  top-1 only if its id sorts first. Ranks are 1-based; a gold article missing from the list has no
  rank and counts as a miss at every cut-off (reciprocal rank 0).
* **No-answer rows** (gold ``None``) count only in the no-answer metrics, never in the ranking ones.
* **Percentiles** use the nearest-rank method: the smallest value with at least q% of the values
  at or below it (p50 of 1, 2, 3, 4 is 2).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

RECALL_CUTOFFS = (3, 5, 10)
MRR_CUTOFF = 10
NO_ANSWER_COVERAGE = 0.95


# ---------------------------------------------------------------------------------------------
# Small helpers


def share(flags: Iterable[bool]) -> float | None:
    """The fraction of true values; None for an empty sequence."""
    values = list(flags)
    return sum(values) / len(values) if values else None


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def group_by(items: Iterable[T], key: Callable[[T], K | None]) -> dict[K, list[T]]:
    """Items grouped on ``key`` (sorted by key); items whose key is None or "" are left out."""
    groups: defaultdict[K, list[T]] = defaultdict(list)
    for item in items:
        k = key(item)
        if k is not None and k != "":
            groups[k].append(item)
    return {k: groups[k] for k in sorted(groups)}  # type: ignore[type-var]


# ---------------------------------------------------------------------------------------------
# Ranking


@dataclass(frozen=True, slots=True)
class RankedQuery:
    """One retrieval query: its gold article (None: nothing should be answered) and what came back."""

    gold: str | None
    ranked: tuple[str, ...]  # article ids, best first, ties already broken
    top_score: float | None = None

    @property
    def rank(self) -> int | None:
        """1-based position of the gold article in ``ranked``; None when absent or no gold."""
        if self.gold is None or self.gold not in self.ranked:
            return None
        return self.ranked.index(self.gold) + 1


def rank_by_score(scored: Iterable[tuple[str, float]]) -> tuple[str, ...]:
    """Article ids best first: score descending, then id ascending for ties."""
    return tuple(doc for doc, _ in sorted(scored, key=lambda pair: (-pair[1], pair[0])))


def recall_at_k(queries: Sequence[RankedQuery], k: int) -> float | None:
    """Share of answerable queries whose gold article is in the top ``k``."""
    ranks = [q.rank for q in queries if q.gold is not None]
    return share(r is not None and r <= k for r in ranks)


def top1(queries: Sequence[RankedQuery]) -> float | None:
    return recall_at_k(queries, 1)


def mrr_at_k(queries: Sequence[RankedQuery], k: int = MRR_CUTOFF) -> float | None:
    """Mean reciprocal rank of the gold article within the top ``k`` (0 when it is not there)."""
    ranks = [q.rank for q in queries if q.gold is not None]
    return mean(1.0 / r if r is not None and r <= k else 0.0 for r in ranks)


def macro_top1(queries: Sequence[RankedQuery]) -> float | None:
    """Mean over gold articles of each article's own top-1 accuracy (rare articles weigh as much)."""
    by_gold = group_by((q for q in queries if q.gold is not None), lambda q: q.gold)
    return mean(v for v in (top1(qs) for qs in by_gold.values()) if v is not None)


def ranking_summary(queries: Sequence[RankedQuery]) -> dict[str, Any]:
    """``n, top1, recall@3, recall@5, recall@10, mrr@10, macro_top1`` over the answerable queries."""
    answerable = [q for q in queries if q.gold is not None]
    out: dict[str, Any] = {"n": len(answerable), "top1": top1(answerable)}
    for k in RECALL_CUTOFFS:
        out[f"recall@{k}"] = recall_at_k(answerable, k)
    out[f"mrr@{MRR_CUTOFF}"] = mrr_at_k(answerable, MRR_CUTOFF)
    out["macro_top1"] = macro_top1(answerable)
    return out


# ---------------------------------------------------------------------------------------------
# No answer: answerable vs unanswerable top scores


def _score(value: float | None) -> float:
    return -math.inf if value is None else value


def coverage_threshold(
    answerable: Sequence[float | None], coverage: float = NO_ANSWER_COVERAGE
) -> float | None:
    """The highest score threshold that still answers ``coverage`` of the answerable queries: the
    ``ceil(coverage * n)``-th highest answerable top score. None without answerable queries."""
    ordered = sorted((_score(s) for s in answerable), reverse=True)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(coverage * len(ordered) - 1e-9) - 1)]


def abstain_rate_at_coverage(
    answerable: Sequence[float | None],
    unanswerable: Sequence[float | None],
    coverage: float = NO_ANSWER_COVERAGE,
) -> float | None:
    """Share of unanswerable queries refused (top score strictly below the threshold) at the
    threshold that answers ``coverage`` of the answerable ones. A query without hits has score
    -inf (always refused). None when either side is empty."""
    threshold = coverage_threshold(answerable, coverage)
    if threshold is None or not unanswerable:
        return None
    return share(_score(s) < threshold for s in unanswerable)


def auroc(positives: Sequence[float | None], negatives: Sequence[float | None]) -> float | None:
    """Area under the ROC curve of a score separating positives from negatives: the probability
    that a random positive outscores a random negative, ties counting one half (Mann-Whitney U
    with mid-ranks). None when either class is empty."""
    if not positives or not negatives:
        return None
    pooled = sorted([(_score(s), 1) for s in positives] + [(_score(s), 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2  # ranks i+1 .. j share their mean
        rank_sum += mid_rank * sum(label for _, label in pooled[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def no_answer_summary(queries: Sequence[RankedQuery]) -> dict[str, Any] | None:
    """``abstain_rate_at_95`` and ``auroc`` of the top score (answerable = positive); None when no
    query is unanswerable."""
    unanswerable = [q.top_score for q in queries if q.gold is None]
    if not unanswerable:
        return None
    answerable = [q.top_score for q in queries if q.gold is not None]
    return {
        "abstain_rate_at_95": abstain_rate_at_coverage(answerable, unanswerable),
        "auroc": auroc(answerable, unanswerable),
    }


# ---------------------------------------------------------------------------------------------
# Binary decisions (escalation)


@dataclass(frozen=True, slots=True)
class BinaryOutcome:
    """One row of a yes/no benchmark: what should have happened and what did."""

    gold: bool
    predicted: bool
    hard_negative: bool = False


def precision(outcomes: Sequence[BinaryOutcome]) -> float | None:
    """TP / (TP + FP); None when nothing was predicted positive."""
    return share(o.gold for o in outcomes if o.predicted)


def recall(outcomes: Sequence[BinaryOutcome]) -> float | None:
    """TP / (TP + FN); None when nothing is gold positive."""
    return share(o.predicted for o in outcomes if o.gold)


def f_beta(p: float | None, r: float | None, beta: float) -> float | None:
    """Weighted harmonic mean of precision and recall (beta > 1 favours recall)."""
    if p is None or r is None:
        return None
    if p == 0 and r == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r)


def false_escalation_hard_negative(outcomes: Sequence[BinaryOutcome]) -> float | None:
    """Share of hard negatives (look-alikes that must not escalate) predicted positive."""
    return share(o.predicted for o in outcomes if o.hard_negative)


def escalation_summary(outcomes: Sequence[BinaryOutcome]) -> dict[str, Any]:
    """``n, precision, recall, f1, f2, false_escalation_hard_negative``."""
    p, r = precision(outcomes), recall(outcomes)
    return {
        "n": len(outcomes),
        "precision": p,
        "recall": r,
        "f1": f_beta(p, r, 1.0),
        "f2": f_beta(p, r, 2.0),
        "false_escalation_hard_negative": false_escalation_hard_negative(outcomes),
    }


# ---------------------------------------------------------------------------------------------
# Calibration


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_confidence: float | None
    accuracy: float | None


def reliability_bins(probs: Sequence[float], correct: Sequence[bool], bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width confidence bins (the last one closed) with their accuracy: the reliability diagram."""
    out: list[ReliabilityBin] = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            (p, c)
            for p, c in zip(probs, correct, strict=True)
            if low <= p < high or (b == bins - 1 and p == high)
        ]
        out.append(
            ReliabilityBin(low, high, len(members), mean(p for p, _ in members), share(c for _, c in members))
        )
    return out
