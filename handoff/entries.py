"""Reads of queue entries: a conversation's active handoff, what an agent holds, and why a guarded
``UPDATE`` in ``tickets`` matched no row.

The ``explain_*`` / ``require_*`` helpers run inside the failed operation's transaction, after its
UPDATE took the write lock, so what they read is current; each raises the specific domain error.
"""

from typing import Any, NoReturn

from handoff.db import Database
from handoff.errors import (
    AgentDisabled,
    AgentNotFound,
    AlreadyClaimed,
    ConversationNotFound,
    NotClaimedByAgent,
    NotInQueue,
    OverCapacity,
)
from handoff.models import QueueEntry, QueueStatus


def get_active_entry(db: Database, conversation_id: str) -> QueueEntry | None:
    """Return the conversation's waiting or claimed queue entry, or ``None``."""
    rows = list(
        db.query(
            "SELECT * FROM queue_entries WHERE conversation_id = ? AND status IN ('waiting', 'claimed')",
            [conversation_id],
        )
    )
    return QueueEntry.from_row(rows[0]) if rows else None


def held_by(db: Database, agent_id: int) -> list[QueueEntry]:
    """Return the entries the agent holds now, oldest claim first."""
    return [
        QueueEntry.from_row(row)
        for row in db.query(
            "SELECT * FROM queue_entries WHERE claimed_by = ? AND status = 'claimed' ORDER BY claimed_at, id",
            [agent_id],
        )
    ]


def count_held(db: Database, agent_id: int) -> int:
    """Return how many conversations the agent holds now (what its capacity limits)."""
    row = db.execute(
        "SELECT COUNT(*) FROM queue_entries WHERE claimed_by = ? AND status = 'claimed'", [agent_id]
    ).fetchone()
    return int(row[0])


def require_agent_can_take(db: Database, agent_id: int) -> None:
    """Raise unless the agent exists, is enabled and is below its capacity.

    :raises AgentNotFound, AgentDisabled, OverCapacity: as named.
    """
    agent = _enabled_agent_row(db, agent_id)
    held = count_held(db, agent_id)
    if held >= agent["capacity"]:
        raise OverCapacity(f"agent {agent_id} already holds {held} of {agent['capacity']} conversations")


def explain_failed_claim(db: Database, conversation_id: str, agent_id: int) -> QueueEntry:
    """Raise the reason a claim matched no row, or return the entry the agent already holds.

    :raises ConversationNotFound, AgentNotFound, AgentDisabled, NotInQueue, AlreadyClaimed,
        OverCapacity: whichever applies first.
    """
    _require_conversation(db, conversation_id)
    _enabled_agent_row(db, agent_id)
    entry = get_active_entry(db, conversation_id)
    if entry is None:
        raise NotInQueue(f"conversation {conversation_id} is not waiting for an agent")
    if entry.status == QueueStatus.CLAIMED:
        if entry.claimed_by == agent_id:
            return entry
        raise AlreadyClaimed(f"conversation {conversation_id} is already claimed by another agent")
    require_agent_can_take(db, agent_id)
    raise AssertionError("claim matched no row although every condition holds")  # pragma: no cover


def explain_not_holder(db: Database, conversation_id: str, agent_id: int) -> NoReturn:
    """Raise the reason an agent-only update matched no row.

    :raises ConversationNotFound, NotInQueue, NotClaimedByAgent: whichever applies first.
    """
    _require_conversation(db, conversation_id)
    if get_active_entry(db, conversation_id) is None:
        raise NotInQueue(f"conversation {conversation_id} is not handed off")
    raise NotClaimedByAgent(f"agent {agent_id} does not hold conversation {conversation_id}")


def _require_conversation(db: Database, conversation_id: str) -> None:
    if not db.execute("SELECT 1 FROM conversations WHERE id = ?", [conversation_id]).fetchone():
        raise ConversationNotFound(f"conversation {conversation_id} not found")


def _enabled_agent_row(db: Database, agent_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM agents WHERE id = ?", [agent_id]))
    if not rows:
        raise AgentNotFound(f"agent {agent_id} not found")
    if rows[0]["disabled"]:
        raise AgentDisabled(f"agent {agent_id} is disabled")
    return rows[0]
