"""The user's side of a conversation as whole operations: each one transaction the web layer calls.

Every write here opens with ``states.lock_conversation`` (a write first, so SQLite's write lock is
taken before anything is read) and reads the conversation's status and the bot's state inside that
lock. Texts are the caller's: it passes the messages to store (``Note``) or a function composing them
from the conversation as the transaction sees it; handoff writes no words of its own.

The bot's turn is computed outside any transaction (model work must not hold the write lock), from a
``TurnBasis`` read before. ``append_turn`` stores it only if the conversation is still as the turn
saw it; otherwise nothing is written and the caller recomputes from a fresh basis (or, when a person
now owns the conversation, stores the message for them with ``append_for_agent``).
"""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff import conversations as convs
from handoff import tickets
from handoff.backlog import wait_info
from handoff.db import Database
from handoff.errors import ConversationNotFound
from handoff.idempotency import KeyClaim, claim_key
from handoff.models import (
    Conversation,
    ConversationStatus,
    Message,
    Priority,
    Sender,
    WaitInfo,
)
from handoff.states import lock_conversation, transition

BotState = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Note:
    """One message to store: who says it, the text (already redacted), its language and meta."""

    sender: Sender
    text: str
    language: str | None
    meta: Mapping[str, Any] | None = None


Compose = Callable[[Conversation], Sequence[Note]]


@dataclass(frozen=True, slots=True)
class HandoffPlan:
    """Hand the conversation to people in the same transaction as the turn.

    :param notice: composes the user's queue notice from the wait as the transaction sees it;
        ``None`` stores no notice (a priority raise while a person already owns the conversation).
    """

    priority: Priority
    reason: str
    language: str
    context: Mapping[str, Any]
    notice: Callable[[WaitInfo], Note] | None = None


@dataclass(frozen=True, slots=True)
class TurnBasis:
    """The conversation as a bot turn read it: the turn is stored only while this still holds."""

    conversation: Conversation
    bot_state: BotState


@dataclass(frozen=True, slots=True)
class BotTurn:
    """What one bot turn stores: the user's message, the replies, the state change, maybe a handoff.

    :param language: the conversation's language after the turn.
    :param update_state: the new bot state from the one stored now; it runs inside the transaction,
        so a counter such as ``unconfident_streak`` is read, changed and written under one lock.
    """

    user: Note
    replies: Sequence[Note]
    language: str
    update_state: Callable[[BotState], BotState]
    handoff: HandoffPlan | None = None


@dataclass(frozen=True, slots=True)
class AgentBound:
    """A user message while a person owns the conversation: stored for them, with any warnings.

    :param escalation: raise the handoff's priority in the same transaction (a secret was shared).
    """

    user: Note
    notes: Sequence[Note] = ()
    escalation: HandoffPlan | None = None


@dataclass(frozen=True, slots=True)
class Written:
    """What an operation stored, or why it stored nothing.

    ``stored`` is False when the conversation changed since the caller's basis (``append_turn``: a
    person took it over, another turn landed, it was handed back) and nothing was written; then
    ``conversation`` is the current state and ``user_message`` is ``None``.
    """

    stored: bool
    conversation: Conversation
    user_message: Message | None = None
    messages: tuple[Message, ...] = ()
    queue_position: int | None = None


class _Changed(Exception):
    """Raised inside a transaction to roll it back (the lock's touch included) when the basis is stale."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation


def lock_state(db: Database, conversation_id: str, now: datetime) -> tuple[Conversation, dict[str, Any]]:
    """Take the write lock (``states.lock_conversation``), then return the conversation and bot state."""
    row = lock_conversation(db, conversation_id, now=now)
    return Conversation.from_row(row), dict(json.loads(row["bot_state"]))


def store_note(db: Database, conversation_id: str, note: Note, now: datetime) -> Message:
    """Store one note as the conversation's next message."""
    return convs.append_message(
        db, conversation_id, sender=note.sender, text=note.text, language=note.language, meta=note.meta, now=now
    )


def _hand_off(
    db: Database, conversation_id: str, plan: HandoffPlan, now: datetime
) -> tuple[Message | None, int | None]:
    tickets.enqueue(
        db, conversation_id, priority=plan.priority, reason=plan.reason, language=plan.language,
        context=plan.context, now=now,
    )
    if plan.notice is None:
        return None, None
    info = wait_info(db, conversation_id, now=now)
    return store_note(db, conversation_id, plan.notice(info), now), info.position


