"""Operations on a held conversation: release, resolve, hand back, agent replies, disabling its agent."""

from datetime import timedelta

import pytest
from sqlite_utils import Database

from handoff.agents import disable_agent
from handoff.conversations import create_conversation, get_conversation, list_messages
from handoff.entries import get_active_entry
from handoff.errors import NotClaimedByAgent, NotInQueue
from handoff.models import ConversationStatus, Priority, QueueStatus, Sender
from handoff.tickets import claim, claim_next, enqueue, record_agent_reply, release, resolve, return_to_bot
from tests.handoff_support import ROUTING_S

from .handoff_support import T0, agent, audit, waiting

S = ConversationStatus


# --- release, resolve, hand back -------------------------------------------------------------------


def test_release_returns_to_waiting_with_original_enqueued_at(db: Database) -> None:
    a, b = agent(db), agent(db)
    older = waiting(db, at=T0)
    newer = waiting(db, at=T0 + timedelta(minutes=1))
    claim(db, older, a, now=T0 + timedelta(minutes=2))

    entry = release(db, older, a, now=T0 + timedelta(minutes=3))

    assert (entry.status, entry.enqueued_at, entry.claimed_by, entry.claimed_at) == (
        QueueStatus.WAITING,
        T0,
        None,
        None,
    )
    assert get_conversation(db, older).status == S.WAITING
    assert audit(db, older)[-1] == (f"agent:{a}", "with_agent", "waiting", "released")
    # Its original time puts it ahead of the conversation queued after it.
    assert claim_next(db, b, now=T0 + timedelta(minutes=4), any_language_after_s=ROUTING_S).conversation_id == older  # type: ignore[union-attr]
    assert get_active_entry(db, newer).status == QueueStatus.WAITING  # type: ignore[union-attr]


def test_release_when_other_agent_holds_it_raises_403(db: Database) -> None:
    cid = waiting(db)
    a, b = agent(db), agent(db)
    claim(db, cid, a, now=T0)
    with pytest.raises(NotClaimedByAgent) as caught:
        release(db, cid, b, now=T0)
    assert (caught.value.status_code, caught.value.code) == (403, "not_your_conversation")


def test_release_when_not_claimed_raises_403(db: Database) -> None:
    cid = waiting(db)
    with pytest.raises(NotClaimedByAgent):
        release(db, cid, agent(db), now=T0)


def test_resolve_moves_to_resolved_and_closes_entry(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    claim(db, cid, a, now=T0)
    done = T0 + timedelta(minutes=10)

    entry = resolve(db, cid, a, now=done)

    assert (entry.status, entry.closed_at) == (QueueStatus.RESOLVED, done)
    conversation = get_conversation(db, cid)
    assert (conversation.status, conversation.resolved_at) == (S.RESOLVED, done)
    assert get_active_entry(db, cid) is None
    assert audit(db, cid)[-1] == (f"agent:{a}", "with_agent", "resolved", "resolved")


def test_resolve_with_return_to_bot_hands_back(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    claim(db, cid, a, now=T0)
    entry = resolve(db, cid, a, return_to_bot=True, now=T0)
    assert entry.status == QueueStatus.RETURNED
    assert get_conversation(db, cid).status == S.BOT
    assert audit(db, cid)[-1] == (f"agent:{a}", "with_agent", "bot", "returned_to_bot")


def test_resolve_when_other_agent_holds_it_raises_403_and_changes_nothing(db: Database) -> None:
    cid = waiting(db)
    a, b = agent(db), agent(db)
    claim(db, cid, a, now=T0)
    with pytest.raises(NotClaimedByAgent):
        resolve(db, cid, b, now=T0)
    assert get_conversation(db, cid).status == S.WITH_AGENT


def test_return_to_bot_when_waiting_withdraws_handoff(db: Database) -> None:
    cid = waiting(db)
    entry = return_to_bot(db, cid, actor="user", reason="user_cancelled", now=T0)
    assert entry.status == QueueStatus.RETURNED
    assert get_conversation(db, cid).status == S.BOT
    assert audit(db, cid)[-1] == ("user", "waiting", "bot", "user_cancelled")
    # A later handoff starts a new entry with a new waiting time.
    later = T0 + timedelta(hours=1)
    assert (
        enqueue(db, cid, priority=Priority.HIGH, reason="again", language="en", now=later).enqueued_at
        == later
    )


def test_return_to_bot_when_not_handed_off_raises_409(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    with pytest.raises(NotInQueue):
        return_to_bot(db, cid, actor="user", reason="x", now=T0)


def test_disable_agent_requeues_its_conversations(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    claim(db, cid, a, now=T0)
    disable_agent(db, a, now=T0 + timedelta(minutes=1))
    entry = get_active_entry(db, cid)
    assert entry is not None and (entry.status, entry.enqueued_at) == (QueueStatus.WAITING, T0)
    assert audit(db, cid)[-1] == ("system", "with_agent", "waiting", "agent_disabled")


# --- agent replies ---------------------------------------------------------------------------------


def test_record_agent_reply_sets_first_response_once(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    claim(db, cid, a, now=T0)
    first_at = T0 + timedelta(seconds=45)

    message = record_agent_reply(db, cid, a, text="Hi, I am looking at it", language="en", now=first_at)
    record_agent_reply(db, cid, a, text="Done", language="en", now=T0 + timedelta(minutes=5))

    assert (message.sender, message.meta) == (Sender.AGENT, {"agent_id": a})
    assert get_active_entry(db, cid).first_response_at == first_at  # type: ignore[union-attr]
    assert [m.text for m in list_messages(db, cid)] == ["Hi, I am looking at it", "Done"]


def test_record_agent_reply_when_not_holder_raises_403_and_stores_nothing(db: Database) -> None:
    cid = waiting(db)
    with pytest.raises(NotClaimedByAgent):
        record_agent_reply(db, cid, agent(db), text="hello", language="en", now=T0)
    assert list_messages(db, cid) == []
