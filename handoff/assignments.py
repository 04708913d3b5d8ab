"""The agents' side of a handoff as whole operations: claim, claim-next, release, resolve, reply.

Each is one transaction that also stores what the user is told (the caller composes the words from
the conversation as the transaction sees it), so a claim never lands without its "agent joined".
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from handoff import conversations as convs
from handoff import tickets
from handoff.backlog import agent_may_see
from handoff.db import Database
from handoff.entries import get_active_entry
from handoff.errors import LanguageNotAllowed
from handoff.models import Agent, Message, QueueEntry, QueueStatus
from handoff.operations import BotState, Compose, lock_state, store_note
from handoff.states import lock_conversation


def claim(
    db: Database, conversation_id: str, agent: Agent, joined: Compose, *, any_language_after_s: float, now: datetime
) -> QueueEntry:
    """Give a waiting conversation to the agent and store what ``joined`` tells the user, atomically.

    Claiming a conversation the agent already holds changes nothing and stores nothing.

    :raises LanguageNotAllowed: waiting in a language the agent lacks, before the routing timeout.
    :raises AlreadyClaimed, OverCapacity, NotInQueue, ConversationNotFound: from ``tickets.claim``.
    """
    with db.atomic():
        lock_conversation(db, conversation_id, now=now)
        before = get_active_entry(db, conversation_id)
        if (
            before is not None
            and before.status == QueueStatus.WAITING
            and not agent_may_see(agent, before, now=now, any_language_after_s=any_language_after_s)
        ):
            raise LanguageNotAllowed(
                f"conversation {conversation_id} waits for a {before.language} speaker; any agent may take "
                f"it after {any_language_after_s} s"
            )
        entry = tickets.claim(db, conversation_id, agent.id, now=now)
        if before is None or before.claimed_by != agent.id:
            for note in joined(convs.get_conversation(db, conversation_id)):
                store_note(db, conversation_id, note, now)
    return entry


def claim_next(
    db: Database, agent: Agent, joined: Compose, *, any_language_after_s: float, now: datetime
) -> QueueEntry | None:
    """Claim the best conversation the agent may take (``tickets.claim_next``), telling its user.

    :returns: the claimed entry, or ``None`` when nothing qualifies.
    :raises OverCapacity, AgentNotFound, AgentDisabled: as named.
    """
    with db.atomic():
        entry = tickets.claim_next(db, agent.id, now=now, any_language_after_s=any_language_after_s)
        if entry is not None:
            for note in joined(convs.get_conversation(db, entry.conversation_id)):
                store_note(db, entry.conversation_id, note, now)
    return entry


def release(db: Database, conversation_id: str, agent: Agent, notes: Compose, *, now: datetime) -> QueueEntry:
    """Put a held conversation back in the queue, keeping its place, with ``notes`` for the user.

    :raises NotClaimedByAgent, NotInQueue, ConversationNotFound: from ``tickets.release``.
    """
    with db.atomic():
        entry = tickets.release(db, conversation_id, agent.id, now=now)
        for note in notes(convs.get_conversation(db, conversation_id)):
            store_note(db, conversation_id, note, now)
    return entry


def resolve(
    db: Database,
    conversation_id: str,
    agent: Agent,
    notes: Compose,
    *,
    return_to_bot: bool = False,
    update_state: Callable[[BotState], BotState] | None = None,
    now: datetime,
) -> QueueEntry:
    """Close a held conversation (``resolved``) or hand it back to the bot, with ``notes`` for the user.

    :param update_state: on a hand-back, the bot's new state from the stored one, inside the lock
        (the bot starts afresh: earlier unconfident turns must not hand off again at once).
    :raises NotClaimedByAgent, NotInQueue, ConversationNotFound: from ``tickets.resolve``.
    """
    with db.atomic():
        entry = tickets.resolve(db, conversation_id, agent.id, return_to_bot=return_to_bot, now=now)
        if update_state is not None:
            convs.set_bot_state(db, conversation_id, update_state(convs.get_bot_state(db, conversation_id)), now=now)
        for note in notes(convs.get_conversation(db, conversation_id)):
            store_note(db, conversation_id, note, now)
    return entry


def agent_reply(
    db: Database, conversation_id: str, agent: Agent, text: str, *, meta: Mapping[str, Any], now: datetime
) -> Message:
    """Store an agent's message in the conversation's language; the first one stops the SLA clock.

    :raises NotClaimedByAgent, NotInQueue, ConversationNotFound: as named.
    """
    with db.atomic():
        conv, _ = lock_state(db, conversation_id, now)
        return tickets.record_agent_reply(
            db, conversation_id, agent.id, text=text, language=conv.language, meta=meta, now=now
        )