# ---------------------------------------------------------------------------------------- conversations


def _claim(
    db: Database, conversation_id: str, claim: KeyClaim | None, user: Message, replies: list[Message], now: datetime
) -> None:
    if claim is not None:
        ids = [user.id, *(m.id for m in replies)]
        claim_key(
            db, conversation_id, claim.key, request_hash=claim.request_hash, message_ids=ids,
            status_code=claim.status_code, now=now,
        )


def start_conversation(
    db: Database,
    *,
    locale: str | None,
    language: str,
    greeting: Sequence[Note],
    user_id: str | None = None,
    user_name: str | None = None,
    user_email: str | None = None,
    token_hash: str | None = None,
    now: datetime,
) -> tuple[Conversation, list[Message]]:
    """Create a conversation in the ``bot`` state with its greeting, atomically.

    :raises InvalidInput, ConversationExists: from ``conversations.create_conversation``.
    """
    with db.atomic():
        conv = convs.create_conversation(
            db, locale=locale, language=language, user_id=user_id, user_name=user_name,
            user_email=user_email, token_hash=token_hash, now=now,
        )
        messages = [store_note(db, conv.id, note, now) for note in greeting]
    return conv, messages


def read_turn_basis(db: Database, conversation_id: str) -> TurnBasis:
    """Read what a bot turn depends on, in one statement: the conversation and the bot's state.

    :raises ConversationNotFound: if there is no such conversation.
    """
    rows = list(db.query("SELECT * FROM conversations WHERE id = ?", [conversation_id]))
    if not rows:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return TurnBasis(Conversation.from_row(rows[0]), dict(json.loads(rows[0]["bot_state"])))


def _same_basis(basis: TurnBasis, conv: Conversation, state: BotState) -> bool:
    before = basis.conversation
    return before.status == conv.status and before.language == conv.language and dict(basis.bot_state) == state


def append_turn(
    db: Database,
    conversation_id: str,
    turn: BotTurn,
    *,
    basis: TurnBasis | None,
    now: datetime,
    claim: KeyClaim | None = None,
) -> Written:
    """Store a user message with the bot's replies, the new bot state and any handoff, atomically.

    Inside the transaction the conversation is re-read under the write lock. If a person owns it now
    (``waiting`` or ``with_agent``), or it differs from ``basis`` (another turn or a handoff landed
    since the turn was computed), nothing is written and ``stored`` is False: the caller recomputes.
    With ``basis=None`` only the first check applies (a last attempt under heavy contention: the state
    change still runs on the stored state, inside the lock). A resolved conversation is reopened to
    the bot first (audited). ``claim`` (an idempotency key) is claimed in the same transaction.

    :raises ConversationNotFound: if there is no such conversation.
    :raises KeyAlreadyUsed: a concurrent request claimed ``claim.key`` first; nothing was written.
    """
    try:
        with db.atomic():
            conv, state = lock_state(db, conversation_id, now)
            if conv.is_handed_off or (basis is not None and not _same_basis(basis, conv, state)):
                raise _Changed(conv)
            if conv.status == ConversationStatus.RESOLVED:
                transition(
                    db, conversation_id, ConversationStatus.BOT, actor="user", reason="user_wrote_after_resolve",
                    now=now,
                )
            user_msg = store_note(db, conversation_id, turn.user, now)
            if conv.language != turn.language:
                convs.set_language(db, conversation_id, turn.language, now=now)
            convs.set_bot_state(db, conversation_id, turn.update_state(state), now=now)
            stored = [store_note(db, conversation_id, reply, now) for reply in turn.replies]
            position = None
            if turn.handoff is not None:
                notice, position = _hand_off(db, conversation_id, turn.handoff, now)
                if notice is not None:
                    stored.append(notice)
            _claim(db, conversation_id, claim, user_msg, stored, now)
            conv = convs.get_conversation(db, conversation_id)
    except _Changed as changed:
        return Written(False, changed.conversation)
    return Written(True, conv, user_msg, tuple(stored), position)


