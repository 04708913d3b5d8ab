"""The handoff schema: every table and index, as ordered migrations.

Never edit a migration that has been applied somewhere; append ``0002_...`` instead. Times are UTC
ISO-8601 TEXT (see ``handoff.timestamps``); JSON columns are TEXT holding one object or list.
Tables are STRICT so a wrong Python type fails at the write instead of being stored silently.
"""

from sqlite_utils import Database, Migrations

migrations = Migrations("handoff")


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    """Create conversations, messages, queue entries, agents, feedback and the audit log."""
    db.table("conversations").create(
        {
            "id": str,
            "status": str,
            "language": str,
            "locale": str,
            "user_id": str,
            "user_name": str,
            "user_email": str,
            "contact": str,
            "token_hash": str,
            "priority": str,
            "handoff_reason": str,
            "bot_state": str,
            "created_at": str,
            "updated_at": str,
            "resolved_at": str,
        },
        pk="id",
        not_null=["status", "language", "bot_state", "created_at", "updated_at"],
        defaults={"bot_state": "{}"},
        strict=True,
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_conversations_token_hash ON conversations (token_hash) "
        "WHERE token_hash IS NOT NULL"
    )
    db.table("conversations").create_index(["status", "created_at"])

    db.table("messages").create(
        {
            "id": int,
            "conversation_id": str,
            "seq": int,
            "sender": str,
            "text": str,
            "language": str,
            "meta": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null=["conversation_id", "seq", "sender", "text", "meta", "created_at"],
        defaults={"meta": "{}"},
        strict=True,
    )
    # Also the index behind "next seq = max(seq) + 1" and "messages after seq N".
    db.table("messages").create_index(["conversation_id", "seq"], unique=True)

    db.table("agents").create(
        {
            "id": int,
            "name": str,
            "languages": str,
            "capacity": int,
            "key_hash": str,
            "disabled": int,
            "last_seen_at": str,
            "created_at": str,
        },
        pk="id",
        not_null=["name", "languages", "capacity", "key_hash", "disabled", "created_at"],
        defaults={"disabled": 0},
        strict=True,
    )
    db.table("agents").create_index(["key_hash"], unique=True)

    db.table("queue_entries").create(
        {
            "id": int,
            "conversation_id": str,
            "status": str,
            "priority": str,
            # Integer twin of ``priority`` so the queue order can come straight from an index.
            "priority_rank": int,
            "reason": str,
            "language": str,
            "context": str,
            "enqueued_at": str,
            "claimed_by": int,
            "claimed_at": str,
            "first_response_at": str,
            "closed_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id"), ("claimed_by", "agents", "id")],
        not_null=[
            "conversation_id",
            "status",
            "priority",
            "priority_rank",
            "reason",
            "language",
            "context",
            "enqueued_at",
        ],
        defaults={"context": "{}"},
        strict=True,
    )
    # At most one active handoff per conversation; closed ones stay for metrics and transcripts.
    db.execute(
        "CREATE UNIQUE INDEX idx_queue_entries_active ON queue_entries (conversation_id) "
        "WHERE status IN ('waiting', 'claimed')"
    )
    db.execute(
        "CREATE INDEX idx_queue_entries_order ON queue_entries (status, priority_rank DESC, enqueued_at, id)"
    )
    db.table("queue_entries").create_index(["claimed_by", "status"])
    db.table("queue_entries").create_index(["enqueued_at"])

    db.table("feedback").create(
        {
            "id": int,
            "conversation_id": str,
            "message_id": int,
            "helpful": int,
            "rating": int,
            "comment": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id"), ("message_id", "messages", "id")],
        not_null=["conversation_id", "created_at"],
        strict=True,
    )
    # One helpful vote per bot message and one CSAT rating per conversation: a new one replaces it.
    db.execute(
        "CREATE UNIQUE INDEX idx_feedback_vote ON feedback (conversation_id, message_id) "
        "WHERE message_id IS NOT NULL"
    )
    db.execute("CREATE UNIQUE INDEX idx_feedback_csat ON feedback (conversation_id) WHERE message_id IS NULL")

    db.table("audit_log").create(
        {
            "id": int,
            "conversation_id": str,
            "actor": str,
            "from_status": str,
            "to_status": str,
            "reason": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null=["conversation_id", "actor", "from_status", "to_status", "at"],
        strict=True,
    )
    db.table("audit_log").create_index(["conversation_id", "id"])
    # Recent claims (waiting -> with_agent) give the throughput behind the estimated wait.
    db.table("audit_log").create_index(["to_status", "at"])


@migrations(name="0002_idempotency_keys")
def idempotency_keys(db: Database) -> None:
    """Remember each ``Idempotency-Key`` a widget sent with a message, so a retry returns the first result.

    The row is written in the transaction that stores the message (``message_ids``); ``response`` is
    the serialised first answer, filled right after that transaction commits.
    """
    db.table("idempotency_keys").create(
        {
            "conversation_id": str,
            "key": str,
            "request_hash": str,
            "message_ids": str,
            "status_code": int,
            "response": str,
            "created_at": str,
        },
        pk=("conversation_id", "key"),
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null=["conversation_id", "key", "request_hash", "message_ids", "status_code", "created_at"],
        defaults={"message_ids": "[]"},
        strict=True,
    )
    db.table("idempotency_keys").create_index(["created_at"])


@migrations(name="0003_stream_tickets")
def stream_tickets(db: Database) -> None:
    """Short-lived, single-use tickets that open one SSE stream, stored only as sha256 digests."""
    db.table("stream_tickets").create(
        {
            "ticket_hash": str,
            "purpose": str,
            "subject": str,
            "expires_at": str,
            "created_at": str,
        },
        pk="ticket_hash",
        not_null=["purpose", "subject", "expires_at", "created_at"],
        strict=True,
    )
    db.table("stream_tickets").create_index(["expires_at"])
