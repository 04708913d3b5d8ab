"""Read models for the API: handoff's dataclasses turned into the response schemas.

A conversation's public state adds what the widget shows beside the status (queue position, estimated
wait, the agent's name); queue items add a preview of the user's last message for the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from config.languages import DEFAULT_LANGUAGE
from handoff import (
    Agent,
    Conversation,
    Message,
    QueueViewItem,
    Transcript,
    conversation_view,
    queue_view,
)
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
    from handoff import Database

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


def conversation_out(db: Database, conv: Conversation, *, now: datetime) -> ConversationOut:
    """The conversation's public state, with its place in the queue while it waits."""
    view = conversation_view(db, conv, now=now)
    return ConversationOut(
        id=conv.id,
        status=conv.status.value,
        language=conv.language,
        priority=conv.priority.value if conv.priority else None,
        queue_position=view.queue_position,
        estimated_wait_s=view.estimated_wait_s,
        agent_name=view.agent_name,
        agents_online=view.agents_online,
        wait_state=view.wait_state,
        contact=conv.contact,
    )


def preview(text: str | None) -> str | None:
    """The user's last words on one line, cut to ``PREVIEW_CHARS``."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def queue_item_out(view: QueueViewItem) -> QueueItemOut:
    item = view.item
    e = item.entry
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
        claimed_by_name=view.claimed_by_name,
        preview=preview(view.last_user_text),
        problem=preview(view.problem_text),
        security_case=case if isinstance(case := e.context.get("security_case"), str) else None,
        article_title=_top_article_title(e.context),
    )


def _top_article_title(context: Mapping[str, Any]) -> str | None:
    articles = context.get("articles")
    if isinstance(articles, list) and articles and isinstance(articles[0], dict):
        title = articles[0].get("title")
        return str(title) if title else None
    return None


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
    view = queue_view(db, agent, now=now, any_language_after_s=any_language_after_s)
    return QueueOut(
        waiting=[queue_item_out(v) for v in view.waiting],
        mine=[queue_item_out(v) for v in view.mine],
        agents_online=view.agents_online,
    )
