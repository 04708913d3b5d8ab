"""Benchmark metrics against hand-computed cases: ties, empty groups, all-NONE and no-NONE sets."""

from __future__ import annotations

import math

import pytest

from config.stats import percentile
from eval.metrics import (
    BinaryOutcome,
    RankedQuery,
    abstain_rate_at_coverage,
    auroc,
    coverage_threshold,
    escalation_summary,
    f_beta,
    group_by,
    macro_top1,
    mrr_at_k,
    no_answer_summary,
    rank_by_score,
    ranking_summary,
    recall_at_k,
    reliability_bins,
    top1,
)

RANKING_KEYS = {"n", "top1", "recall@3", "recall@5", "recall@10", "mrr@10", "macro_top1"}


def q(gold: str | None, *ranked: str, score: float | None = None) -> RankedQuery:
    return RankedQuery(gold, tuple(ranked), score)


# Gold "a" at rank 1, 2, 4, 11 (absent from the top 10), not retrieved at all; gold "b" at rank 1.
RANKS = [
    q("a", "a", "x"),
    q("a", "x", "a"),
    q("a", "x", "y", "z", "a"),
    q("a", *"cdefghijkl", "a"),
    q("a", "x", "y"),
    q("b", "b", "a"),
]


def test_rank_when_gold_absent_or_none_is_none() -> None:
    assert [r.rank for r in RANKS] == [1, 2, 4, 11, None, 1]
    assert q(None, "a").rank is None


def test_recall_at_k_counts_gold_within_cutoff() -> None:
    assert recall_at_k(RANKS, 1) == pytest.approx(2 / 6)
    assert recall_at_k(RANKS, 3) == pytest.approx(3 / 6)
    assert recall_at_k(RANKS, 5) == pytest.approx(4 / 6)
    assert recall_at_k(RANKS, 10) == pytest.approx(4 / 6)


def test_mrr_at_10_gives_zero_beyond_cutoff() -> None:
    assert mrr_at_k(RANKS, 10) == pytest.approx((1 + 1 / 2 + 1 / 4 + 0 + 0 + 1) / 6)


def test_macro_top1_weighs_each_gold_article_equally() -> None:
    # "a": 1 of 5 at top-1, "b": 1 of 1 -> (0.2 + 1.0) / 2, while micro top-1 is 2/6.
    assert macro_top1(RANKS) == pytest.approx(0.6)
    assert top1(RANKS) == pytest.approx(2 / 6)


def test_rank_by_score_breaks_ties_by_id() -> None:
    assert rank_by_score([("b", 0.9), ("a", 0.9), ("c", 0.95)]) == ("c", "a", "b")
    # A gold tied at the top counts as top-1 only if its id sorts first.
    tied = rank_by_score([("zeta", 0.8), ("alpha", 0.8)])
    assert top1([q("alpha", *tied)]) == 1.0
    assert top1([q("zeta", *tied)]) == 0.0


def test_ranking_summary_ignores_none_rows() -> None:
    with_none = ranking_summary([*RANKS, q(None, "a", score=0.1), q(None, "b")])
    assert with_none == ranking_summary(RANKS)
    assert set(with_none) == RANKING_KEYS
    assert with_none["n"] == 6


def test_ranking_summary_when_empty_or_all_none_is_null() -> None:
    for rows in ([], [q(None, "a", score=0.3)]):
        summary = ranking_summary(rows)
        assert summary["n"] == 0
        assert all(summary[k] is None for k in RANKING_KEYS - {"n"})


def test_coverage_threshold_keeps_95_percent_answerable() -> None:
    scores = [i / 100 for i in range(1, 21)]  # 0.01 .. 0.20
    # ceil(0.95 * 20) = 19 answerable rows must pass: the 19th highest score is 0.02.
    assert coverage_threshold(scores) == pytest.approx(0.02)
    assert coverage_threshold([0.5]) == 0.5
    assert coverage_threshold([]) is None


def test_abstain_rate_counts_only_strictly_below_threshold() -> None:
    answerable = [i / 100 for i in range(1, 21)]
    # threshold 0.02: 0.0 and 0.015 refused, 0.02 (tie) answered, 0.5 answered, None (no hits) refused.
    assert abstain_rate_at_coverage(answerable, [0.0, 0.015, 0.02, 0.5, None]) == pytest.approx(3 / 5)


def test_abstain_rate_when_a_side_is_empty_is_none() -> None:
    assert abstain_rate_at_coverage([], [0.1]) is None
    assert abstain_rate_at_coverage([0.1], []) is None


