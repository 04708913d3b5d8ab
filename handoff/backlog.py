"""Read-only views of the queue: the agents' queue list, a user's position and estimated wait.

The wait itself is ``handoff.eta``'s pure formula; this module measures its inputs (handling times,
agents online, their capacity and load).

The numbers here are what the bot renders in the user's language; no text is produced in handoff.
"""

from datetime import datetime, timedelta

from handoff.agents import ONLINE_WINDOW_S, agents_online
from handoff.conversations import get_conversation
from handoff.db import Database
from handoff.entries import get_active_entry
from handoff.eta import WAIT_CAP_S, WaitEstimate, estimate_wait, handling_time_s
from handoff.models import Agent, QueueEntry, QueueItem, QueueStatus, WaitInfo
from handoff.sla import DEFAULT_SLA, SlaPolicy, is_breached
from handoff.timestamps import from_iso, seconds_between, to_iso

THROUGHPUT_WINDOW_S = 3600.0
# Handling times measured over the last conversations closed; enough to smooth one outlier.
HANDLING_SAMPLES = 50

_QUEUE_ORDER = "priority_rank DESC, enqueued_at, id"


def agent_may_see(agent: Agent, entry: QueueEntry, *, now: datetime, any_language_after_s: float) -> bool:
    """Whether the agent may see (and take) the entry: what they hold, and waiting entries in their
    languages or waiting ``any_language_after_s`` or longer (the rule ``tickets.claim_next`` applies);
    what other agents hold stays private."""
    if entry.status == QueueStatus.CLAIMED:
        return entry.claimed_by == agent.id
    waited_s = seconds_between(entry.enqueued_at, now)
    return entry.language in agent.languages or waited_s >= any_language_after_s


def list_queue(
    db: Database, *, now: datetime, sla: SlaPolicy = DEFAULT_SLA, language: str | None = None
) -> list[QueueItem]:
    """Return the active queue: waiting entries in serving order, then the ones with agents.

    Each item carries the time waited since handoff, the SLA target, whether it is breached (first
    reply later than the target, or none yet and the target passed) and, if waiting, its position.

    :param language: keep only entries in this language (positions stay queue-wide).
    """
    rows = db.query(
        "SELECT * FROM queue_entries WHERE status IN ('waiting', 'claimed') "
        f"ORDER BY status = 'claimed', {_QUEUE_ORDER}"
    )
    items = []
    position = 0
    for row in rows:
        entry = QueueEntry.from_row(row)
        waiting = entry.status == QueueStatus.WAITING
        position += waiting
        if language is not None and entry.language != language:
            continue
        waited_s = seconds_between(entry.enqueued_at, now)
        clock_s = (
            waited_s
            if entry.first_response_at is None
            else seconds_between(entry.enqueued_at, entry.first_response_at)
        )
        items.append(
            QueueItem(
                entry=entry,
                waited_s=waited_s,
                sla_target_s=sla.target_s(entry.priority),
                breached=is_breached(entry.priority, clock_s, sla),
                position=position if waiting else None,
            )
        )
    return items


def queue_position(db: Database, conversation_id: str) -> int | None:
    """Return the 1-based place of a waiting conversation in the serving order, else ``None``.

    Language routing can let an agent skip ahead to a conversation in their language, so this is the
    position in the global order, a fair upper bound for the user.
    """
    row = db.execute(
        "SELECT COUNT(*) FROM queue_entries o JOIN queue_entries me "
        "ON me.conversation_id = ? AND me.status = 'waiting' "
        "WHERE o.status = 'waiting' AND (o.priority_rank > me.priority_rank "
        " OR (o.priority_rank = me.priority_rank AND (o.enqueued_at < me.enqueued_at "
        "     OR (o.enqueued_at = me.enqueued_at AND o.id <= me.id))))",
        [conversation_id],
    ).fetchone()
    return int(row[0]) or None


def claims_in_window(db: Database, *, now: datetime, window_s: float = THROUGHPUT_WINDOW_S) -> int:
    """Count claims (``waiting -> with_agent`` in the audit log) in the ``window_s`` before ``now``."""
    return int(
        db.execute(
            "SELECT COUNT(*) FROM audit_log WHERE to_status = 'with_agent' AND from_status = 'waiting' "
            "AND at > ? AND at <= ?",
            [to_iso(now - timedelta(seconds=window_s)), to_iso(now)],
        ).fetchone()[0]
    )