def append_for_agent(
    db: Database, conversation_id: str, message: AgentBound, *, now: datetime, claim: KeyClaim | None = None
) -> Written:
    """Store a user message for the person who owns the conversation, with its warnings, atomically.

    ``stored`` is False (nothing written) if no person owns it any more: the bot answers instead.

    :raises ConversationNotFound: if there is no such conversation.
    """
    try:
        with db.atomic():
            conv, _ = lock_state(db, conversation_id, now)
            if not conv.is_handed_off:
                raise _Changed(conv)
            user_msg = store_note(db, conversation_id, message.user, now)
            stored = [store_note(db, conversation_id, note, now) for note in message.notes]
            if message.escalation is not None:
                _hand_off(db, conversation_id, message.escalation, now)
            _claim(db, conversation_id, claim, user_msg, stored, now)
            conv = convs.get_conversation(db, conversation_id)
    except _Changed as changed:
        return Written(False, changed.conversation)
    return Written(True, conv, user_msg, tuple(stored))


@dataclass(frozen=True, slots=True)
class PersonRequest:
    """What asking for a person stores: the acknowledgement, then the handoff with its notice."""

    ack: Note
    handoff: HandoffPlan


def request_person(
    db: Database, conversation_id: str, compose: Callable[[Conversation, BotState], PersonRequest], *, now: datetime
) -> Written | None:
    """Hand the conversation to people at the user's request, reopening a resolved one first.

    ``compose`` runs inside the transaction on the locked conversation and the bot's state (the
    agent's context is what the bot last considered). The stored messages are the ack and the notice.

    :returns: ``None`` (nothing written) when a person is already on the way or in the chat.
    :raises ConversationNotFound: if there is no such conversation.
    """
    with db.atomic():
        conv, state = lock_state(db, conversation_id, now)
        if conv.is_handed_off:
            return None
        if conv.status == ConversationStatus.RESOLVED:
            conv = transition(
                db, conversation_id, ConversationStatus.BOT, actor="user", reason="user_request", now=now
            )
        plan = compose(conv, state)
        ack = store_note(db, conversation_id, plan.ack, now)
        notice, position = _hand_off(db, conversation_id, plan.handoff, now)
        conv = convs.get_conversation(db, conversation_id)
    return Written(True, conv, ack, (ack,) if notice is None else (ack, notice), position)


def withdraw_request(
    db: Database,
    conversation_id: str,
    compose: Compose,
    *,
    now: datetime,
    user: Note | None = None,
    claim: KeyClaim | None = None,
) -> Written | None:
    """The user no longer needs a person ("never mind, I found it") while still waiting: the queue
    entry closes as ``returned``, the conversation goes back to the bot (audited, actor ``user``) with
    a fresh unconfident streak, and ``compose``'s notes are stored, atomically.

    :param user: the user's message that asked for it (typed, not the button), stored first;
        ``claim`` (its idempotency key) is claimed in the same transaction.
    :returns: ``None`` (nothing written) unless the conversation is waiting; an agent who has joined
        is not walked out on.
    :raises ConversationNotFound: if there is no such conversation.
    """
    with db.atomic():
        conv, state = lock_state(db, conversation_id, now)
        if conv.status != ConversationStatus.WAITING:
            return None
        user_msg = store_note(db, conversation_id, user, now) if user is not None else None
        tickets.return_to_bot(db, conversation_id, actor="user", reason="user_withdrew", now=now)
        convs.set_bot_state(db, conversation_id, {**state, "unconfident_streak": 0}, now=now)
        conv = convs.get_conversation(db, conversation_id)
        stored = [store_note(db, conversation_id, note, now) for note in compose(conv)]
        if user_msg is not None:
            _claim(db, conversation_id, claim, user_msg, stored, now)
    return Written(True, conv, user_msg, tuple(stored))


def leave_contact(db: Database, conversation_id: str, contact: str, compose: Compose, *, now: datetime) -> Written:
    """Store the address a user left for a reply and the confirmation ``compose`` writes, atomically.

    :raises InvalidInput, ConversationNotFound: from ``conversations.set_contact``.
    """
    with db.atomic():
        lock_conversation(db, conversation_id, now=now)
        conv = convs.set_contact(db, conversation_id, contact, now=now)
        stored = [store_note(db, conversation_id, note, now) for note in compose(conv)]
    return Written(True, conv, None, tuple(stored))


def reopen(db: Database, conversation_id: str, *, actor: str, reason: str, now: datetime) -> Conversation:
    """Give a resolved conversation back to the bot (``resolved -> bot``, audited); others are unchanged.

    :raises ConversationNotFound: if there is no such conversation.
    """
    with db.atomic():
        conv, _ = lock_state(db, conversation_id, now)
        if conv.status != ConversationStatus.RESOLVED:
            return conv
        return transition(db, conversation_id, ConversationStatus.BOT, actor=actor, reason=reason, now=now)
