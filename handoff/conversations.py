"""Conversations and their messages: create, look up, append, list, bot state, contact.

Message sequence numbers are assigned inside the INSERT itself, so concurrent writers on separate
connections never hand out the same ``seq`` (SQLite serialises writers; the unique index backs it up).
"""

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handoff.db import INTEGRITY_ERRORS, Database, write_returning
from handoff.errors import ConversationExists, ConversationNotFound, InvalidInput
from handoff.languages import normalize_language
from handoff.models import Conversation, ConversationStatus, Message, Sender, dump_json
from handoff.states import lock_conversation, transition
from handoff.timestamps import to_iso

MAX_CONTACT_CHARS = 320


def create_conversation(
    db: Database,
    *,
    locale: str | None,
    language: str,
    user_id: str | None = None,
    user_name: str | None = None,
    user_email: str | None = None,
    token_hash: str | None = None,
    conversation_id: str | None = None,
    now: datetime,
) -> Conversation:
    """Start a conversation in the ``bot`` state.

    :param locale: the widget's locale hint (``zh-CN``), kept as given.
    :param language: the conversation's language, ISO 639-1.
    :param token_hash: sha256 of the widget's conversation token (see ``credentials.hash_secret``).
    :param conversation_id: a UUID chosen by the caller; a new uuid4 when omitted.
    :raises InvalidInput: on a malformed id or language code.
    :raises ConversationExists: if the id or the token hash is already taken.
    """
    if conversation_id is None:
        conversation_id = str(uuid.uuid4())
    else:
        try:
            conversation_id = str(uuid.UUID(conversation_id))
        except ValueError:
            raise InvalidInput(f"not a UUID: {conversation_id!r}") from None
    stamp = to_iso(now)
    try:
        rows = write_returning(
            db,
            "INSERT INTO conversations (id, status, language, locale, user_id, user_name, user_email, "
            "token_hash, created_at, updated_at) VALUES (:id, :status, :language, :locale, :user_id, "
            ":user_name, :user_email, :token_hash, :now, :now) RETURNING *",
            {
                "id": conversation_id,
                "status": str(ConversationStatus.BOT),
                "language": normalize_language(language),
                "locale": locale,
                "user_id": user_id,
                "user_name": user_name,
                "user_email": user_email,
                "token_hash": token_hash,
                "now": stamp,
            },
        )
    except INTEGRITY_ERRORS:
        raise ConversationExists(f"conversation {conversation_id} or its token already exists") from None
    return Conversation.from_row(rows[0])


def get_conversation(db: Database, conversation_id: str) -> Conversation:
    """Return the conversation.

    :raises ConversationNotFound: if there is no such conversation.
    """
    rows = list(db.query("SELECT * FROM conversations WHERE id = ?", [conversation_id]))
    if not rows:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return Conversation.from_row(rows[0])


def find_by_token_hash(db: Database, token_hash: str) -> Conversation | None:
    """Return the conversation whose widget token hashes to ``token_hash``, or ``None``."""
    rows = list(db.query("SELECT * FROM conversations WHERE token_hash = ?", [token_hash]))
    return Conversation.from_row(rows[0]) if rows else None


def append_message(
    db: Database,
    conversation_id: str,
    *,
    sender: Sender,
    text: str,
    language: str | None,
    meta: Mapping[str, Any] | None = None,
    now: datetime,
) -> Message:
    """Store one message with the next sequence number of its conversation; committed on return.

    Outside ``db.atomic()`` the message is durable when this returns, so the API may then say it was
    received. The text must already be redacted by the caller.

    :param meta: the bot's per-message data (action, confidence, sources, quick replies).
    :raises ConversationNotFound: if there is no such conversation.
    :raises InvalidInput: if ``text`` is blank.
    """
    if not text.strip():
        raise InvalidInput("message text is empty")
    rows = write_returning(
        db,
        # MAX(seq) is read by the INSERT itself, after it holds the write lock: no other writer can
        # slip a row in between the read and the write.
        "INSERT INTO messages (conversation_id, seq, sender, text, language, meta, created_at) "
        "SELECT c.id, (SELECT COALESCE(MAX(m.seq), 0) + 1 FROM messages m "
        "WHERE m.conversation_id = c.id), :sender, :text, :language, :meta, :now "
        "FROM conversations c WHERE c.id = :cid RETURNING *",
        {
            "cid": conversation_id,
            "sender": str(Sender(sender)),
            "text": text,
            "language": None if language is None else normalize_language(language),
            "meta": dump_json(meta),
            "now": to_iso(now),
        },
    )
    if not rows:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return Message.from_row(rows[0])


