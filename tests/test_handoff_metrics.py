"""Operations metrics against a small hand-built history."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from handoff.agents import add_agent
from handoff.conversations import append_message, create_conversation
from handoff.feedback import record_feedback
from handoff.metrics import Deflection, csat, deflection, handoffs_by, helpfulness, operations_report
from handoff.models import Priority, Sender
from handoff.tickets import claim, enqueue, record_agent_reply, resolve, return_to_bot

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
P = Priority


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def history(db: Database) -> Database:
    """Six conversations:

    - c1, c2: bot only, with a user message (deflected); c2's answer voted helpful.
    - c3: no user message at all (not counted).
    - c4: urgent, hacked, zh; claimed, first reply after 30 s; resolved, rated 5.
    - c5: urgent, hacked, en; claimed, first reply after 90 s (breach); resolved, rated 2.
    - c6: normal, user_asked, zh; never answered, 1000 s waited by ``now`` (breach).
    - c7: high, low_score, en; withdrawn by the user after 100 s without reply (undecided).
    """
    agent = add_agent(db, name="a", languages=["zh", "en"], capacity=10, now=T0)[0].id

    def conversation(language: str, *, user: bool = True) -> str:
        cid = create_conversation(db, locale=None, language=language, now=T0).id
        if user:
            append_message(db, cid, sender=Sender.USER, text="q", language=language, now=T0)
        return cid

    conversation("en")
    c2 = conversation("en")
    answer = append_message(db, c2, sender=Sender.BOT, text="a", language="en", now=T0)
    record_feedback(db, c2, message_id=answer.id, helpful=True, now=T0)
    conversation("en", user=False)
    for language, reply_after, rating in (("zh", 30, 5), ("en", 90, 2)):
        cid = conversation(language)
        enqueue(db, cid, priority=P.URGENT, reason="hacked", language=language, now=T0)
        claim(db, cid, agent, now=at(10))
        record_agent_reply(db, cid, agent, text="hi", language=language, now=at(reply_after))
        resolve(db, cid, agent, now=at(200))
        record_feedback(db, cid, rating=rating, now=at(300))
    c6 = conversation("zh")
    enqueue(db, c6, priority=P.NORMAL, reason="user_asked", language="zh", now=T0)
    c7 = conversation("en")
    enqueue(db, c7, priority=P.HIGH, reason="low_score", language="en", now=T0)
    return_to_bot(db, c7, actor="user", reason="user_cancelled", now=at(100))
    return db


def test_deflection_counts_conversations_that_never_left_the_bot(history: Database) -> None:
    result = deflection(history)
    assert result == Deflection(conversations=6, deflected=2)
    assert result.rate == pytest.approx(2 / 6)


def test_deflection_when_empty_has_no_rate(db: Database) -> None:
    assert deflection(db).rate is None


def test_handoffs_by_reason_and_language(history: Database) -> None:
    assert handoffs_by(history, "reason") == {"hacked": 2, "low_score": 1, "user_asked": 1}
    assert handoffs_by(history, "language") == {"en": 2, "zh": 2}
    with pytest.raises(ValueError):
        handoffs_by(history, "priority; DROP TABLE agents")


def test_handoffs_by_respects_period(history: Database) -> None:
    assert handoffs_by(history, "reason", since=at(1)) == {}
    assert handoffs_by(history, "reason", until=at(1)) == {"hacked": 2, "low_score": 1, "user_asked": 1}


def test_csat_and_helpfulness(history: Database) -> None:
    assert (csat(history).count, csat(history).average) == (2, 3.5)
    votes = helpfulness(history)
    assert (votes.helpful, votes.not_helpful, votes.rate) == (1, 0, 1.0)


def test_operations_report_first_response_per_priority(history: Database) -> None:
    report = operations_report(history, now=at(1000))

    urgent = report.first_response[P.URGENT]
    assert (urgent.answered, urgent.p50_s, urgent.p90_s, urgent.breached, urgent.decided) == (2, 30, 90, 1, 2)
    assert urgent.breach_rate == 0.5
    normal = report.first_response[P.NORMAL]
    assert (normal.answered, normal.breached, normal.decided, normal.breach_rate) == (0, 1, 1, 1.0)
    high = report.first_response[P.HIGH]
    assert (high.answered, high.decided, high.breach_rate) == (0, 0, None)
    assert report.deflection.deflected == 2
    assert report.csat.count == 2
    assert report.handoffs_by_language == {"en": 2, "zh": 2}
