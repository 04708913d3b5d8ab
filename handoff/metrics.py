"""Operations metrics over the handoff tables: deflection, handoffs, first response, satisfaction.

Queries here only read; the arithmetic lives in small pure pieces (``sla.first_response_stats``,
the dataclasses' rates) so it can be checked against hand-computed numbers. ``since`` / ``until``
bound the time a conversation started or a handoff was queued (``[since, until)``, both optional).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.db import Database
from handoff.models import Priority
from handoff.sla import DEFAULT_SLA, FirstResponseStats, ResponseSample, SlaPolicy, first_response_stats
from handoff.timestamps import from_iso, seconds_between, to_iso


@dataclass(frozen=True, slots=True)
class Deflection:
    """Conversations the bot handled alone, out of all with at least one user message."""

    conversations: int
    deflected: int

    @property
    def rate(self) -> float | None:
        """``deflected / conversations``, or ``None`` with no conversations."""
        return self.deflected / self.conversations if self.conversations else None


@dataclass(frozen=True, slots=True)
class Csat:
    """Customer satisfaction ratings (1 to 5)."""

    count: int
    average: float | None


@dataclass(frozen=True, slots=True)
class Helpfulness:
    """Helpful yes/no votes on bot answers."""

    helpful: int
    not_helpful: int

    @property
    def rate(self) -> float | None:
        """Share of votes that said helpful, or ``None`` with no votes."""
        total = self.helpful + self.not_helpful
        return self.helpful / total if total else None


@dataclass(frozen=True, slots=True)
class OperationsReport:
    """All operations metrics for one period."""

    deflection: Deflection
    handoffs_by_reason: dict[str, int]
    handoffs_by_language: dict[str, int]
    first_response: dict[Priority, FirstResponseStats]
    csat: Csat
    helpfulness: Helpfulness


def deflection(db: Database, *, since: datetime | None = None, until: datetime | None = None) -> Deflection:
    """Count conversations with a user message, and those of them never handed off."""
    where, params = _period("c.created_at", since, until)
    row = db.execute(
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM queue_entries q WHERE q.conversation_id = c.id) THEN 0 ELSE 1 END) "
        "FROM conversations c WHERE EXISTS (SELECT 1 FROM messages m "
        f"WHERE m.conversation_id = c.id AND m.sender = 'user'){where}",
        params,
    ).fetchone()
    return Deflection(conversations=int(row[0]), deflected=int(row[1] or 0))


def handoffs_by(
    db: Database, column: str, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Count handoffs grouped by ``"reason"`` or ``"language"``, largest first.

    :raises ValueError: for any other column.
    """
    if column not in ("reason", "language"):
        raise ValueError(f"cannot group handoffs by {column!r}")
    where, params = _period("enqueued_at", since, until)
    rows = db.execute(
        f"SELECT {column}, COUNT(*) AS n FROM queue_entries WHERE 1 = 1{where} "
        f"GROUP BY {column} ORDER BY n DESC, {column}",
        params,
    ).fetchall()
    return {key: int(n) for key, n in rows}


def response_samples(
    db: Database, *, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> list[ResponseSample]:
    """Turn each handoff into a first-response sample: time to first reply, or time waited so far
    (to ``now``, or to its close when it was closed without a reply)."""
    where, params = _period("enqueued_at", since, until)
    samples = []
    for priority, enqueued_at, first_response_at, closed_at in db.execute(
        f"SELECT priority, enqueued_at, first_response_at, closed_at FROM queue_entries WHERE 1 = 1{where}",
        params,
    ):
        end = first_response_at or closed_at
        samples.append(
            ResponseSample(
                priority=Priority(priority),
                elapsed_s=seconds_between(from_iso(enqueued_at), from_iso(end) if end else now),
                responded=first_response_at is not None,
            )
        )
    return samples


def csat(db: Database, *, since: datetime | None = None, until: datetime | None = None) -> Csat:
    """Return the number and mean of CSAT ratings given in the period."""
    where, params = _period("created_at", since, until)
    count, average = db.execute(
        f"SELECT COUNT(rating), AVG(rating) FROM feedback WHERE rating IS NOT NULL{where}", params
    ).fetchone()
    return Csat(count=int(count), average=None if average is None else float(average))


def helpfulness(db: Database, *, since: datetime | None = None, until: datetime | None = None) -> Helpfulness:
    """Return the helpful and not-helpful vote counts on bot answers in the period."""
    where, params = _period("created_at", since, until)
    yes, no = db.execute(
        f"SELECT COALESCE(SUM(CASE WHEN helpful = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN helpful = 0 THEN 1 ELSE 0 END), 0) FROM feedback "
        f"WHERE helpful IS NOT NULL{where}",
        params,
    ).fetchone()
    return Helpfulness(helpful=int(yes), not_helpful=int(no))


def operations_report(
    db: Database,
    *,
    now: datetime,
    sla: SlaPolicy = DEFAULT_SLA,
    since: datetime | None = None,
    until: datetime | None = None,
) -> OperationsReport:
    """Compute every operations metric for the period."""
    return OperationsReport(
        deflection=deflection(db, since=since, until=until),
        handoffs_by_reason=handoffs_by(db, "reason", since=since, until=until),
        handoffs_by_language=handoffs_by(db, "language", since=since, until=until),
        first_response=first_response_stats(response_samples(db, now=now, since=since, until=until), sla),
        csat=csat(db, since=since, until=until),
        helpfulness=helpfulness(db, since=since, until=until),
    )


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A user message with the outcome the bot stored on it (``meta.outcome``); the text is redacted."""

    text: str
    language: str | None
    action: str
    reason: str | None
    top_slug: str | None
    top_title: str | None


def asked_questions(
    db: Database,
    actions: Iterable[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AskedQuestion]:
    """Return user messages in ``[since, until)`` whose stored outcome action is one of ``actions``."""
    wanted = sorted(set(actions))
    if not wanted:
        return []
    where, params = _period("created_at", since, until)
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(
        "SELECT text, language, json_extract(meta, '$.outcome.action'), json_extract(meta, '$.outcome.reason'), "
        "json_extract(meta, '$.outcome.top_slug'), json_extract(meta, '$.outcome.top_title') FROM messages "
        f"WHERE sender = 'user' AND json_extract(meta, '$.outcome.action') IN ({marks}){where}",
        [*wanted, *params],
    ).fetchall()
    return [AskedQuestion(*row) for row in rows]


def _period(column: str, since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
    where, params = "", []
    if since is not None:
        where += f" AND {column} >= ?"
        params.append(to_iso(since))
    if until is not None:
        where += f" AND {column} < ?"
        params.append(to_iso(until))
    return where, params
