"""Conversations: one user message through the bot and, when needed, into the agent queue.

Everything a user was told was received is committed before this returns. Secrets are redacted
before anything is stored; while a person owns the conversation the bot stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from bot.policy import Action, Reason
from bot.redaction import redact
from bot.turn import Bot, Reply, TurnContext, TurnResult
from handoff import conversations as convs
from handoff import tickets
from handoff.backlog import wait_info
from handoff.entries import get_active_entry
from handoff.eta import WaitState
from handoff.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Message,
    Priority,
    QueueEntry,
    QueueStatus,
    Sender,
)
from handoff.states import lock_conversation, transition
from handoff.timestamps import seconds_between
from web.errors import InvalidContact, LanguageNotAllowed

# Agents see these codes (rendered with the catalog's reason.* keys in the console).
HANDOFF_REASONS = {
    Reason.secret_shared: "secret_shared",
    Reason.security: "security",
    Reason.user_request: "user_request",
    Reason.too_many_unconfident: "low_confidence",
}
ASSUMED_WAIT_MINUTES_FLOOR = 1
# Deliberately loose (one @, a dot in the domain, no spaces): the address is for a person to write to,
# and a stricter pattern would refuse real addresses more often than it would catch typos.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ChatOutcome:
    """What a message produced: the stored user message, the bot's stored replies, the state."""

    user_message: Message
    replies: tuple[Message, ...]
    conversation: Conversation
    queue_position: int | None = None
    turn: TurnResult | None = None


def agent_may_see(agent: Agent, entry: QueueEntry, *, now: datetime, any_language_after_s: float) -> bool:
    """An agent sees what they hold, and waiting conversations in their languages or waiting longer
    than the routing timeout (the rule ``claim_next`` applies); what other agents hold stays private."""
    if entry.status == QueueStatus.CLAIMED:
        return entry.claimed_by == agent.id
    waited_s = seconds_between(entry.enqueued_at, now)
    return entry.language in agent.languages or waited_s >= any_language_after_s


def outcome_meta(turn: TurnResult) -> dict[str, Any]:
    """What the bot did with a user message, stored on it: the admin report groups unanswered questions."""
    top = turn.hits[0] if turn.hits else None
    return {
        "action": turn.decision.action.value,
        "reason": turn.decision.reason.value,
        "confidence": None if turn.confidence is None else round(turn.confidence, 4),
        "top_slug": top.slug if top else None,
        "top_title": top.title if top else None,
    }


def turn_context(turn: TurnResult) -> dict[str, Any]:
    """The bot's view of one message for an agent: language, confidence, articles considered, secrets removed."""
    return {
        "language": turn.language.lang,
        "security_case": turn.security_case,
        "reasons": list(turn.reasons),
        "confidence": None if turn.confidence is None else round(turn.confidence, 4),
        "articles": [
            {"slug": h.slug, "title": h.title, "lang": h.lang, "score": round(h.score, 4)} for h in turn.hits
        ],
        "redacted_secrets": [k.value for k in turn.redaction.kinds],
    }


