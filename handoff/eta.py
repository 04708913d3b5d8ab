"""The wait a queued user is told: a pure formula over measured handling times and the agents online.

Formula (all times in seconds; ``p`` is the 1-based queue position)::

    slots    = sum of the online agents' capacities            (conversations they can hold at once)
    free     = max(0, slots - conversations those agents hold now)
    handling = median handling time (claim -> close) of recent conversations, clamped to
               [MIN_HANDLING_S, MAX_HANDLING_S]; DEFAULT_HANDLING_S with fewer than MIN_SAMPLES
    wait(p)  = PICKUP_S                                          if p <= free
             = PICKUP_S + ceil((p - free) / slots) * handling     otherwise

A free slot takes the next user after a short pickup; beyond the free slots, every ``slots`` users
ahead cost one handling time (each held conversation frees its slot in ``handling`` on average).
``wait`` never decreases as ``p`` grows. Past ``cap_s`` no number is shown: the state is ``busy``
("our agents are busy; we will reply here or by e-mail"). With no agent online the state is
``nobody_online`` and no number is shown either. Minutes shown are ``ceil(wait / 60)``, so they
never exceed the cap's minutes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# The longest wait stated as a number: past half an hour a figure is a guess, and the honest answer
# is that agents are busy and will reply here or by e-mail.
WAIT_CAP_S = 30 * 60
# A claim is a person noticing the queue and clicking: about a minute with a free slot.
PICKUP_S = 60
# Without enough history, assume a ten-minute conversation, a common figure for chat support.
DEFAULT_HANDLING_S = 600.0
MIN_SAMPLES = 3
# One stuck or instant conversation must not swing every estimate.
MIN_HANDLING_S = 120.0
MAX_HANDLING_S = 3600.0


class WaitState(StrEnum):
    """Which of the three things the user is told."""

    ESTIMATE = "estimate"  # agents online, wait within the cap: "about N min"
    BUSY = "busy"  # agents online, wait past the cap: "agents are busy, we'll reply here or by e-mail"
    NOBODY_ONLINE = "nobody_online"  # "no agent online right now"


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """The state and, only for ``estimate``, the wait in seconds and in whole minutes shown."""

    state: WaitState
    seconds: int | None = None
    minutes: int | None = None


def handling_time_s(samples: Iterable[float], *, default_s: float = DEFAULT_HANDLING_S) -> float:
    """The median of measured handling times, clamped; ``default_s`` with too few samples.

    :param samples: seconds from claim to close of recently closed conversations.
    """
    values = [s for s in samples if s >= 0]
    if len(values) < MIN_SAMPLES:
        return default_s
    return min(MAX_HANDLING_S, max(MIN_HANDLING_S, statistics.median(values)))


def estimate_wait(
    position: int,
    *,
    agents_online: int,
    slots: int,
    held: int,
    handling_s: float,
    cap_s: int = WAIT_CAP_S,
    pickup_s: int = PICKUP_S,
) -> WaitEstimate:
    """What to tell the user at ``position`` (see the module docstring for the formula).

    :param agents_online: agents with a recent heartbeat who could take this conversation.
    :param slots: the sum of those agents' capacities.
    :param held: conversations those agents hold now.
    :param cap_s: the longest wait stated as a number; past it the state is ``busy``.
    :raises ValueError: for a position below 1.
    """
    if position < 1:
        raise ValueError(f"queue position must be at least 1, not {position}")
    if agents_online <= 0 or slots <= 0:
        return WaitEstimate(WaitState.NOBODY_ONLINE)
    free = max(0, slots - held)
    rounds = 0 if position <= free else math.ceil((position - free) / slots)
    seconds = math.ceil(pickup_s + rounds * handling_s)
    if seconds > cap_s:
        return WaitEstimate(WaitState.BUSY)
    minutes = max(1, min(math.ceil(seconds / 60), cap_s // 60))
    return WaitEstimate(WaitState.ESTIMATE, seconds=seconds, minutes=minutes)
