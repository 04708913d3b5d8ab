"""The agent queue: hand a conversation to people, claim it, release it, resolve it.

Every claim is one compare-and-set ``UPDATE ... WHERE status = 'waiting' ... RETURNING``: SQLite runs
one writer at a time, so of two agents claiming the same conversation exactly one UPDATE matches.
Each operation runs in one ``db.atomic()`` whose first statement is a write, which takes the write lock
before any read (see ``states.lock_conversation``). The conversation status follows the queue entry
through ``states.transition``, in the same transaction.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from handoff.conversations import append_message
from handoff.db import Database, write_returning
from handoff.entries import explain_failed_claim, explain_not_holder, get_active_entry, require_agent_can_take
from handoff.errors import IllegalTransition, NotInQueue
from handoff.languages import normalize_language
from handoff.models import ConversationStatus, Message, Priority, QueueEntry, QueueStatus, Sender, dump_json
from handoff.states import lock_conversation, transition, write_audit
from handoff.timestamps import to_iso

# True when the agent exists, is enabled and holds fewer claimed entries than its capacity. Evaluated
# inside the claiming UPDATE, so the capacity check and the claim cannot be separated by another write.
_AGENT_CAN_TAKE = (
    "EXISTS (SELECT 1 FROM agents a WHERE a.id = :agent AND a.disabled = 0 AND a.capacity > "
    "(SELECT COUNT(*) FROM queue_entries c WHERE c.claimed_by = a.id AND c.status = 'claimed'))"
)


def agent_actor(agent_id: int) -> str:
    """Return the audit-log actor name of an agent."""
    return f"agent:{agent_id}"


def enqueue(
    db: Database,
    conversation_id: str,
    *,
    priority: Priority,
    reason: str,
    language: str,
    context: Mapping[str, Any] | None = None,
    now: datetime,
    actor: str = "bot",
) -> QueueEntry:
    """Hand a conversation to people: ``bot -> waiting`` with a new queue entry.

    A second handoff while already waiting or with an agent keeps the entry (and its place and time)
    and may only raise its priority, never lower it; a raise is written to the audit log.

    :param reason: short code of why the bot handed off (``user_asked``, ``low_score``, ...).
    :param language: the language the user needs an agent for (drives routing).
    :param context: the bot's context for the agent: articles considered with confidence, detected
        language, why it handed off. Stored as JSON and shown in the transcript.
    :raises IllegalTransition: if the conversation is resolved (a user message reopens it first).
    :raises ConversationNotFound: if there is no such conversation.
    """
    priority = Priority(priority)
    language = normalize_language(language)
    stamp = to_iso(now)
    with db.atomic():
        status = ConversationStatus(lock_conversation(db, conversation_id, now=now)["status"])
        if status == ConversationStatus.RESOLVED:
            raise IllegalTransition(conversation_id, status, ConversationStatus.WAITING)
        if status == ConversationStatus.BOT:
            rows = write_returning(
                db,
                "INSERT INTO queue_entries (conversation_id, status, priority, priority_rank, reason, "
                "language, context, enqueued_at) VALUES (:cid, 'waiting', :priority, :rank, :reason, "
                ":language, :context, :now) RETURNING *",
                {
                    "cid": conversation_id,
                    "priority": str(priority),
                    "rank": priority.rank,
                    "reason": reason,
                    "language": language,
                    "context": dump_json(context),
                    "now": stamp,
                },
            )
            _set_conversation_handoff(db, conversation_id, priority, reason)
            transition(db, conversation_id, ConversationStatus.WAITING, actor=actor, reason=reason, now=now)
            return QueueEntry.from_row(rows[0])
        rows = write_returning(
            db,
            "UPDATE queue_entries SET priority = :priority, priority_rank = :rank "
            "WHERE conversation_id = :cid AND status IN ('waiting', 'claimed') AND priority_rank < :rank "
            "RETURNING *",
            {"priority": str(priority), "rank": priority.rank, "cid": conversation_id},
        )
        if rows:
            _set_conversation_handoff(db, conversation_id, priority, None)
            write_audit(
                db,
                conversation_id,
                actor=actor,
                from_status=status,
                to_status=status,
                reason=f"priority_raised:{priority} ({reason})",
                now=now,
            )
            return QueueEntry.from_row(rows[0])
        entry = get_active_entry(db, conversation_id)
        if entry is None:  # status says handed off but no active entry: never written by this module
            raise NotInQueue(f"conversation {conversation_id} is {status} without a queue entry")
        return entry


def claim(db: Database, conversation_id: str, agent_id: int, *, now: datetime) -> QueueEntry:
    """Give a waiting conversation to an agent (``waiting -> with_agent``).

    Claiming a conversation the agent already holds returns it unchanged, so a retried request is safe.

    :raises AlreadyClaimed: if another agent holds it.
    :raises OverCapacity: if the agent already holds ``capacity`` conversations.
    :raises NotInQueue: if the conversation is not handed off.
    :raises AgentNotFound, AgentDisabled, ConversationNotFound: as named.
    """
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET status = 'claimed', claimed_by = :agent, claimed_at = :now "
            f"WHERE conversation_id = :cid AND status = 'waiting' AND {_AGENT_CAN_TAKE} RETURNING *",
            {"agent": agent_id, "now": to_iso(now), "cid": conversation_id},
        )
        if not rows:
            return explain_failed_claim(db, conversation_id, agent_id)
        transition(
            db,
            conversation_id,
            ConversationStatus.WITH_AGENT,
            actor=agent_actor(agent_id),
            reason="claimed",
            now=now,
        )
    return QueueEntry.from_row(rows[0])


def claim_next(
    db: Database, agent_id: int, *, now: datetime, any_language_after_s: float
) -> QueueEntry | None:
    """Claim the best waiting conversation this agent may take.

    Order: priority (urgent, high, normal), then longest waiting. Only conversations in one of the
    agent's languages qualify, unless they have waited ``any_language_after_s`` or longer: then any
    agent may take them, because a late answer in a second language beats no answer. "Waited" is
    inclusive: at exactly ``any_language_after_s`` any agent may claim, as ``queue_view`` shows it.

    :returns: the claimed entry, or ``None`` when nothing qualifies.
    :raises OverCapacity, AgentNotFound, AgentDisabled: as named.
    """
    cutoff = to_iso(now - timedelta(seconds=any_language_after_s))
    # PostgreSQL: skip a row another transaction holds instead of waiting on it (SQLite has one writer).
    skip_locked = " FOR UPDATE OF q SKIP LOCKED" if getattr(db, "engine", "sqlite") == "postgresql" else ""
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET status = 'claimed', claimed_by = :agent, claimed_at = :now "
            "WHERE id = (SELECT q.id FROM queue_entries q WHERE q.status = 'waiting' AND ("
            "  q.language IN (SELECT value FROM json_each("
            "    (SELECT languages FROM agents WHERE id = :agent)))"
            "  OR q.enqueued_at <= :cutoff)"
            f" ORDER BY q.priority_rank DESC, q.enqueued_at, q.id LIMIT 1{skip_locked}) "
            f"AND status = 'waiting' AND {_AGENT_CAN_TAKE} RETURNING *",
            {"agent": agent_id, "now": to_iso(now), "cutoff": cutoff},
        )
        if not rows:
            require_agent_can_take(db, agent_id)
            return None
        entry = QueueEntry.from_row(rows[0])
        transition(
            db,
            entry.conversation_id,
            ConversationStatus.WITH_AGENT,
            actor=agent_actor(agent_id),
            reason="claimed",
            now=now,
        )
    return entry


def release(
    db: Database,
    conversation_id: str,
    agent_id: int,
    *,
    now: datetime,
    reason: str = "released",
    actor: str | None = None,
) -> QueueEntry:
    """Put a held conversation back in the queue (``with_agent -> waiting``).

    ``enqueued_at`` is left alone, so the conversation keeps its original waiting time and place.

    :param actor: defaults to the agent; ``disable_agent`` passes ``"system"``.
    :raises NotClaimedByAgent: if the agent does not hold it.
    """
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET status = 'waiting', claimed_by = NULL, claimed_at = NULL "
            "WHERE conversation_id = :cid AND status = 'claimed' AND claimed_by = :agent RETURNING *",
            {"cid": conversation_id, "agent": agent_id},
        )
        if not rows:
            explain_not_holder(db, conversation_id, agent_id)
        transition(
            db,
            conversation_id,
            ConversationStatus.WAITING,
            actor=actor or agent_actor(agent_id),
            reason=reason,
            now=now,
        )
    return QueueEntry.from_row(rows[0])


def resolve(
    db: Database,
    conversation_id: str,
    agent_id: int,
    *,
    return_to_bot: bool = False,
    reason: str | None = None,
    now: datetime,
) -> QueueEntry:
    """Close a held conversation: ``with_agent -> resolved``, or ``-> bot`` to hand it back.

    :raises NotClaimedByAgent: if the agent does not hold it.
    """
    closed, to, default_reason = (
        (QueueStatus.RETURNED, ConversationStatus.BOT, "returned_to_bot")
        if return_to_bot
        else (QueueStatus.RESOLVED, ConversationStatus.RESOLVED, "resolved")
    )
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET status = :closed, closed_at = :now "
            "WHERE conversation_id = :cid AND status = 'claimed' AND claimed_by = :agent RETURNING *",
            {"closed": str(closed), "now": to_iso(now), "cid": conversation_id, "agent": agent_id},
        )
        if not rows:
            explain_not_holder(db, conversation_id, agent_id)
        transition(
            db, conversation_id, to, actor=agent_actor(agent_id), reason=reason or default_reason, now=now
        )
    return QueueEntry.from_row(rows[0])


def return_to_bot(
    db: Database, conversation_id: str, *, actor: str, reason: str, now: datetime
) -> QueueEntry:
    """Withdraw a handoff whoever holds it (``waiting|with_agent -> bot``), e.g. the user cancels.

    :raises NotInQueue: if the conversation is not handed off.
    """
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET status = 'returned', closed_at = :now "
            "WHERE conversation_id = :cid AND status IN ('waiting', 'claimed') RETURNING *",
            {"now": to_iso(now), "cid": conversation_id},
        )
        if not rows:
            lock_conversation(db, conversation_id, now=now)
            raise NotInQueue(f"conversation {conversation_id} is not handed off")
        transition(db, conversation_id, ConversationStatus.BOT, actor=actor, reason=reason, now=now)
    return QueueEntry.from_row(rows[0])


def record_agent_reply(
    db: Database,
    conversation_id: str,
    agent_id: int,
    *,
    text: str,
    language: str | None,
    meta: Mapping[str, Any] | None = None,
    now: datetime,
) -> Message:
    """Store an agent's message; the first one of a handoff stops its SLA clock (``first_response_at``).

    :raises NotClaimedByAgent: if the agent does not hold the conversation.
    """
    with db.atomic():
        rows = write_returning(
            db,
            "UPDATE queue_entries SET first_response_at = COALESCE(first_response_at, :now) "
            "WHERE conversation_id = :cid AND status = 'claimed' AND claimed_by = :agent RETURNING id",
            {"now": to_iso(now), "cid": conversation_id, "agent": agent_id},
        )
        if not rows:
            explain_not_holder(db, conversation_id, agent_id)
        return append_message(
            db,
            conversation_id,
            sender=Sender.AGENT,
            text=text,
            language=language,
            meta={"agent_id": agent_id, **(meta or {})},
            now=now,
        )


def _set_conversation_handoff(
    db: Database, conversation_id: str, priority: Priority, reason: str | None
) -> None:
    db.execute(
        "UPDATE conversations SET priority = ?, handoff_reason = COALESCE(?, handoff_reason) WHERE id = ?",
        [str(priority), reason, conversation_id],
    )
