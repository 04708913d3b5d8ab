"""UTC timestamps as fixed-width ISO-8601 text.

Every stored time has the same width and offset (``2025-01-02T03:04:05.000006+00:00``), so SQL can
order and compare the text directly: the queue order and the SLA cut-offs rely on that.
"""

from datetime import UTC, datetime


def to_iso(moment: datetime) -> str:
    """Render an aware datetime as UTC ISO-8601 text with microseconds.

    :param moment: a timezone-aware datetime, in any zone.
    :returns: the UTC text form stored in every ``*_at`` column.
    :raises ValueError: if ``moment`` is naive, because a naive time has no defined UTC instant.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """Parse text written by :func:`to_iso` back into an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def from_iso_or_none(text: str | None) -> datetime | None:
    """Like :func:`from_iso`, passing ``None`` through for columns that are not set yet."""
    return None if text is None else from_iso(text)


def seconds_between(start: datetime, end: datetime) -> float:
    """Return the elapsed seconds from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    return (end - start).total_seconds()