def append_user_message(
    db: Database,
    conversation_id: str,
    *,
    text: str,
    language: str | None,
    meta: Mapping[str, Any] | None = None,
    now: datetime,
) -> tuple[Conversation, Message]:
    """Store a user message, reopening a resolved conversation to the bot first (audited).

    While the conversation is ``waiting`` or ``with_agent`` the message is only stored: it is for the
    agent, and ``Conversation.is_handed_off`` tells the bot to stay silent.

    :returns: the conversation after the message (status ``bot`` if it was reopened) and the message.
    :raises ConversationNotFound: if there is no such conversation.
    """
    with db.atomic():
        row = lock_conversation(db, conversation_id, now=now)
        if row["status"] == ConversationStatus.RESOLVED:
            transition(
                db,
                conversation_id,
                ConversationStatus.BOT,
                actor="user",
                reason="user_wrote_after_resolve",
                now=now,
            )
        message = append_message(
            db, conversation_id, sender=Sender.USER, text=text, language=language, meta=meta, now=now
        )
        conversation = get_conversation(db, conversation_id)
    return conversation, message


def list_messages(
    db: Database, conversation_id: str, after_seq: int = 0, *, limit: int | None = None
) -> list[Message]:
    """Return the conversation's messages with ``seq > after_seq``, oldest first.

    Agents poll with the last ``seq`` they saw to get only new messages.

    :raises ConversationNotFound: if there is no such conversation.
    """
    sql = "SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq"
    params: list[Any] = [conversation_id, after_seq]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    messages = [Message.from_row(row) for row in db.query(sql, params)]
    if not messages:
        get_conversation(db, conversation_id)
    return messages


def get_bot_state(db: Database, conversation_id: str) -> dict[str, Any]:
    """Return the bot's private JSON state for the conversation (``{}`` when never set).

    :raises ConversationNotFound: if there is no such conversation.
    """
    row = db.execute("SELECT bot_state FROM conversations WHERE id = ?", [conversation_id]).fetchone()
    if row is None:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return dict(json.loads(row[0]))


def set_bot_state(db: Database, conversation_id: str, state: Mapping[str, Any], *, now: datetime) -> None:
    """Replace the bot's private JSON state (failed turns, last language, ...); handoff never reads it.

    :raises ConversationNotFound: if there is no such conversation.
    """
    _update(db, conversation_id, "bot_state", dump_json(state), now=now)


def set_contact(db: Database, conversation_id: str, contact: str, *, now: datetime) -> Conversation:
    """Store the address a user left for a reply when no agent was online.

    :raises InvalidInput: if the contact is blank, too long or spans lines.
    :raises ConversationNotFound: if there is no such conversation.
    """
    contact = contact.strip()
    if not contact or len(contact) > MAX_CONTACT_CHARS or "\n" in contact or "\r" in contact:
        raise InvalidInput(f"contact must be one line of 1 to {MAX_CONTACT_CHARS} characters")
    return _update(db, conversation_id, "contact", contact, now=now)


def set_language(db: Database, conversation_id: str, language: str, *, now: datetime) -> Conversation:
    """Record the language the conversation has switched to (shown to agents, used by later handoffs).

    :raises InvalidInput: on a malformed language code.
    :raises ConversationNotFound: if there is no such conversation.
    """
    return _update(db, conversation_id, "language", normalize_language(language), now=now)


def _update(db: Database, conversation_id: str, column: str, value: str, *, now: datetime) -> Conversation:
    # ``column`` is always a literal from this module, never user input.
    rows = write_returning(
        db,
        f"UPDATE conversations SET {column} = :value, updated_at = :now WHERE id = :id RETURNING *",
        {"value": value, "now": to_iso(now), "id": conversation_id},
    )
    if not rows:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return Conversation.from_row(rows[0])


def latest_reply_action(db: Database, conversation_id: str) -> str | None:
    """The ``action`` of the latest message not written by the user (``None`` if none or unset), so a
    caller can tell whether it already acknowledged the user's last few messages."""
    row = db.execute(
        "SELECT meta FROM messages WHERE conversation_id = ? AND sender != 'user' ORDER BY seq DESC LIMIT 1",
        [conversation_id],
    ).fetchone()
    if row is None:
        return None
    meta = json.loads(row[0] or "{}")
    action = meta.get("action") if isinstance(meta, dict) else None
    return str(action) if action else None
