"""Value types of the handoff package: enums and frozen dataclasses built from rows.

No raw row dict leaves the package; every query result becomes one of these through ``from_row``.
JSON columns (``meta``, ``context``, ``languages``) are decoded here and only here.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from handoff.eta import WaitEstimate
from handoff.timestamps import from_iso, from_iso_or_none


class ConversationStatus(StrEnum):
    """Who is answering the conversation right now."""

    BOT = "bot"
    WAITING = "waiting"
    WITH_AGENT = "with_agent"
    RESOLVED = "resolved"


class Priority(StrEnum):
    """How urgently a handed-off conversation needs a person; compare with :attr:`rank`."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Return 0 for normal, 1 for high, 2 for urgent: higher is served first."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


class Sender(StrEnum):
    """Author of one message."""

    USER = "user"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class QueueStatus(StrEnum):
    """Life of one queue entry (one handoff). Only ``waiting`` and ``claimed`` are active."""

    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned"


def _json_object(text: str | None) -> Mapping[str, Any]:
    return {} if not text else dict(json.loads(text))


def dump_json(value: Mapping[str, Any] | list[Any] | None) -> str:
    """Serialise a JSON column value; non-ASCII stays readable, and key order is the caller's
    (the bot lists considered articles' fields in the order it wants agents to read them)."""
    return json.dumps(value if value is not None else {}, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Conversation:
    """One chat between a user and the bot, and later perhaps an agent."""

    id: str
    status: ConversationStatus
    language: str
    locale: str | None
    user_id: str | None
    user_name: str | None
    user_email: str | None
    contact: str | None
    priority: Priority | None
    handoff_reason: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None

    @property
    def is_handed_off(self) -> bool:
        """True while a person owns the conversation (waiting or with_agent): the bot must not answer."""
        return self.status in (ConversationStatus.WAITING, ConversationStatus.WITH_AGENT)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from a ``conversations`` row."""
        return cls(
            id=row["id"],
            status=ConversationStatus(row["status"]),
            language=row["language"],
            locale=row["locale"],
            user_id=row["user_id"],
            user_name=row["user_name"],
            user_email=row["user_email"],
            contact=row["contact"],
            priority=Priority(row["priority"]) if row["priority"] else None,
            handoff_reason=row["handoff_reason"],
            created_at=from_iso(row["created_at"]),
            updated_at=from_iso(row["updated_at"]),
            resolved_at=from_iso_or_none(row["resolved_at"]),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One message; ``seq`` counts from 1 within its conversation."""

    id: int
    conversation_id: str
    seq: int
    sender: Sender
    text: str
    language: str | None
    meta: Mapping[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from a ``messages`` row."""
        return cls(
            id=row["id"],
            conversation_id=row["conversation_id"],
            seq=row["seq"],
            sender=Sender(row["sender"]),
            text=row["text"],
            language=row["language"],
            meta=_json_object(row["meta"]),
            created_at=from_iso(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One handoff of a conversation to people, as stored."""

    id: int
    conversation_id: str
    status: QueueStatus
    priority: Priority
    reason: str
    language: str
    context: Mapping[str, Any]
    enqueued_at: datetime
    claimed_by: int | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from a ``queue_entries`` row."""
        return cls(
            id=row["id"],
            conversation_id=row["conversation_id"],
            status=QueueStatus(row["status"]),
            priority=Priority(row["priority"]),
            reason=row["reason"],
            language=row["language"],
            context=_json_object(row["context"]),
            enqueued_at=from_iso(row["enqueued_at"]),
            claimed_by=row["claimed_by"],
            claimed_at=from_iso_or_none(row["claimed_at"]),
            first_response_at=from_iso_or_none(row["first_response_at"]),
            closed_at=from_iso_or_none(row["closed_at"]),
        )


@dataclass(frozen=True, slots=True)
class QueueItem:
    """An active queue entry as an agent's queue view shows it, with its SLA clock.

    ``waited_s`` runs from ``enqueued_at`` to the first agent reply, or to ``now`` while there is none.
    ``position`` is 1-based among waiting entries and ``None`` once claimed.
    """

    entry: QueueEntry
    waited_s: float
    sla_target_s: float
    breached: bool
    position: int | None


@dataclass(frozen=True, slots=True)
class WaitInfo:
    """What the bot tells a waiting user, as numbers it renders in the user's language."""

    position: int | None
    estimated_wait_s: int | None
    agents_online: int
    agents_online_in_language: int
    estimate: WaitEstimate | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    """A person who answers handed-off conversations. The key hash never leaves the database."""

    id: int
    name: str
    languages: tuple[str, ...]
    capacity: int
    disabled: bool
    last_seen_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from an ``agents`` row."""
        return cls(
            id=row["id"],
            name=row["name"],
            languages=tuple(json.loads(row["languages"])),
            capacity=row["capacity"],
            disabled=bool(row["disabled"]),
            last_seen_at=from_iso_or_none(row["last_seen_at"]),
            created_at=from_iso(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded state change of a conversation."""

    id: int
    conversation_id: str
    actor: str
    from_status: str
    to_status: str
    reason: str | None
    at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from an ``audit_log`` row."""
        return cls(
            id=row["id"],
            conversation_id=row["conversation_id"],
            actor=row["actor"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            reason=row["reason"],
            at=from_iso(row["at"]),
        )


@dataclass(frozen=True, slots=True)
class Feedback:
    """A helpful vote on one bot message, or a CSAT rating of the whole conversation."""

    id: int
    conversation_id: str
    message_id: int | None
    helpful: bool | None
    rating: int | None
    comment: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from a ``feedback`` row."""
        helpful = row["helpful"]
        return cls(
            id=row["id"],
            conversation_id=row["conversation_id"],
            message_id=row["message_id"],
            helpful=None if helpful is None else bool(helpful),
            rating=row["rating"],
            comment=row["comment"],
            created_at=from_iso(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything an agent needs so the user never repeats themselves."""

    conversation: Conversation
    messages: tuple[Message, ...]
    handoffs: tuple[QueueEntry, ...]
    audit: tuple[AuditEntry, ...]
    feedback: tuple[Feedback, ...]
