"""The wait formula (``handoff.eta``): monotone in queue position, never above the cap, and the three
states (estimate, busy, nobody online) follow the staffing."""

from __future__ import annotations

import itertools

import pytest

from handoff.eta import (
    DEFAULT_HANDLING_S,
    MAX_HANDLING_S,
    MIN_HANDLING_S,
    PICKUP_S,
    WAIT_CAP_S,
    WaitEstimate,
    WaitState,
    estimate_wait,
    handling_time_s,
)

STAFFING = [
    # (agents online, slots, held)
    (1, 1, 0), (1, 1, 1), (1, 3, 3), (2, 6, 2), (3, 9, 9), (5, 15, 4), (10, 40, 40), (1, 2, 5),
]
HANDLING = [MIN_HANDLING_S, 300.0, DEFAULT_HANDLING_S, 1234.5, MAX_HANDLING_S]
CAPS = [60, 600, 1790, WAIT_CAP_S, 7200]


def _order(e: WaitEstimate) -> float:
    """Estimates ordered by what the user hears: a number, then "busy" (longer than any number)."""
    assert e.state != WaitState.NOBODY_ONLINE
    return float("inf") if e.state == WaitState.BUSY else float(e.seconds or 0)


@pytest.mark.parametrize(("staffing", "handling_s", "cap_s"), list(itertools.product(STAFFING, HANDLING, CAPS)))
def test_estimate_wait_is_monotone_in_position_and_never_above_the_cap(
    staffing: tuple[int, int, int], handling_s: float, cap_s: int
) -> None:
    agents, slots, held = staffing
    estimates = [
        estimate_wait(p, agents_online=agents, slots=slots, held=held, handling_s=handling_s, cap_s=cap_s)
        for p in range(1, 201)
    ]
    waits = [_order(e) for e in estimates]
    assert waits == sorted(waits)
    for e in estimates:
        if e.state == WaitState.ESTIMATE:
            assert e.seconds is not None and e.minutes is not None
            assert e.seconds <= cap_s
            assert e.minutes * 60 <= max(60, cap_s)
            assert e.minutes >= 1
        else:
            assert e.state == WaitState.BUSY and e.seconds is None and e.minutes is None
    minutes = [e.minutes if e.minutes is not None else 10**9 for e in estimates]
    assert minutes == sorted(minutes)


def test_estimate_wait_far_back_in_the_queue_is_busy_not_absurd() -> None:
    """The issue's "About 480 min": position 8 with one agent now says agents are busy."""
    e = estimate_wait(8, agents_online=1, slots=1, held=1, handling_s=3600, cap_s=WAIT_CAP_S)
    assert e == WaitEstimate(WaitState.BUSY)


def test_estimate_wait_with_a_free_slot_is_the_pickup_time() -> None:
    e = estimate_wait(1, agents_online=2, slots=6, held=3, handling_s=600, cap_s=WAIT_CAP_S)
    assert e == WaitEstimate(WaitState.ESTIMATE, seconds=PICKUP_S, minutes=1)


def test_estimate_wait_past_the_free_slots_adds_one_handling_time_per_round() -> None:
    # 1 free slot of 3: position 2 waits one round, position 4 still one (3 slots per round), 5 two.
    kw = {"agents_online": 1, "slots": 3, "held": 2, "handling_s": 600.0, "cap_s": 7200}
    assert [estimate_wait(p, **kw).seconds for p in (1, 2, 4, 5, 7, 8)] == [60, 660, 660, 1260, 1260, 1860]


@pytest.mark.parametrize(("agents", "slots"), [(0, 0), (0, 5), (3, 0)])
def test_estimate_wait_with_nobody_online_has_no_number(agents: int, slots: int) -> None:
    for position in (1, 2, 50):
        e = estimate_wait(position, agents_online=agents, slots=slots, held=0, handling_s=600, cap_s=WAIT_CAP_S)
        assert e == WaitEstimate(WaitState.NOBODY_ONLINE)


def test_estimate_wait_rejects_position_zero() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        estimate_wait(0, agents_online=1, slots=1, held=0, handling_s=600, cap_s=WAIT_CAP_S)


def test_handling_time_is_the_clamped_median_or_the_default() -> None:
    assert handling_time_s([]) == DEFAULT_HANDLING_S
    assert handling_time_s([100.0, 200.0]) == DEFAULT_HANDLING_S  # too few samples
    assert handling_time_s([300.0, 420.0, 10_000.0]) == 420.0  # one stuck conversation does not swing it
    assert handling_time_s([5.0, 6.0, 7.0]) == MIN_HANDLING_S
    assert handling_time_s([9_000.0] * 5) == MAX_HANDLING_S
    assert handling_time_s([-1.0, 300.0, 300.0]) == DEFAULT_HANDLING_S  # negative (clock skew) ignored