def reply_meta(reply: Reply, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the widget needs besides the text, stored with the message."""
    meta: dict[str, Any] = {
        "action": reply.action,
        "confidence": None if reply.confidence is None else round(reply.confidence, 4),
        "sources": [{"slug": s.slug, "title": s.title, "lang": s.lang} for s in reply.sources],
        "quick_replies": list(reply.quick_replies),
        "kind": reply.kind,
    }
    return {**meta, **(extra or {})}


@dataclass
class ChatService:
    """Composes the bot and the handoff queue. Holds no per-conversation state of its own."""

    bot: Bot
    any_language_after_s: float
    clock: Callable[[], datetime] = utcnow

    def start(
        self,
        db: Database,
        *,
        locale: str | None,
        user_id: str | None = None,
        user_name: str | None = None,
        user_email: str | None = None,
        token_hash: str | None = None,
    ) -> tuple[Conversation, list[Message]]:
        """Create a conversation and store the greeting in the locale's language."""
        from bot.language import LanguageHints, detect_language

        lang = detect_language("", LanguageHints(locale=locale)).answer_lang
        now = self.clock()
        c = self.bot.catalog
        with db.atomic():
            conv = convs.create_conversation(
                db, locale=locale, language=lang, user_id=user_id, user_name=user_name,
                user_email=user_email, token_hash=token_hash, now=now,
            )
            greeting = c.render("greeting", lang) + "\n\n" + c.render("anti_phishing", lang)
            msg = convs.append_message(
                db, conv.id, sender=Sender.BOT, text=greeting, language=lang,
                meta={"action": "greeting", "kind": "bot"}, now=now,
            )
        return conv, [msg]

    def handle(self, db: Database, conversation_id: str, text: str) -> ChatOutcome:
        """Store the user's message (redacted), then answer it, ask, or hand it to a person."""
        conv = convs.get_conversation(db, conversation_id)
        now = self.clock()
        if conv.is_handed_off:
            return self._for_agent(db, conv, text, now)
        state = convs.get_bot_state(db, conversation_id)
        turn = self.bot.handle(
            text,
            TurnContext(
                conversation_language=state.get("language_set") and conv.language or None,
                locale=conv.locale,
                unconfident_streak=int(state.get("unconfident_streak", 0)),
            ),
        )
        lang = turn.conversation_language
        user_meta: dict[str, Any] = {"outcome": outcome_meta(turn)}
        if turn.redaction.has_secret:
            user_meta["redacted"] = [k.value for k in turn.redaction.kinds]
        with db.atomic():
            conv, user_msg = convs.append_user_message(
                db, conversation_id, text=turn.redaction.text, language=turn.language.lang,
                meta=user_meta, now=now,
            )
            if conv.language != lang:
                convs.set_language(db, conversation_id, lang, now=now)
            convs.set_bot_state(
                db, conversation_id,
                {**state, "language_set": True, "unconfident_streak": turn.unconfident_streak,
                 "last_turn": turn_context(turn)},
                now=now,
            )
            stored = [
                convs.append_message(
                    db, conversation_id, sender=Sender.SYSTEM if r.kind == "system" else Sender.BOT,
                    text=r.text, language=r.language,
                    meta=reply_meta(r, None if r.kind == "system" else {"reason": turn.decision.reason.value}),
                    now=now,
                )
                for r in turn.replies
            ]
            position = None
            if turn.decision.action is Action.handoff:
                notice, position = self._enqueue(db, conversation_id, turn, lang, now)
                stored.append(notice)
            conv = convs.get_conversation(db, conversation_id)
        return ChatOutcome(user_msg, tuple(stored), conv, position, turn)

    def request_human(self, db: Database, conversation_id: str) -> ChatOutcome | None:
        """The widget's "talk to an agent" button: hand off at normal priority (reopening a resolved
        conversation first). ``None`` when a person is already on the way or in the chat."""
        conv = convs.get_conversation(db, conversation_id)
        if conv.is_handed_off:
            return None
        now = self.clock()
        c = self.bot.catalog
        lang = conv.language
        with db.atomic():
            status = ConversationStatus(lock_conversation(db, conversation_id, now=now)["status"])
            if status in (ConversationStatus.WAITING, ConversationStatus.WITH_AGENT):
                return None
            if status == ConversationStatus.RESOLVED:
                transition(db, conversation_id, ConversationStatus.BOT, actor="user", reason="user_request", now=now)
            ack = convs.append_message(
                db, conversation_id, sender=Sender.BOT,
                text=c.render("human_request_ack", lang) + "\n\n" + c.render("anti_phishing", lang),
                language=lang, meta={"action": "handoff", "kind": "bot"}, now=now,
            )
            # The agent sees what the bot last considered, so the user need not repeat the question.
            last_turn = convs.get_bot_state(db, conversation_id).get("last_turn") or {"articles": []}
            tickets.enqueue(
                db, conversation_id, priority=Priority.NORMAL, reason="user_request", language=lang,
                context={"why": "user_request", **last_turn, "language": lang}, now=now,
            )
            notice, position = self._notice(db, conversation_id, lang, "normal", now)
            conv = convs.get_conversation(db, conversation_id)
        return ChatOutcome(ack, (ack, notice), conv, position)

    def _enqueue(
        self, db: Database, conversation_id: str, turn: TurnResult, lang: str, now: datetime
    ) -> tuple[Message, int | None]:
        priority = turn.decision.priority or "normal"
        reason = HANDOFF_REASONS.get(turn.decision.reason, turn.decision.reason.value)
        context = {"why": reason, **turn_context(turn), "answer_language": lang}
        tickets.enqueue(
            db, conversation_id, priority=Priority(priority), reason=reason, language=lang, context=context, now=now
        )
        return self._notice(db, conversation_id, lang, priority, now)

    def _notice(
        self, db: Database, conversation_id: str, lang: str, priority: str, now: datetime
    ) -> tuple[Message, int | None]:
        c = self.bot.catalog
        info = wait_info(db, conversation_id, now=now)
        state = info.estimate.state if info.estimate else WaitState.NOBODY_ONLINE
        urgent = "_urgent" if priority == "urgent" else ""
        if state == WaitState.NOBODY_ONLINE:
            text = c.render("no_agent_online", lang)
        elif state == WaitState.BUSY:
            text = c.render(f"handoff_notice{urgent}_busy", lang)
        else:
            minutes = info.estimate.minutes if info.estimate and info.estimate.minutes else ASSUMED_WAIT_MINUTES_FLOOR
            text = c.render(f"handoff_notice{urgent}", lang, position=info.position or 1, minutes=minutes)
        msg = convs.append_message(
            db, conversation_id, sender=Sender.SYSTEM, text=text, language=lang,
            meta={"action": "queue", "kind": "system", "queue_position": info.position,
                  "estimated_wait_s": info.estimated_wait_s, "agents_online": info.agents_online,
                  "wait_state": state.value},
            now=now,
        )
        return msg, info.position

    def _for_agent(self, db: Database, conv: Conversation, text: str, now: datetime) -> ChatOutcome:
        """While a person owns the conversation, the message is only stored for them (redacted)."""
        red = redact(text)
        c = self.bot.catalog
        lang = conv.language
        with db.atomic():
            conv, user_msg = convs.append_user_message(
                db, conv.id, text=red.text, language=lang,
                meta={"redacted": [k.value for k in red.kinds]} if red.has_secret else None, now=now,
            )
            stored = [
                convs.append_message(
                    db, conv.id, sender=Sender.SYSTEM, text=c.render(f"secret_warning.{k.value}", lang),
                    language=lang, meta={"action": "warning", "kind": "system"}, now=now,
                )
                for k in red.kinds
            ]
            if red.has_secret:
                tickets.enqueue(
                    db, conv.id, priority=Priority("urgent"), reason="secret_shared", language=lang,
                    context={"why": "secret_shared", "redacted_secrets": [k.value for k in red.kinds]}, now=now,
                )
            conv = convs.get_conversation(db, conv.id)
        return ChatOutcome(user_msg, tuple(stored), conv, None)

    # ------------------------------------------------------------------ agents and the user's side of it

    def claim(self, db: Database, conversation_id: str, agent: Agent) -> QueueEntry:
        """Give a waiting conversation to the agent and tell the user, in their language, who joined.

        Claiming a conversation the agent already holds changes nothing and posts nothing.

        :raises LanguageNotAllowed: waiting in a language the agent lacks, before the routing timeout.
        :raises AlreadyClaimed, OverCapacity, NotInQueue, ConversationNotFound: from ``tickets.claim``.
        """
        now = self.clock()
        with db.atomic():
            lock_conversation(db, conversation_id, now=now)
            before = get_active_entry(db, conversation_id)
            if (
                before is not None
                and before.status == QueueStatus.WAITING
                and not agent_may_see(agent, before, now=now, any_language_after_s=self.any_language_after_s)
            ):
                raise LanguageNotAllowed(
                    f"conversation {conversation_id} waits for a {before.language} speaker; any agent may take "
                    f"it after {self.any_language_after_s} s"
                )
            entry = tickets.claim(db, conversation_id, agent.id, now=now)
            if before is None or before.claimed_by != agent.id:
                self._joined(db, conversation_id, agent, now)
        return entry

    def claim_next(self, db: Database, agent: Agent) -> QueueEntry | None:
        """Claim the best conversation the agent may take (see ``tickets.claim_next``), telling its user."""
        now = self.clock()
        with db.atomic():
            entry = tickets.claim_next(db, agent.id, now=now, any_language_after_s=self.any_language_after_s)
            if entry is not None:
                self._joined(db, entry.conversation_id, agent, now)
        return entry

    def release(self, db: Database, conversation_id: str, agent: Agent) -> QueueEntry:
        """Put a held conversation back in the queue; the user hears that the next agent will continue."""
        now = self.clock()
        with db.atomic():
            entry = tickets.release(db, conversation_id, agent.id, now=now)
            self._system(db, conversation_id, "agent_released", "agent_released", now)
        return entry

    def resolve(self, db: Database, conversation_id: str, agent: Agent, *, return_to_bot: bool = False) -> QueueEntry:
        """Close a held conversation: ``resolved`` then the CSAT question, or hand it back to the bot."""
        now = self.clock()
        with db.atomic():
            entry = tickets.resolve(db, conversation_id, agent.id, return_to_bot=return_to_bot, now=now)
            if return_to_bot:
                # A fresh start for the bot: earlier unconfident turns must not trigger an instant handoff.
                state = convs.get_bot_state(db, conversation_id)
                convs.set_bot_state(db, conversation_id, {**state, "unconfident_streak": 0}, now=now)
                self._system(db, conversation_id, "returned_to_bot", "returned_to_bot", now)
            else:
                self._system(db, conversation_id, "resolved", "resolved", now)
                self._system(db, conversation_id, "csat_prompt", "csat", now)
        return entry

    def agent_reply(self, db: Database, conversation_id: str, agent: Agent, text: str) -> Message:
        """Store an agent's message as written (agents are trusted; nothing is redacted)."""
        conv = convs.get_conversation(db, conversation_id)
        return tickets.record_agent_reply(
            db, conversation_id, agent.id, text=text, language=conv.language,
            meta={"kind": "agent", "agent_name": agent.name}, now=self.clock(),
        )

    def leave_contact(self, db: Database, conversation_id: str, contact: str) -> tuple[Conversation, Message]:
        """Store the email address a user left for a reply and confirm it in their language.

        :raises InvalidContact: when it does not look like an email address (the message is localised).
        """
        conv = convs.get_conversation(db, conversation_id)
        contact = contact.strip()
        if not EMAIL.fullmatch(contact):
            raise InvalidContact(self.bot.catalog.render("contact_invalid", conv.language))
        now = self.clock()
        with db.atomic():
            conv = convs.set_contact(db, conversation_id, contact, now=now)
            msg = convs.append_message(
                db, conversation_id, sender=Sender.SYSTEM, language=conv.language,
                text=self.bot.catalog.render("contact_saved", conv.language, contact=contact),
                meta={"action": "contact_saved", "kind": "system"}, now=now,
            )
        return conv, msg

    def _joined(self, db: Database, conversation_id: str, agent: Agent, now: datetime) -> Message:
        conv = convs.get_conversation(db, conversation_id)
        return convs.append_message(
            db, conversation_id, sender=Sender.SYSTEM, language=conv.language,
            text=self.bot.catalog.render("agent_joined", conv.language, agent=agent.name),
            meta={"action": "agent_joined", "kind": "system"}, now=now,
        )

    def _system(self, db: Database, conversation_id: str, key: str, action: str, now: datetime) -> Message:
        conv = convs.get_conversation(db, conversation_id)
        return convs.append_message(
            db, conversation_id, sender=Sender.SYSTEM, language=conv.language,
            text=self.bot.catalog.render(key, conv.language),
            meta={"action": action, "kind": "system"}, now=now,
        )
