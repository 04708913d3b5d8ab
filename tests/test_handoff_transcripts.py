"""Transcripts: the whole conversation with the bot's context, as JSON and as plain text."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from handoff.agents import add_agent
from handoff.conversations import append_message, create_conversation, set_contact
from handoff.errors import ConversationNotFound
from handoff.feedback import record_feedback
from handoff.models import Priority, Sender
from handoff.tickets import claim, enqueue, record_agent_reply, resolve
from handoff.transcripts import get_transcript, transcript_to_json, transcript_to_text

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
CONTEXT = {
    "detected_language": "zh",
    "reason": "low_score",
    "articles": [
        {"slug": "withdrawal-delayed", "lang": "zh", "score": 0.41},
        {"slug": "network-fees", "lang": "en", "score": 0.38},
    ],
}


@pytest.fixture
def cid(db: Database) -> str:
    conversation = create_conversation(
        db, locale="zh-CN", language="zh", user_name="王伟", user_email="w@example.com", now=T0
    )
    cid = conversation.id
    append_message(db, cid, sender=Sender.USER, text="我的提现还没到账", language="zh", now=T0)
    bot = append_message(
        db,
        cid,
        sender=Sender.BOT,
        text="请问是哪条网络？",
        language="zh",
        meta={"action": "clarify", "confidence": 0.41, "quick_replies": ["TRC20", "ERC20"]},
        now=T0 + timedelta(seconds=1),
    )
    record_feedback(db, cid, message_id=bot.id, helpful=False, now=T0 + timedelta(seconds=2))
    set_contact(db, cid, "telegram @wangwei", now=T0)
    enqueue(db, cid, priority=Priority.HIGH, reason="low_score", language="zh", context=CONTEXT, now=T0)
    agent = add_agent(db, name="Li", languages=["zh"], now=T0)[0].id
    claim(db, cid, agent, now=T0 + timedelta(seconds=30))
    record_agent_reply(db, cid, agent, text="我来帮您查一下", language="zh", now=T0 + timedelta(seconds=40))
    resolve(db, cid, agent, now=T0 + timedelta(minutes=5))
    return cid


def test_get_transcript_collects_messages_context_audit_and_feedback(db: Database, cid: str) -> None:
    t = get_transcript(db, cid)
    assert t.conversation.id == cid
    assert [(m.seq, m.sender) for m in t.messages] == [(1, Sender.USER), (2, Sender.BOT), (3, Sender.AGENT)]
    assert t.messages[1].meta["confidence"] == 0.41
    assert [h.context for h in t.handoffs] == [CONTEXT]
    assert [(a.from_status, a.to_status) for a in t.audit] == [
        ("bot", "waiting"),
        ("waiting", "with_agent"),
        ("with_agent", "resolved"),
    ]
    assert [f.helpful for f in t.feedback] == [False]


def test_transcript_to_json_is_plain_json_with_iso_times(db: Database, cid: str) -> None:
    data = transcript_to_json(get_transcript(db, cid))
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["conversation"]["status"] == "resolved"
    assert data["conversation"]["created_at"] == "2025-01-01T12:00:00+00:00"
    assert data["messages"][1]["meta"]["quick_replies"] == ["TRC20", "ERC20"]
    assert data["handoffs"][0]["context"] == CONTEXT
    assert data["handoffs"][0]["priority"] == "high"
    assert data["audit"][0]["actor"] == "bot"


def test_transcript_to_text_shows_what_the_agent_needs(db: Database, cid: str) -> None:
    text = transcript_to_text(get_transcript(db, cid))
    for expected in (
        f"Conversation {cid}",
        "Status: resolved  Language: zh  Locale: zh-CN",
        "User: 王伟 <w@example.com>",
        "Contact left by user: telegram @wangwei",
        "Handoff 1: resolved, priority high, reason low_score, language zh",
        "claimed by agent 1 at 2025-01-01 12:00:30 UTC, first reply 2025-01-01 12:00:40 UTC",
        "detected_language: zh",
        "- slug=withdrawal-delayed, lang=zh, score=0.41",
        "#1 2025-01-01 12:00:00 UTC user (zh): 我的提现还没到账",
        "#2 2025-01-01 12:00:01 UTC bot (zh): 请问是哪条网络？  [action=clarify, confidence=0.41]",
        "#3 2025-01-01 12:00:40 UTC agent (zh): 我来帮您查一下  [agent_id=1]",
        "helpful=no",
        "agent:1: with_agent -> resolved (resolved)",
    ):
        assert expected in text, expected


def test_transcript_to_text_for_new_conversation_says_none(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    text = transcript_to_text(get_transcript(db, cid))
    assert "User: anonymous" in text
    assert text.count("(none)") == 2


def test_get_transcript_when_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        get_transcript(db, "missing")
