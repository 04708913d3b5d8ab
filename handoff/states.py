"""The conversation state machine: the one transition table and the one function that applies it.

``bot -> waiting -> with_agent -> resolved``, plus ``with_agent -> waiting`` (an agent releases it),
``waiting|with_agent -> bot`` (handed back) and ``resolved -> bot`` (the user writes again).
Every applied transition writes an ``audit_log`` row in the same transaction as the status change.
"""

from datetime import datetime
from typing import Any

from handoff.db import Database, write_returning
from handoff.errors import ConversationNotFound, IllegalTransition
from handoff.models import Conversation, ConversationStatus
from handoff.timestamps import to_iso

S = ConversationStatus

TRANSITIONS: dict[ConversationStatus, frozenset[ConversationStatus]] = {
    S.BOT: frozenset({S.WAITING}),
    S.WAITING: frozenset({S.WITH_AGENT, S.BOT}),
    S.WITH_AGENT: frozenset({S.RESOLVED, S.WAITING, S.BOT}),
    S.RESOLVED: frozenset({S.BOT}),
}


def is_legal(from_status: ConversationStatus, to_status: ConversationStatus) -> bool:
    """Return True if the state machine allows ``from_status -> to_status``."""
    return to_status in TRANSITIONS[from_status]


def check_transition(
    from_status: ConversationStatus, to_status: ConversationStatus, *, conversation_id: str = "?"
) -> None:
    """Raise unless ``from_status -> to_status`` is in the transition table (pure, no I/O).

    :raises IllegalTransition: for every pair not in :data:`TRANSITIONS`, self-loops included.
    """
    if not is_legal(from_status, to_status):
        raise IllegalTransition(conversation_id, from_status, to_status)


def lock_conversation(db: Database, conversation_id: str, *, now: datetime) -> dict[str, Any]:
    """Touch the conversation's ``updated_at`` and return its current row.

    Making a write the first statement of a transaction takes SQLite's write lock before anything is
    read, so the status returned is the latest one and cannot change until the transaction ends. A read
    first would pin an older WAL snapshot and the later write would fail with SQLITE_BUSY instead of
    waiting. Call it first inside ``db.atomic()``.

    :raises ConversationNotFound: if there is no such conversation.
    """
    rows = write_returning(
        db,
        "UPDATE conversations SET updated_at = :now WHERE id = :id RETURNING *",
        {"now": to_iso(now), "id": conversation_id},
    )
    if not rows:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return rows[0]


def write_audit(
    db: Database,
    conversation_id: str,
    *,
    actor: str,
    from_status: str,
    to_status: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Append one ``audit_log`` row (also used for same-state events such as a priority raise)."""
    db.execute(
        "INSERT INTO audit_log (conversation_id, actor, from_status, to_status, reason, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [conversation_id, actor, str(from_status), str(to_status), reason, to_iso(now)],
    )


def transition(
    db: Database,
    conversation_id: str,
    to: ConversationStatus,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
) -> Conversation:
    """Move a conversation to ``to`` and audit it, atomically.

    Safe to call inside a caller's ``db.atomic()`` block (it becomes a savepoint).

    :param actor: who caused it: ``"user"``, ``"bot"``, ``"system"`` or ``"agent:<id>"``.
    :param reason: a short code or phrase stored in the audit log.
    :returns: the conversation after the change.
    :raises ConversationNotFound: if there is no such conversation.
    :raises IllegalTransition: if the current status cannot move to ``to``; nothing is written.
    """
    with db.atomic():
        row = lock_conversation(db, conversation_id, now=now)
        from_status = ConversationStatus(row["status"])
        check_transition(from_status, to, conversation_id=conversation_id)
        stamp = to_iso(now)
        updated = write_returning(
            db,
            "UPDATE conversations SET status = :to, updated_at = :now, "
            "resolved_at = CASE WHEN :to = 'resolved' THEN :now ELSE resolved_at END "
            "WHERE id = :id RETURNING *",
            {"to": str(to), "now": stamp, "id": conversation_id},
        )
        write_audit(
            db, conversation_id, actor=actor, from_status=from_status, to_status=to, reason=reason, now=now
        )
    return Conversation.from_row(updated[0])
