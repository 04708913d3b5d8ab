"""Transcripts: the whole conversation with the bot's context, for agents and for export."""

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from typing import Any

from handoff.conversations import get_conversation, list_messages
from handoff.db import Database
from handoff.models import AuditEntry, Feedback, Message, QueueEntry, Transcript


def get_transcript(db: Database, conversation_id: str) -> Transcript:
    """Collect the conversation, every message with its meta, each handoff with the bot's context,
    the audit trail and the feedback.

    :raises ConversationNotFound: if there is no such conversation.
    """
    conversation = get_conversation(db, conversation_id)
    handoffs = db.query(
        "SELECT * FROM queue_entries WHERE conversation_id = ? ORDER BY enqueued_at, id", [conversation_id]
    )
    audit = db.query("SELECT * FROM audit_log WHERE conversation_id = ? ORDER BY id", [conversation_id])
    feedback = db.query("SELECT * FROM feedback WHERE conversation_id = ? ORDER BY id", [conversation_id])
    return Transcript(
        conversation=conversation,
        messages=tuple(list_messages(db, conversation_id)),
        handoffs=tuple(QueueEntry.from_row(row) for row in handoffs),
        audit=tuple(AuditEntry.from_row(row) for row in audit),
        feedback=tuple(Feedback.from_row(row) for row in feedback),
    )


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    """Return the transcript as JSON-ready data: snake_case keys, ISO-8601 UTC times, enum values.

    The result round-trips through ``json.dumps`` unchanged.
    """
    data: dict[str, Any] = _jsonable(asdict(transcript))
    return data


def transcript_to_text(transcript: Transcript) -> str:
    """Render the transcript as plain text for an agent, an email or a ticket system."""
    c = transcript.conversation
    lines = [
        f"Conversation {c.id}",
        f"Status: {c.status}  Language: {c.language}  Locale: {c.locale or '-'}",
        f"User: {_user_line(c.user_name, c.user_email, c.user_id)}",
    ]
    if c.contact:
        lines.append(f"Contact left by user: {c.contact}")
    lines.append(f"Started: {_time(c.created_at)}")
    for number, handoff in enumerate(transcript.handoffs, start=1):
        lines += ["", *_handoff_lines(number, handoff)]
    lines += ["", "Messages:"]
    lines += [_message_line(m) for m in transcript.messages] or ["  (none)"]
    if transcript.feedback:
        lines += ["", "Feedback:"]
        lines += [_feedback_line(f) for f in transcript.feedback]
    lines += ["", "Audit trail:"]
    lines += [
        f"  {_time(a.at)}  {a.actor}: {a.from_status} -> {a.to_status}"
        + (f" ({a.reason})" if a.reason else "")
        for a in transcript.audit
    ] or ["  (none)"]
    return "\n".join(lines) + "\n"


def _handoff_lines(number: int, handoff: QueueEntry) -> list[str]:
    timeline = f"  Queued {_time(handoff.enqueued_at)}"
    if handoff.claimed_by is not None:
        timeline += f", claimed by agent {handoff.claimed_by} at {_time(handoff.claimed_at)}"
    if handoff.first_response_at:
        timeline += f", first reply {_time(handoff.first_response_at)}"
    if handoff.closed_at:
        timeline += f", closed {_time(handoff.closed_at)}"
    lines = [
        f"Handoff {number}: {handoff.status}, priority {handoff.priority}, "
        + f"reason {handoff.reason}, language {handoff.language}",
        timeline,
    ]
    if handoff.context:
        lines.append("  Bot context:")
        lines += [f"    {key}: {_context_value(value)}" for key, value in sorted(handoff.context.items())]
    return lines


def _context_value(value: Any) -> str:
    # Articles considered are a list of objects; one "k=v, k=v" line each reads better than JSON.
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return "".join(
            "\n      - " + ", ".join(f"{k}={_scalar(v)}" for k, v in item.items()) for item in value
        )
    return _scalar(value)


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _message_line(message: Message) -> str:
    meta = {k: v for k, v in message.meta.items() if k in ("action", "confidence", "sources", "agent_id")}
    suffix = f"  [{', '.join(f'{k}={_scalar(v)}' for k, v in meta.items())}]" if meta else ""
    text = message.text.replace("\n", "\n      ")
    return f"  #{message.seq} {_time(message.created_at)} {message.sender} ({message.language or '-'}): {text}{suffix}"


def _feedback_line(feedback: Feedback) -> str:
    if feedback.message_id is not None:
        what = f"message {feedback.message_id} helpful={'yes' if feedback.helpful else 'no'}"
    else:
        what = f"CSAT {feedback.rating}/5"
    comment = f' "{feedback.comment}"' if feedback.comment else ""
    return f"  {_time(feedback.created_at)} {what}{comment}"


def _user_line(name: str | None, email: str | None, user_id: str | None) -> str:
    parts = [p for p in (name, f"<{email}>" if email else None, f"id {user_id}" if user_id else None) if p]
    return " ".join(parts) or "anonymous"


def _time(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
