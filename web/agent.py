"""Agent routes (``/api/v1/agent``): the queue, claims, replies, release and resolve, transcripts.

Every route authenticates the agent key (``Authorization: Bearer``) and records a heartbeat. Agents
see waiting conversations in their languages (any language once the routing timeout has passed) and
the conversations they hold; what another agent holds is theirs alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from bot.redaction import redact_text
from handoff import (
    Agent,
    TicketPurpose,
    agent_may_see,
    count_held,
    get_active_entry,
    get_conversation,
    get_transcript,
    issue_ticket,
)
from web.deps import AgentDep, ChatDep, DbDep, NowDep, SettingsDep, StreamAgentDep, TelemetryDep
from web.errors import MessageTooLong, NotYourConversation, QueueEmpty
from web.events import HEADERS, queue_loader, queue_stream
from web.schemas import (
    AgentMessageIn,
    AgentOut,
    ClaimOut,
    MessageOut,
    OkOut,
    QueueOut,
    ResolveIn,
    StreamTicketOut,
    TranscriptOut,
)
from web.views import conversation_out, message_out, queue_snapshot, transcript_out

if TYPE_CHECKING:
    from handoff import Database

router = APIRouter(prefix="/api/v1/agent", tags=["agent"])
CONVERSATION = "/conversations/{conversation_id}"


@router.get("/me")
def me(agent: AgentDep, db: DbDep) -> AgentOut:
    """Who the key belongs to, and how many conversations they hold of their capacity."""
    return AgentOut(
        id=agent.id, name=agent.name, languages=list(agent.languages), capacity=agent.capacity,
        holding=count_held(db, agent.id),
    )


@router.post("/stream-ticket")
def stream_ticket(agent: AgentDep, db: DbDep, settings: SettingsDep, now: NowDep) -> StreamTicketOut:
    """Trade the key (``Authorization`` header) for a single-use ticket that opens ``/events`` as
    ``?ticket=`` (for EventSource), so the key itself never appears in a URL or an access log."""
    ttl = settings.stream_ticket_ttl_s
    ticket = issue_ticket(db, TicketPurpose.AGENT, str(agent.id), ttl_s=ttl, now=now)
    return StreamTicketOut(ticket=ticket, expires_in_s=ttl)


@router.get("/queue")
def queue(agent: AgentDep, db: DbDep, now: NowDep, settings: SettingsDep) -> QueueOut:
    """Waiting conversations this agent may take (urgent first, then longest waiting) and their own."""
    return queue_snapshot(db, agent, now=now, any_language_after_s=settings.any_language_after_s)


@router.post("/claim-next")
def claim_next(agent: AgentDep, db: DbDep, chat: ChatDep, now: NowDep) -> ClaimOut:
    """Take the best waiting conversation in the agent's languages (or any, once waited long enough)."""
    entry = chat.claim_next(db, agent)
    if entry is None:
        raise QueueEmpty("no conversation is waiting for you")
    return _claimed(db, entry.conversation_id, now)


@router.post(f"{CONVERSATION}/claim")
def claim(conversation_id: str, agent: AgentDep, db: DbDep, chat: ChatDep, now: NowDep) -> ClaimOut:
    """Take one waiting conversation; 409 ``already_claimed`` if another agent was first."""
    chat.claim(db, conversation_id, agent)
    return _claimed(db, conversation_id, now)


@router.post(f"{CONVERSATION}/release")
def release(conversation_id: str, agent: AgentDep, db: DbDep, chat: ChatDep, now: NowDep) -> OkOut:
    """Put a held conversation back in the queue, keeping its place; the user is told."""
    chat.release(db, conversation_id, agent)
    return OkOut(ok=True, conversation=conversation_out(db, get_conversation(db, conversation_id), now=now))


@router.post(f"{CONVERSATION}/resolve")
def resolve(
    conversation_id: str, agent: AgentDep, db: DbDep, chat: ChatDep, now: NowDep, body: ResolveIn | None = None
) -> OkOut:
    """Close a held conversation (the user is asked to rate it), or hand it back to the bot."""
    chat.resolve(db, conversation_id, agent, return_to_bot=bool(body and body.return_to_bot))
    return OkOut(ok=True, conversation=conversation_out(db, get_conversation(db, conversation_id), now=now))


@router.post(f"{CONVERSATION}/messages", status_code=201)
def reply(
    conversation_id: str,
    body: AgentMessageIn,
    agent: AgentDep,
    db: DbDep,
    chat: ChatDep,
    settings: SettingsDep,
    telemetry: TelemetryDep,
) -> MessageOut:
    """Write to the user of a held conversation; the first reply stops the SLA clock."""
    if len(body.text) > settings.max_message_chars:
        raise MessageTooLong(f"a message may have at most {settings.max_message_chars} characters")
    # Agents are trusted, but a secret they paste (a user's key quoted back) is not kept either.
    message = chat.agent_reply(db, conversation_id, agent, redact_text(body.text))
    telemetry.count("supportbot_messages_total", sender="agent")
    return message_out(message)


@router.get(CONVERSATION)
def transcript(conversation_id: str, agent: AgentDep, db: DbDep, now: NowDep, settings: SettingsDep) -> TranscriptOut:
    """The whole conversation with the bot's context: articles considered, confidence, why it handed off."""
    t = get_transcript(db, conversation_id)
    _require_visible(db, agent, conversation_id, [h.claimed_by for h in t.handoffs], now, settings.any_language_after_s)
    return transcript_out(db, t, now=now)


@router.get("/events", response_class=StreamingResponse)
def events(
    agent: StreamAgentDep,
    request: Request,
    settings: SettingsDep,
    once: Annotated[bool, Query(description="Send the current queue, then end the stream.")] = False,
) -> StreamingResponse:
    """Server-Sent Events: ``queue`` with this agent's queue view whenever it changes."""
    load = queue_loader(settings.database, agent.id, request.state.clock, settings.any_language_after_s)
    stream = queue_stream(request, load, request.state.streams, once=once, wakeups=request.state.wakeups)
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)


def _claimed(db: Database, conversation_id: str, now: datetime) -> ClaimOut:
    t = get_transcript(db, conversation_id)
    out = transcript_out(db, t, now=now)
    return ClaimOut(conversation=out.conversation, transcript=out)


def _require_visible(
    db: Database, agent: Agent, conversation_id: str, past_holders: list[int | None], now: datetime, after_s: float
) -> None:
    entry = get_active_entry(db, conversation_id)
    if entry is not None and agent_may_see(agent, entry, now=now, any_language_after_s=after_s):
        return
    if entry is None and agent.id in past_holders:
        return  # a conversation this agent worked on before, now closed
    raise NotYourConversation(f"agent {agent.id} may not read conversation {conversation_id}")
