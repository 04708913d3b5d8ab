"""Feedback: helpful votes on bot answers, CSAT after resolve, and every validation rule."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlite_utils import Database

from handoff.agents import add_agent
from handoff.conversations import append_message, append_user_message, create_conversation
from handoff.errors import ConversationNotFound, InvalidFeedback
from handoff.feedback import record_feedback
from handoff.models import Priority, Sender
from handoff.tickets import claim, enqueue, resolve
from tests.handoff_support import count

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def chat(db: Database) -> dict[str, Any]:
    """A conversation with a user question and a bot answer, still with the bot."""
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    question = append_message(db, cid, sender=Sender.USER, text="fees?", language="en", now=T0)
    answer = append_message(
        db, cid, sender=Sender.BOT, text="0.1%", language="en", meta={"action": "answer"}, now=T0
    )
    return {"cid": cid, "question": question.id, "answer": answer.id}


def resolve_it(db: Database, cid: str) -> None:
    agent = add_agent(db, name="a", languages=["en"], now=T0)[0].id
    enqueue(db, cid, priority=Priority.NORMAL, reason="user_asked", language="en", now=T0)
    claim(db, cid, agent, now=T0)
    resolve(db, cid, agent, now=T0)


def test_record_feedback_helpful_vote_on_bot_answer_is_stored(db: Database, chat: dict[str, Any]) -> None:
    fb = record_feedback(
        db, chat["cid"], message_id=chat["answer"], helpful=False, comment=" wrong fee ", now=T0
    )
    assert (fb.message_id, fb.helpful, fb.rating, fb.comment) == (chat["answer"], False, None, "wrong fee")


def test_record_feedback_second_vote_replaces_first(db: Database, chat: dict[str, Any]) -> None:
    record_feedback(db, chat["cid"], message_id=chat["answer"], helpful=False, now=T0)
    fb = record_feedback(
        db, chat["cid"], message_id=chat["answer"], helpful=True, now=T0 + timedelta(seconds=1)
    )
    assert fb.helpful is True
    assert count(db, "feedback") == 1


def test_record_feedback_rating_after_resolve_is_stored(db: Database, chat: dict[str, Any]) -> None:
    resolve_it(db, chat["cid"])
    fb = record_feedback(db, chat["cid"], rating=5, comment="fast", now=T0)
    assert (fb.rating, fb.comment, fb.message_id, fb.helpful) == (5, "fast", None, None)
    assert record_feedback(db, chat["cid"], rating=4, now=T0).rating == 4
    assert count(db, "feedback") == 1


def test_record_feedback_rating_after_reopen_is_still_allowed(db: Database, chat: dict[str, Any]) -> None:
    resolve_it(db, chat["cid"])
    append_user_message(db, chat["cid"], text="thanks", language="en", now=T0)
    assert record_feedback(db, chat["cid"], rating=3, now=T0).rating == 3


@pytest.mark.parametrize("rating", [0, 6, -1, True, 4.5, "5"])
def test_record_feedback_rating_out_of_range_raises_422(
    db: Database, chat: dict[str, Any], rating: Any
) -> None:
    resolve_it(db, chat["cid"])
    with pytest.raises(InvalidFeedback) as caught:
        record_feedback(db, chat["cid"], rating=rating, now=T0)
    assert (caught.value.status_code, caught.value.code) == (422, "invalid_feedback")


def test_record_feedback_rating_before_resolve_raises_422(db: Database, chat: dict[str, Any]) -> None:
    with pytest.raises(InvalidFeedback, match="resolved"):
        record_feedback(db, chat["cid"], rating=5, now=T0)


def test_record_feedback_vote_on_user_message_raises_422(db: Database, chat: dict[str, Any]) -> None:
    with pytest.raises(InvalidFeedback, match="not a bot answer"):
        record_feedback(db, chat["cid"], message_id=chat["question"], helpful=True, now=T0)


def test_record_feedback_vote_on_other_conversations_message_raises_422(
    db: Database, chat: dict[str, Any]
) -> None:
    other = create_conversation(db, locale=None, language="en", now=T0).id
    with pytest.raises(InvalidFeedback, match="not part of"):
        record_feedback(db, other, message_id=chat["answer"], helpful=True, now=T0)
    with pytest.raises(InvalidFeedback, match="not part of"):
        record_feedback(db, chat["cid"], message_id=9999, helpful=True, now=T0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"helpful": True},
        {"message_id": "answer"},
        {"message_id": "answer", "helpful": True, "rating": 5},
        {"message_id": "answer", "helpful": 1},
        {"message_id": "answer", "helpful": True, "comment": "x" * 2001},
    ],
)
def test_record_feedback_with_wrong_shape_raises_422(
    db: Database, chat: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    if kwargs.get("message_id") == "answer":
        kwargs = {**kwargs, "message_id": chat["answer"]}
    with pytest.raises(InvalidFeedback):
        record_feedback(db, chat["cid"], now=T0, **kwargs)
    assert count(db, "feedback") == 0


def test_record_feedback_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        record_feedback(db, "missing", rating=5, now=T0)