def test_auroc_hand_computed_with_ties() -> None:
    # Pairs (pos, neg): (0.9,0.5)=1 (0.9,0.7)=1 (0.7,0.5)=1 (0.7,0.7)=0.5 (0.4,0.5)=0 (0.4,0.7)=0 -> 3.5/6
    assert auroc([0.9, 0.7, 0.4], [0.5, 0.7]) == pytest.approx(3.5 / 6)


def test_auroc_extremes_and_all_ties() -> None:
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5, 0.5], [0.5]) == 0.5
    assert auroc([0.5], [None]) == 1.0  # no hits ranks below everything


def test_auroc_when_a_class_is_empty_is_none() -> None:
    assert auroc([], [0.1]) is None
    assert auroc([0.1], []) is None


def test_no_answer_summary_absent_without_none_rows() -> None:
    assert no_answer_summary(RANKS) is None


def test_no_answer_summary_all_none_rows() -> None:
    summary = no_answer_summary([q(None, "a", score=0.2), q(None, "b", score=0.3)])
    assert summary == {"abstain_rate_at_95": None, "auroc": None}


def test_no_answer_summary_mixed() -> None:
    rows = [q("a", "a", score=0.9), q("b", "a", score=0.8), q(None, "a", score=0.85), q(None, "b", score=0.1)]
    summary = no_answer_summary(rows)
    assert summary is not None
    # threshold = ceil(0.95 * 2) = 2nd highest answerable = 0.8: only 0.1 is refused.
    assert summary["abstain_rate_at_95"] == 0.5
    # pairs: (0.9,0.85)=1 (0.9,0.1)=1 (0.8,0.85)=0 (0.8,0.1)=1 -> 3/4
    assert summary["auroc"] == 0.75


def o(gold: bool, predicted: bool, hard_negative: bool = False) -> BinaryOutcome:
    return BinaryOutcome(gold, predicted, hard_negative)


def test_escalation_summary_hand_computed() -> None:
    # TP 2, FN 1, FP 1 (a hard negative), TN 2 (one a hard negative)
    rows = [
        o(True, True),
        o(True, True),
        o(True, False),
        o(False, True, True),
        o(False, False, True),
        o(False, False),
    ]
    s = escalation_summary(rows)
    assert s["n"] == 6
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)
    assert s["f2"] == pytest.approx(2 / 3)
    assert s["false_escalation_hard_negative"] == 0.5


def test_f_beta_weights_recall() -> None:
    assert f_beta(0.5, 1.0, 1.0) == pytest.approx(2 / 3)
    assert f_beta(0.5, 1.0, 2.0) == pytest.approx(5 * 0.5 / (4 * 0.5 + 1))
    assert f_beta(0.0, 0.0, 2.0) == 0.0
    assert f_beta(None, 1.0, 1.0) is None


def test_escalation_summary_undefined_rates_are_none() -> None:
    empty = escalation_summary([])
    assert empty == {
        "n": 0, "precision": None, "recall": None, "f1": None, "f2": None, "false_escalation_hard_negative": None
    }  # fmt: skip
    nothing_predicted = escalation_summary([o(True, False), o(False, False)])
    assert nothing_predicted["precision"] is None and nothing_predicted["recall"] == 0.0
    assert nothing_predicted["f1"] is None
    no_positives = escalation_summary([o(False, True), o(False, False)])
    assert no_positives["recall"] is None and no_positives["precision"] == 0.0
    all_wrong = escalation_summary([o(True, False), o(False, True)])
    assert all_wrong["f1"] == 0.0 and all_wrong["f2"] == 0.0


def test_percentile_nearest_rank() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2
    assert percentile(range(1, 101), 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_group_by_sorts_and_skips_missing_keys() -> None:
    groups = group_by(["b1", "a1", "b2", "x"], lambda s: s[0] if s[0] != "x" else None)
    assert groups == {"a": ["a1"], "b": ["b1", "b2"]}
    assert group_by([], lambda s: s) == {}


def test_reliability_bins_hand_computed() -> None:
    bins = reliability_bins([0.05, 0.95, 1.0, 0.92], [False, True, True, False])
    assert [b.n for b in bins] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    assert bins[0].accuracy == 0.0 and bins[1].accuracy is None and bins[1].mean_confidence is None
    assert bins[9].accuracy == pytest.approx(2 / 3)
    assert math.isclose(bins[9].mean_confidence or 0, (0.95 + 1.0 + 0.92) / 3)
