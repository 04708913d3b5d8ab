"""First-response SLA: targets per priority, breach checks and response-time statistics (pure).

The SLA clock of a handoff runs from ``enqueued_at`` to the first agent message. A handoff still
without a reply counts as breached as soon as its clock passes the target; before that its outcome is
unknown and it is left out of the breach rate.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from config.stats import percentile
from handoff.models import Priority


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """First-response targets in seconds per priority."""

    urgent_s: float = 60.0
    high_s: float = 300.0
    normal_s: float = 900.0

    def target_s(self, priority: Priority) -> float:
        """Return the first-response target for ``priority``."""
        match Priority(priority):
            case Priority.URGENT:
                return self.urgent_s
            case Priority.HIGH:
                return self.high_s
            case _:
                return self.normal_s


DEFAULT_SLA = SlaPolicy()


def is_breached(priority: Priority, elapsed_s: float, policy: SlaPolicy = DEFAULT_SLA) -> bool:
    """Return True when ``elapsed_s`` (time to first response, or waited so far) exceeds the target.

    Exactly on target is not a breach.
    """
    return elapsed_s > policy.target_s(priority)


@dataclass(frozen=True, slots=True)
class ResponseSample:
    """One handoff for statistics.

    :ivar elapsed_s: seconds to the first agent reply if ``responded``, else seconds waited so far
        (to now, or to when the handoff closed without a reply).
    """

    priority: Priority
    elapsed_s: float
    responded: bool


@dataclass(frozen=True, slots=True)
class FirstResponseStats:
    """First-response figures of one priority.

    ``p50_s``/``p90_s`` use the nearest-rank method over answered handoffs; ``breach_rate`` is
    ``breached / decided``, where decided handoffs are the answered ones plus the unanswered ones
    already past the target. Both are ``None`` when there is nothing to measure.
    """

    priority: Priority
    answered: int
    p50_s: float | None
    p90_s: float | None
    breached: int
    decided: int
    breach_rate: float | None


def first_response_stats(
    samples: Iterable[ResponseSample], policy: SlaPolicy = DEFAULT_SLA
) -> dict[Priority, FirstResponseStats]:
    """Compute p50, p90 and breach rate of first responses for every priority.

    :returns: one entry per :class:`Priority`, including priorities with no samples.
    """
    by_priority: dict[Priority, list[ResponseSample]] = {p: [] for p in Priority}
    for sample in samples:
        by_priority[Priority(sample.priority)].append(sample)
    stats = {}
    for priority, group in by_priority.items():
        answered = [s.elapsed_s for s in group if s.responded]
        decided = [s for s in group if s.responded or is_breached(priority, s.elapsed_s, policy)]
        breached = sum(1 for s in decided if is_breached(priority, s.elapsed_s, policy))
        stats[priority] = FirstResponseStats(
            priority=priority,
            answered=len(answered),
            p50_s=percentile(answered, 50),
            p90_s=percentile(answered, 90),
            breached=breached,
            decided=len(decided),
            breach_rate=breached / len(decided) if decided else None,
        )
    return stats
