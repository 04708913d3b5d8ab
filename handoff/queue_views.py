"""Read models of the queue for the web layer: a conversation's public state and one agent's queue.

Reads only; the console and the widget render these, and nothing outside ``handoff`` queries the
tables to build them.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from handoff.agents import agents_online, get_agent
from handoff.backlog import agent_may_see, list_queue, queue_position, wait_estimate
from handoff.db import Database
from handoff.entries import get_active_entry
from handoff.errors import AgentNotFound
from handoff.models import Agent, Conversation, ConversationStatus, QueueItem, QueueStatus


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation's public state besides its row: place and wait while waiting, the agent's name."""

    conversation: Conversation
    queue_position: int | None
    estimated_wait_s: int | None
    agents_online: int | None
    agent_name: str | None
    wait_state: str | None = None


@dataclass(frozen=True, slots=True)
class QueueViewItem:
    """One queue entry as the console lists it, with its holder's name and the user's last words."""

    item: QueueItem
    claimed_by_name: str | None
    last_user_text: str | None
    problem_text: str | None = None


@dataclass(frozen=True, slots=True)
class QueueView:
    """The queue as one agent may see it: what they could take, in serving order, and what they hold."""

    waiting: tuple[QueueViewItem, ...]
    mine: tuple[QueueViewItem, ...]
    agents_online: int


def _agent_name(db: Database, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    try:
        return get_agent(db, agent_id).name
    except AgentNotFound:
        return None


def conversation_view(db: Database, conversation: Conversation, *, now: datetime) -> ConversationView:
    """The conversation's public state: queue position, estimated wait and agents online while it
    waits, the agent's name while one holds it."""
    position = wait_s = online = state = None
    name = None
    if conversation.status == ConversationStatus.WAITING:
        position = queue_position(db, conversation.id)
        estimate = wait_estimate(db, conversation.id, now=now)
        wait_s = estimate.seconds if estimate else None
        state = estimate.state.value if estimate else None
        online = agents_online(db, now=now)
    elif conversation.status == ConversationStatus.WITH_AGENT:
        entry = get_active_entry(db, conversation.id)
        name = _agent_name(db, entry.claimed_by if entry else None)
    return ConversationView(conversation, position, wait_s, online, name, state)


def last_user_text(db: Database, conversation_id: str) -> str | None:
    """The latest user message's text (already redacted), or ``None``."""
    row = db.execute(
        "SELECT text FROM messages WHERE conversation_id = ? AND sender = 'user' ORDER BY seq DESC LIMIT 1",
        [conversation_id],
    ).fetchone()
    return None if row is None else str(row[0])


# A user message says what the problem is unless the bot read it as a dialogue act (hello, thanks,
# "ok", a vague "help") or it is a bare word or two.
MIN_PROBLEM_CHARS = 8


def _substantive(text: str, meta: dict[str, object]) -> bool:
    outcome = meta.get("outcome")
    if isinstance(outcome, dict) and outcome.get("act"):
        return False
    return len("".join(text.split())) >= MIN_PROBLEM_CHARS


def problem_text(db: Database, conversation_id: str) -> str | None:
    """The first substantive user message (already redacted): what the user came with, which the
    console shows on a queue card instead of the latest words ("no sé"). ``None`` when there is none."""
    rows = db.execute(
        "SELECT text, meta FROM messages WHERE conversation_id = ? AND sender = 'user' ORDER BY seq",
        [conversation_id],
    ).fetchall()
    for text, meta in rows:
        parsed = json.loads(meta or "{}")
        if _substantive(str(text), parsed if isinstance(parsed, dict) else {}):
            return str(text)
    return None


def queue_view(db: Database, agent: Agent, *, now: datetime, any_language_after_s: float) -> QueueView:
    """The queue as this agent may see it (``agent_may_see``): waiting conversations they could take,
    in serving order, then the ones they hold; what other agents hold stays private."""
    names: dict[int, str | None] = {agent.id: agent.name}
    waiting: list[QueueViewItem] = []
    mine: list[QueueViewItem] = []
    for item in list_queue(db, now=now):
        e = item.entry
        if not agent_may_see(agent, e, now=now, any_language_after_s=any_language_after_s):
            continue
        if e.claimed_by is not None and e.claimed_by not in names:
            names[e.claimed_by] = _agent_name(db, e.claimed_by)
        view = QueueViewItem(
            item, names.get(e.claimed_by) if e.claimed_by is not None else None, last_user_text(db, e.conversation_id),
            problem_text(db, e.conversation_id),
        )
        (mine if e.status == QueueStatus.CLAIMED else waiting).append(view)
    return QueueView(tuple(waiting), tuple(mine), agents_online(db, now=now))
