"""Read models for the API: handoff's dataclasses turned into the response schemas.

A conversation's public state adds what the widget shows beside the status (queue position, estimated
wait, the agent's name); queue items add a preview of the user's last message for the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from config.languages import DEFAULT_LANGUAGE
from handoff.agents import agents_online, get_agent
from handoff.backlog import list_queue, queue_position, wait_estimate
from handoff.entries import get_active_entry
from handoff.errors import AgentNotFound
from handoff.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Message,
    QueueItem,
    QueueStatus,
    Transcript,
)
from web.chat import agent_may_see
from web.richtext import render_markdown
from web.schemas import (
    AuditOut,
    ConversationOut,
    FeedbackEntryOut,
    HandoffEntryOut,
    MessageOut,
    QueueItemOut,
    QueueOut,
    SourceOut,
    TranscriptOut,
    UserInfoOut,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

PREVIEW_CHARS = 140


def article_path(lang: str, slug: str) -> str | None:
    """The help-center page of an article (``/help/{lang}/{slug}``); ``None`` without a slug."""
    return f"/help/{lang}/{slug}" if slug else None


def message_out(m: Message) -> MessageOut:
    """A stored message as the widget and the console show it (display fields come from its meta)."""
    meta = m.meta
    sources = [
        SourceOut(
            slug=str(s.get("slug", "")),
            title=str(s.get("title", "")),
            lang=s.get("lang"),
            url=article_path(str(s.get("lang") or m.language or DEFAULT_LANGUAGE), str(s.get("slug", ""))),
        )
        for s in meta.get("sources") or []
        if isinstance(s, dict)
    ]
    return MessageOut(
        id=m.id,
        seq=m.seq,
        sender=m.sender.value,
        text=m.text,
        language=m.language,
        created_at=m.created_at,
        action=meta.get("action"),
        confidence=meta.get("confidence"),
        sources=sources,
        quick_replies=[str(q) for q in meta.get("quick_replies") or []],
        kind=meta.get("kind"),
        author=meta.get("agent_name"),
        html=None if m.sender.value == "user" else render_markdown(m.text),
    )


def agent_name(db: Database, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    try:
        return get_agent(db, agent_id).name
    except AgentNotFound:
        return None


def conversation_out(db: Database, conv: Conversation, *, now: datetime) -> ConversationOut:
    """The conversation's public state, with its place in the queue while it waits."""
    position = wait_s = online = name = state = None
    if conv.status == ConversationStatus.WAITING:
        position = queue_position(db, conv.id)
        estimate = wait_estimate(db, conv.id, now=now)
        wait_s = estimate.seconds if estimate else None
        state = estimate.state.value if estimate else None
        online = agents_online(db, now=now)
    elif conv.status == ConversationStatus.WITH_AGENT:
        entry = get_active_entry(db, conv.id)
        name = agent_name(db, entry.claimed_by if entry else None)
    return ConversationOut(
        id=conv.id,
        status=conv.status.value,
        language=conv.language,
        priority=conv.priority.value if conv.priority else None,
        queue_position=position,
        estimated_wait_s=wait_s,
        agent_name=name,
        agents_online=online,
        wait_state=state,
        contact=conv.contact,
    )


def last_user_text(db: Database, conversation_id: str) -> str | None:
    row = db.execute(
        "SELECT text FROM messages WHERE conversation_id = ? AND sender = 'user' ORDER BY seq DESC LIMIT 1",
        [conversation_id],
    ).fetchone()
    if row is None:
        return None
    text = " ".join(str(row[0]).split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def queue_item_out(db: Database, item: QueueItem, names: dict[int, str | None]) -> QueueItemOut:
    e = item.entry
    if e.claimed_by is not None and e.claimed_by not in names:
        names[e.claimed_by] = agent_name(db, e.claimed_by)
    return QueueItemOut(
        conversation_id=e.conversation_id,
        status=e.status.value,
        priority=e.priority.value,
        language=e.language,
        reason=e.reason,
        waited_s=round(item.waited_s, 1),
        sla_target_s=item.sla_target_s,
        sla_breached=item.breached,
        position=item.position,
        claimed_by=e.claimed_by,
        claimed_by_name=names.get(e.claimed_by) if e.claimed_by is not None else None,
        preview=last_user_text(db, e.conversation_id),
    )


def transcript_out(db: Database, t: Transcript, *, now: datetime) -> TranscriptOut:
    """The whole conversation for an agent: messages (already redacted), every handoff with the bot's
    context, the audit trail and the feedback."""
    c = t.conversation
    latest: dict[str, Any] | None = dict(t.handoffs[-1].context) if t.handoffs else None
    return TranscriptOut(
        conversation=conversation_out(db, c, now=now),
        user=UserInfoOut(id=c.user_id, name=c.user_name, email=c.user_email, contact=c.contact, locale=c.locale),
        context=latest,
        handoffs=[
            HandoffEntryOut(
                id=h.id, status=h.status.value, priority=h.priority.value, reason=h.reason, language=h.language,
                context=dict(h.context), enqueued_at=h.enqueued_at, claimed_by=h.claimed_by,
                claimed_at=h.claimed_at, first_response_at=h.first_response_at, closed_at=h.closed_at,
            )
            for h in t.handoffs
        ],
        messages=[message_out(m) for m in t.messages],
        audit=[
            AuditOut(actor=a.actor, from_status=a.from_status, to_status=a.to_status, reason=a.reason, at=a.at)
            for a in t.audit
        ],
        feedback=[
            FeedbackEntryOut(
                message_id=f.message_id, helpful=f.helpful, rating=f.rating, comment=f.comment,
                created_at=f.created_at,
            )
            for f in t.feedback
        ],
    )


def queue_snapshot(db: Database, agent: Agent, *, now: datetime, any_language_after_s: float) -> QueueOut:
    """The queue as this agent may see it: waiting conversations they could take, in serving order
    (priority, then longest waiting), and the ones they hold."""
    names: dict[int, str | None] = {agent.id: agent.name}
    waiting: list[QueueItemOut] = []
    mine: list[QueueItemOut] = []
    for item in list_queue(db, now=now):
        if not agent_may_see(agent, item.entry, now=now, any_language_after_s=any_language_after_s):
            continue
        target = mine if item.entry.status == QueueStatus.CLAIMED else waiting
        target.append(queue_item_out(db, item, names))
    return QueueOut(waiting=waiting, mine=mine, agents_online=agents_online(db, now=now))
