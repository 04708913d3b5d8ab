"""Helpers shared by the queue tests: agents, waiting conversations, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from config.settings import Settings
from handoff.agents import add_agent
from handoff.conversations import create_conversation
from handoff.models import Priority
from handoff.tickets import enqueue

# The routing timeout the server uses by default: tests pass it the way web.app passes the setting.
ROUTING_S: float = Settings.model_fields["any_language_after_s"].default

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def agent(db: Database, languages: str = "en", capacity: int = 3) -> int:
    return add_agent(
        db, name=f"agent-{languages}", languages=languages.split(","), capacity=capacity, now=T0
    )[0].id


def waiting(
    db: Database,
    *,
    language: str = "en",
    priority: Priority = Priority.NORMAL,
    at: datetime = T0,
    context: dict[str, Any] | None = None,
) -> str:
    cid = create_conversation(db, locale=None, language=language, now=at).id
    enqueue(db, cid, priority=priority, reason="user_asked", language=language, context=context, now=at)
    return cid


def audit(db: Database, cid: str) -> list[tuple[str, str, str, str]]:
    return [
        (r["actor"], r["from_status"], r["to_status"], r["reason"])
        for r in db.query("SELECT * FROM audit_log WHERE conversation_id = ? ORDER BY id", [cid])
    ]


def count(db: Database, table: str) -> int:
    """The rows in a handoff table, on either engine."""
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
