"""User feedback: a helpful yes/no on a bot answer, and a CSAT rating (1 to 5) after resolve.

One vote per bot message and one rating per conversation: giving it again replaces the earlier one,
so a user changing their mind does not count twice in the metrics.
"""

from datetime import datetime

from handoff.conversations import get_conversation
from handoff.db import Database, write_returning
from handoff.errors import InvalidFeedback
from handoff.models import Feedback, Sender
from handoff.timestamps import to_iso

MAX_COMMENT_CHARS = 2000


def record_feedback(
    db: Database,
    conversation_id: str,
    *,
    message_id: int | None = None,
    helpful: bool | None = None,
    rating: int | None = None,
    comment: str | None = None,
    now: datetime,
) -> Feedback:
    """Store a helpful vote (``message_id`` + ``helpful``) or a CSAT rating (``rating``).

    :param message_id: the bot message voted on; it must belong to this conversation.
    :param helpful: the vote; required with ``message_id``.
    :param rating: 1 to 5, only once the conversation has been resolved; not with ``message_id``.
    :param comment: optional free text, at most 2000 characters.
    :raises InvalidFeedback: when a rule above is broken.
    :raises ConversationNotFound: if there is no such conversation.
    """
    conversation = get_conversation(db, conversation_id)
    if comment is not None:
        comment = comment.strip() or None
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise InvalidFeedback(f"comment is longer than {MAX_COMMENT_CHARS} characters")
    if message_id is not None:
        if helpful is None or not isinstance(helpful, bool):
            raise InvalidFeedback("a vote on a message needs helpful true or false")
        if rating is not None:
            raise InvalidFeedback("rate the conversation separately from a message vote")
        _require_bot_message(db, conversation_id, message_id)
        conflict = "(conversation_id, message_id) WHERE message_id IS NOT NULL"
    else:
        if helpful is not None:
            raise InvalidFeedback("a helpful vote needs the message_id it is about")
        if rating is None:
            raise InvalidFeedback("feedback needs a rating, or a message_id and helpful")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidFeedback(f"rating must be an integer from 1 to 5, got {rating!r}")
        if conversation.resolved_at is None and not _agent_closed_a_handoff(db, conversation_id):
            raise InvalidFeedback("the conversation can be rated once an agent has resolved it")
        conflict = "(conversation_id) WHERE message_id IS NULL"
    rows = write_returning(
        db,
        "INSERT INTO feedback (conversation_id, message_id, helpful, rating, comment, created_at) "
        "VALUES (:cid, :mid, :helpful, :rating, :comment, :now) "
        f"ON CONFLICT {conflict} DO UPDATE SET helpful = excluded.helpful, rating = excluded.rating, "
        "comment = excluded.comment, created_at = excluded.created_at RETURNING *",
        {
            "cid": conversation_id,
            "mid": message_id,
            "helpful": None if helpful is None else int(helpful),
            "rating": rating,
            "comment": comment,
            "now": to_iso(now),
        },
    )
    return Feedback.from_row(rows[0])


def _require_bot_message(db: Database, conversation_id: str, message_id: int) -> None:
    row = db.execute("SELECT conversation_id, sender FROM messages WHERE id = ?", [message_id]).fetchone()
    if row is None or row[0] != conversation_id:
        raise InvalidFeedback(f"message {message_id} is not part of conversation {conversation_id}")
    if row[1] != Sender.BOT:
        raise InvalidFeedback(f"message {message_id} is not a bot answer")


def _agent_closed_a_handoff(db: Database, conversation_id: str) -> bool:
    """Whether an agent has closed a handoff of this conversation: resolved it, or resolved it and
    handed it back to the bot (both offer the rating; a user withdrawing a request does not)."""
    row = db.execute(
        "SELECT 1 FROM queue_entries WHERE conversation_id = ? AND status IN ('resolved', 'returned') "
        "AND claimed_at IS NOT NULL LIMIT 1",
        [conversation_id],
    ).fetchone()
    return row is not None
