"""SLA policy, breach checks and first-response statistics against hand-computed numbers."""

import pytest

from config.stats import percentile
from handoff.models import Priority
from handoff.sla import DEFAULT_SLA, ResponseSample, SlaPolicy, first_response_stats, is_breached

P = Priority


def test_sla_policy_defaults_match_issue() -> None:
    assert [DEFAULT_SLA.target_s(p) for p in (P.URGENT, P.HIGH, P.NORMAL)] == [60, 300, 900]
    assert SlaPolicy(urgent_s=30).target_s(P.URGENT) == 30


@pytest.mark.parametrize(
    ("priority", "elapsed_s", "breached"),
    [
        (P.URGENT, 59.9, False),
        (P.URGENT, 60.0, False),
        (P.URGENT, 60.1, True),
        (P.HIGH, 300.0, False),
        (P.HIGH, 301.0, True),
        (P.NORMAL, 899.0, False),
        (P.NORMAL, 901.0, True),
    ],
)
def test_is_breached_only_strictly_after_target(priority: Priority, elapsed_s: float, breached: bool) -> None:
    assert is_breached(priority, elapsed_s) is breached


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([], 50, None),
        ([7.0], 90, 7.0),
        ([10, 20, 30, 40], 50, 20),  # ceil(0.5 * 4) = 2nd
        ([10, 20, 30, 40], 90, 40),  # ceil(0.9 * 4) = 4th
        ([5, 1, 4, 2, 3], 50, 3),  # sorted 1..5, ceil(2.5) = 3rd
        (list(range(1, 11)), 90, 9),  # ceil(9.0) = 9th
    ],
)
def test_percentile_uses_nearest_rank(values: list[float], pct: float, expected: float | None) -> None:
    assert percentile(values, pct) == expected


def test_first_response_stats_against_hand_computed_numbers() -> None:
    samples = [
        # urgent, target 60 s: answered 30, 50, 90 (breach); unanswered 70 so far (breach);
        # unanswered 20 so far (undecided, left out).
        ResponseSample(P.URGENT, 30, True),
        ResponseSample(P.URGENT, 50, True),
        ResponseSample(P.URGENT, 90, True),
        ResponseSample(P.URGENT, 70, False),
        ResponseSample(P.URGENT, 20, False),
        # high, target 300 s: answered 100, 200, 400 (breach), 250.
        ResponseSample(P.HIGH, 100, True),
        ResponseSample(P.HIGH, 200, True),
        ResponseSample(P.HIGH, 400, True),
        ResponseSample(P.HIGH, 250, True),
    ]

    stats = first_response_stats(samples)

    urgent = stats[P.URGENT]
    assert (urgent.answered, urgent.p50_s, urgent.p90_s) == (3, 50, 90)
    assert (urgent.breached, urgent.decided) == (2, 4)
    assert urgent.breach_rate == pytest.approx(0.5)
    high = stats[P.HIGH]
    # sorted 100, 200, 250, 400: p50 = 2nd = 200, p90 = ceil(3.6) = 4th = 400
    assert (high.answered, high.p50_s, high.p90_s, high.breached, high.decided) == (4, 200, 400, 1, 4)
    assert high.breach_rate == pytest.approx(0.25)
    normal = stats[P.NORMAL]
    assert (normal.answered, normal.p50_s, normal.p90_s, normal.breach_rate) == (0, None, None, None)


def test_first_response_stats_with_custom_policy_changes_breaches() -> None:
    samples = [ResponseSample(P.NORMAL, 120, True), ResponseSample(P.NORMAL, 30, True)]
    assert first_response_stats(samples)[P.NORMAL].breach_rate == 0
    assert first_response_stats(samples, SlaPolicy(normal_s=60))[P.NORMAL].breach_rate == 0.5
