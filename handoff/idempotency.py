"""Idempotency keys: a retried request returns its first result instead of storing the message twice.

A key is claimed inside the transaction that stores the message it produced (``claim_key``), so a
key exists exactly when its messages do: a crash between the two is impossible. The serialised
response is saved right after that commit (``save_response``); if the process dies in between, a
retry finds the key with no response and the caller rebuilds the answer from ``message_ids``.
Keys are scoped to one conversation: the same key on two conversations is two keys.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handoff.db import INTEGRITY_ERRORS, Database
from handoff.errors import HandoffError
from handoff.models import Message
from handoff.timestamps import to_iso

KEEP_FOR = timedelta(hours=24)


class KeyAlreadyUsed(HandoffError):
    """Another request claimed this key on this conversation first (a concurrent retry)."""

    status_code = 409
    code = "idempotency_key_in_use"


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """An idempotency key to claim in the transaction that stores a message (``append_turn``,
    ``append_for_agent``): the key exists exactly when the messages it produced do."""

    key: str
    request_hash: str
    status_code: int = 201


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What the first request with a key left behind."""

    request_hash: str
    message_ids: tuple[int, ...]
    status_code: int
    response: Mapping[str, Any] | None


def request_fingerprint(payload: Mapping[str, Any]) -> str:
    """sha256 of the request body as canonical JSON: a repeat must carry the same body."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def find_key(db: Database, conversation_id: str, key: str) -> StoredKey | None:
    """The stored result of ``key`` on this conversation, or ``None`` if it was never used."""
    rows = list(
        db.query(
            "SELECT request_hash, message_ids, status_code, response FROM idempotency_keys "
            "WHERE conversation_id = :c AND key = :k",
            {"c": conversation_id, "k": key},
        )
    )
    if not rows:
        return None
    row = rows[0]
    return StoredKey(
        request_hash=row["request_hash"],
        message_ids=tuple(int(i) for i in json.loads(row["message_ids"])),
        status_code=row["status_code"],
        response=json.loads(row["response"]) if row["response"] else None,
    )


def claim_key(
    db: Database,
    conversation_id: str,
    key: str,
    *,
    request_hash: str,
    message_ids: Sequence[int],
    status_code: int,
    now: datetime,
) -> None:
    """Record that ``key`` produced these messages. Call inside the transaction that stored them.

    :raises KeyAlreadyUsed: the key is taken on this conversation; the caller's transaction must roll back.
    """
    try:
        db.execute(
            "INSERT INTO idempotency_keys (conversation_id, key, request_hash, message_ids, status_code, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [conversation_id, key, request_hash, json.dumps(list(message_ids)), status_code, to_iso(now)],
        )
    except INTEGRITY_ERRORS:
        raise KeyAlreadyUsed(f"idempotency key already used on conversation {conversation_id}") from None


def save_response(
    db: Database, conversation_id: str, key: str, response: Mapping[str, Any], *, now: datetime
) -> None:
    """Keep the first response of ``key`` verbatim, so every repeat returns the same body.

    Keys older than ``KEEP_FOR`` are forgotten on the way (retries come within seconds; like Stripe's
    24 hours, a key reused after that is a new request), in this short write after the message's commit.
    """
    with db.atomic():
        db.execute(
            "UPDATE idempotency_keys SET response = ? WHERE conversation_id = ? AND key = ? AND response IS NULL",
            [json.dumps(response, ensure_ascii=False), conversation_id, key],
        )
        db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [to_iso(now - KEEP_FOR)])


def messages_by_id(db: Database, ids: Sequence[int]) -> list[Message]:
    """The messages with these ids, in the order given (for rebuilding a response that was never saved)."""
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    rows = {r["id"]: r for r in db.query(f"SELECT * FROM messages WHERE id IN ({marks})", list(ids))}
    return [Message.from_row(rows[i]) for i in ids if i in rows]