def recent_handling_s(db: Database, *, limit: int = HANDLING_SAMPLES) -> list[float]:
    """Seconds from claim to close of the ``limit`` most recently closed conversations."""
    rows = db.execute(
        "SELECT claimed_at, closed_at FROM queue_entries WHERE claimed_at IS NOT NULL AND closed_at IS NOT NULL "
        "ORDER BY closed_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [seconds_between(from_iso(claimed), from_iso(closed)) for claimed, closed in rows]


def _staffing(db: Database, *, now: datetime, window_s: float, language: str | None) -> tuple[int, int, int]:
    """(agents online, their summed capacity, conversations they hold), optionally for one language."""
    where = "a.disabled = 0 AND a.last_seen_at >= :since"
    params: dict[str, object] = {"since": to_iso(now - timedelta(seconds=window_s))}
    if language is not None:
        where += " AND EXISTS (SELECT 1 FROM json_each(a.languages) WHERE value = :language)"
        params["language"] = language
    agents, slots = db.execute(f"SELECT COUNT(*), COALESCE(SUM(a.capacity), 0) FROM agents a WHERE {where}", params).fetchone()
    held = db.execute(
        f"SELECT COUNT(*) FROM queue_entries q JOIN agents a ON a.id = q.claimed_by WHERE q.status = 'claimed' AND {where}",
        params,
    ).fetchone()[0]
    return int(agents), int(slots), int(held)


def wait_estimate(
    db: Database,
    conversation_id: str,
    *,
    now: datetime,
    cap_s: int = WAIT_CAP_S,
    online_window_s: float = ONLINE_WINDOW_S,
) -> WaitEstimate | None:
    """What a waiting user is told: ``handoff.eta.estimate_wait`` over the measured median handling
    time and the online agents who speak the conversation's language (all online agents when none
    does, since any agent may take it after the routing timeout).

    :returns: ``None`` if the conversation is not waiting.
    """
    position = queue_position(db, conversation_id)
    entry = get_active_entry(db, conversation_id)
    if position is None or entry is None:
        return None
    staffing = _staffing(db, now=now, window_s=online_window_s, language=entry.language)
    if staffing[0] == 0:
        staffing = _staffing(db, now=now, window_s=online_window_s, language=None)
    agents, slots, held = staffing
    return estimate_wait(
        position, agents_online=agents, slots=slots, held=held,
        handling_s=handling_time_s(recent_handling_s(db)), cap_s=cap_s,
    )


def estimate_wait_s(db: Database, conversation_id: str, *, now: datetime, cap_s: int = WAIT_CAP_S) -> int | None:
    """The estimated seconds until a waiting conversation is claimed (:func:`wait_estimate`).

    :returns: ``None`` if the conversation is not waiting, nobody is online, or the wait is past the cap.
    """
    estimate = wait_estimate(db, conversation_id, now=now, cap_s=cap_s)
    return estimate.seconds if estimate else None


def wait_info(
    db: Database,
    conversation_id: str,
    *,
    now: datetime,
    online_window_s: float = ONLINE_WINDOW_S,
    cap_s: int = WAIT_CAP_S,
) -> WaitInfo:
    """Gather what the bot tells a waiting user: position, estimated wait and agents online.

    ``agents_online == 0`` is the bot's cue to say nobody is online and offer to take a contact
    address; the conversation stays queued either way.

    :raises ConversationNotFound: if there is no such conversation.
    """
    entry = get_active_entry(db, conversation_id)
    language = entry.language if entry else get_conversation(db, conversation_id).language
    estimate = wait_estimate(db, conversation_id, now=now, cap_s=cap_s, online_window_s=online_window_s)
    return WaitInfo(
        position=queue_position(db, conversation_id),
        estimated_wait_s=estimate.seconds if estimate else None,
        agents_online=agents_online(db, now=now, window_s=online_window_s),
        agents_online_in_language=agents_online(db, now=now, window_s=online_window_s, language=language),
        estimate=estimate,
    )
