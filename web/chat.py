"""Conversations: one user message through the bot and, when needed, into the agent queue.

Everything a user was told was received is committed before this returns. Secrets are redacted
before anything is stored; while a person owns the conversation the bot stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any

import handoff
from bot.policy import Action, Reason
from bot.redaction import redact
from bot.turn import Bot, Reply, TurnContext, TurnResult
from config.languages import CATALOG_VARIANTS, base_language, catalog_language
from handoff import (
    Agent,
    AgentBound,
    BotState,
    BotTurn,
    Conversation,
    ConversationStatus,
    Database,
    HandoffPlan,
    KeyClaim,
    Message,
    Note,
    PersonRequest,
    Priority,
    QueueEntry,
    Sender,
    TurnBasis,
    WaitInfo,
    WaitState,
    Written,
)
from web.errors import InvalidContact

# Agents see these codes (rendered with the catalog's reason.* keys in the console).
HANDOFF_REASONS = {
    Reason.secret_shared: "secret_shared",
    Reason.security: "security",
    Reason.user_request: "user_request",
    Reason.too_many_unconfident: "low_confidence",
}
ASSUMED_WAIT_MINUTES_FLOOR = 1
# The action of the note that tells a waiting user an agent will see what they wrote.
WAITING_ACK = "waiting_ack"
# A turn is recomputed when the conversation changed while the model worked (another message landed);
# the last attempt is stored whatever turn landed first, its state update still applied under the lock.
MAX_TURN_ATTEMPTS = 4
# Deliberately loose (one @, a dot in the domain, no spaces): the address is for a person to write to,
# and a stricter pattern would refuse real addresses more often than it would catch typos.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def texts_language_for(language: str, locale: str | None) -> str:
    """The catalog a conversation in ``language`` is written from: ``zh-Hant`` for a Chinese
    conversation under a ``zh-TW``/``zh-HK``/``zh-MO``/``zh-Hant`` locale, else ``language``."""
    variant = catalog_language(locale or "")
    return variant if variant in CATALOG_VARIANTS and base_language(variant) == language else language


def conversation_texts_language(conv: Conversation) -> str:
    """``texts_language_for`` of a stored conversation (system messages follow the user's locale)."""
    return texts_language_for(conv.language, conv.locale)


# Whole messages that withdraw a request for a person while it waits, besides the button's label in
# every catalog (compared case- and punctuation-insensitively).
NEVER_MIND_PHRASES = (
    "never mind", "nevermind", "i found it", "found it", "no need", "no need anymore", "all good now",
    "ya lo encontré", "ya no hace falta", "olvídalo", "не нужно", "уже не нужно", "нашёл", "нашла",
    "不用了", "找到了", "不需要了", "解決しました", "大丈夫です", "괜찮아요", "찾았어요",
    "لا داعي", "وجدته", "já encontrei", "não precisa", "deixa pra lá",
)


def _folded(text: str) -> str:
    """``text`` lowercased, without punctuation or spaces (Unicode-wide), for whole-message matching."""
    import unicodedata

    return "".join(ch for ch in text.casefold() if unicodedata.category(ch)[0] not in "PZS")


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


def outcome_meta(turn: TurnResult) -> dict[str, Any]:
    """What the bot did with a user message, stored on it: the admin report groups unanswered questions;
    ``act`` (``smalltalk:thanks``, ``vague``, ...) keeps the resolution signal of a thank-you."""
    top = turn.hits[0] if turn.hits else None
    return {
        "action": turn.decision.action.value,
        "reason": turn.decision.reason.value,
        "act": turn.act.name if turn.act else None,
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
    """Composes the bot and the handoff queue. Holds no per-conversation state of its own.

    The bot's turn (model work) runs outside any transaction; one ``handoff`` operation then stores it
    after re-checking the conversation under the write lock, so no update of the bot's state is lost
    and no bot answer lands after a person was asked for.
    """

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
        c = self.bot.catalog
        tl = texts_language_for(lang, locale)
        greeting = c.render("greeting", tl) + "\n\n" + c.render("anti_phishing", tl)
        return handoff.start_conversation(
            db, locale=locale, language=lang, user_id=user_id, user_name=user_name, user_email=user_email,
            token_hash=token_hash, greeting=[Note(Sender.BOT, greeting, lang, {"action": "greeting", "kind": "bot"})],
            now=self.clock(),
        )

    def handle(self, db: Database, conversation_id: str, text: str, *, claim: KeyClaim | None = None) -> ChatOutcome:
        """Store the user's message (redacted), then answer it, ask, or hand it to a person.

        ``claim`` (the request's idempotency key) is claimed in the transaction that stores the message.
        """
        # Each retry means another writer changed the conversation meanwhile (it made progress), so
        # this ends; after MAX_TURN_ATTEMPTS the turn is stored even if another turn landed first.
        for attempt in count(1):
            basis = handoff.read_turn_basis(db, conversation_id)
            now = self.clock()
            if basis.conversation.is_handed_off:
                if basis.conversation.status == ConversationStatus.WAITING and self.says_never_mind(text):
                    withdrawn = handoff.withdraw_request(
                        db, conversation_id, self._system("handoff_withdrawn"), now=now,
                        user=self._for_agent(basis, text).user, claim=claim,
                    )
                    if withdrawn is not None:
                        return self._outcome(withdrawn, None)
                    continue
                ack = basis.conversation.status == ConversationStatus.WAITING and (
                    handoff.latest_reply_action(db, conversation_id) != WAITING_ACK
                )
                written = handoff.append_for_agent(
                    db, conversation_id, self._for_agent(basis, text, ack=ack), now=now, claim=claim
                )
                if written.stored:
                    return self._outcome(written, None)
                continue
            turn = self.bot.handle(text, self._context(basis))
            check = basis if attempt < MAX_TURN_ATTEMPTS else None
            written = handoff.append_turn(
                db, conversation_id, self._bot_turn(turn), basis=check, now=now, claim=claim
            )
            if written.stored:
                return self._outcome(written, turn)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _context(basis: TurnBasis) -> TurnContext:
        conv, state = basis.conversation, basis.bot_state
        return TurnContext(
            conversation_language=state.get("language_set") and conv.language or None,
            locale=conv.locale,
            unconfident_streak=int(state.get("unconfident_streak", 0)),
        )

    @staticmethod
    def _outcome(written: Written, turn: TurnResult | None) -> ChatOutcome:
        assert written.user_message is not None
        return ChatOutcome(written.user_message, written.messages, written.conversation, written.queue_position, turn)

    def _bot_turn(self, turn: TurnResult) -> BotTurn:
        """The turn as handoff stores it; the streak moves on from the stored one, under the lock."""
        lang = turn.conversation_language
        user_meta: dict[str, Any] = {"outcome": outcome_meta(turn)}
        if turn.redaction.has_secret:
            user_meta["redacted"] = [k.value for k in turn.redaction.kinds]
        unconfident = turn.decision.is_unconfident
        last_turn = turn_context(turn)

        def update_state(state: BotState) -> BotState:
            streak = int(state.get("unconfident_streak", 0)) + 1 if unconfident else 0
            return {**state, "language_set": True, "unconfident_streak": streak, "last_turn": last_turn}

        replies = [
            Note(
                Sender.SYSTEM if r.kind == "system" else Sender.BOT, r.text, r.language,
                reply_meta(r, None if r.kind == "system" else {"reason": turn.decision.reason.value}),
            )
            for r in turn.replies
        ]
        plan = None
        if turn.decision.action is Action.handoff:
            priority = turn.decision.priority or "normal"
            reason = HANDOFF_REASONS.get(turn.decision.reason, turn.decision.reason.value)
            plan = HandoffPlan(
                Priority(priority), reason, lang, {"why": reason, **last_turn, "answer_language": lang},
                self._notice(lang, priority, turn.texts_language or lang),
            )
        return BotTurn(
            Note(Sender.USER, turn.redaction.text, turn.language.lang, user_meta), replies, lang, update_state, plan
        )

    def request_human(self, db: Database, conversation_id: str) -> ChatOutcome | None:
        """The widget's "talk to an agent" button: hand off at normal priority (reopening a resolved
        conversation first). ``None`` when a person is already on the way or in the chat."""
        c = self.bot.catalog

        def compose(conv: Conversation, state: BotState) -> PersonRequest:
            lang = conv.language
            tl = conversation_texts_language(conv)
            ack = Note(
                Sender.BOT, c.render("human_request_ack", tl) + "\n\n" + c.render("anti_phishing", tl), lang,
                {"action": "handoff", "kind": "bot"},
            )
            # The agent sees what the bot last considered, so the user need not repeat the question.
            last_turn = state.get("last_turn") or {"articles": []}
            context = {"why": "user_request", **last_turn, "language": lang}
            return PersonRequest(
                ack, HandoffPlan(Priority.NORMAL, "user_request", lang, context, self._notice(lang, "normal", tl))
            )

        written = handoff.request_person(db, conversation_id, compose, now=self.clock())
        if written is None:
            return None
        return self._outcome(written, None)

    def _notice(self, lang: str, priority: str, texts_lang: str | None = None) -> Callable[[WaitInfo], Note]:
        c = self.bot.catalog
        tl = texts_lang or lang

        def notice(info: WaitInfo) -> Note:
            state = info.estimate.state if info.estimate else WaitState.NOBODY_ONLINE
            urgent = "_urgent" if priority == "urgent" else ""
            if state == WaitState.NOBODY_ONLINE:
                text = c.render("no_agent_online", tl)
            elif state == WaitState.BUSY:
                text = c.render(f"handoff_notice{urgent}_busy", tl)
            else:
                minutes = info.estimate.minutes if info.estimate and info.estimate.minutes else ASSUMED_WAIT_MINUTES_FLOOR
                text = c.render(f"handoff_notice{urgent}", tl, position=info.position or 1, minutes=minutes)
            meta = {"action": "queue", "kind": "system", "queue_position": info.position,
                    "estimated_wait_s": info.estimated_wait_s, "agents_online": info.agents_online,
                    "wait_state": state.value}
            return Note(Sender.SYSTEM, text, lang, meta)

        return notice

    def _for_agent(self, basis: TurnBasis, text: str, *, ack: bool = False) -> AgentBound:
        """While a person owns the conversation, the message is only stored for them (redacted).

        ``ack``: still waiting for an agent, so the user hears that the agent will see it (once until
        something else is said, not after every line)."""
        red = redact(text)
        c = self.bot.catalog
        lang = basis.conversation.language
        tl = conversation_texts_language(basis.conversation)
        kinds = [k.value for k in red.kinds]
        notes = [
            Note(Sender.SYSTEM, c.render(f"secret_warning.{k.value}", tl), lang, {"action": "warning", "kind": "system"})
            for k in red.kinds
        ]
        if ack:
            notes.append(Note(Sender.SYSTEM, c.render("waiting_message_ack", tl), lang,
                              {"action": WAITING_ACK, "kind": "system"}))
        escalation = None
        if red.has_secret:
            escalation = HandoffPlan(
                Priority.URGENT, "secret_shared", lang, {"why": "secret_shared", "redacted_secrets": kinds}
            )
        user = Note(Sender.USER, red.text, lang, {"redacted": kinds} if red.has_secret else None)
        return AgentBound(user, notes, escalation)

    # ------------------------------------------------------------------ agents and the user's side of it

    def claim(self, db: Database, conversation_id: str, agent: Agent) -> QueueEntry:
        """Give a waiting conversation to the agent and tell the user, in their language, who joined.

        Claiming a conversation the agent already holds changes nothing and posts nothing.

        :raises LanguageNotAllowed: waiting in a language the agent lacks, before the routing timeout.
        :raises AlreadyClaimed, OverCapacity, NotInQueue, ConversationNotFound: from ``handoff.claim``.
        """
        return handoff.claim(
            db, conversation_id, agent, self._joined(agent), any_language_after_s=self.any_language_after_s,
            now=self.clock(),
        )

    def claim_next(self, db: Database, agent: Agent) -> QueueEntry | None:
        """Claim the best conversation the agent may take (see ``handoff.claim_next``), telling its user."""
        return handoff.claim_next(
            db, agent, self._joined(agent), any_language_after_s=self.any_language_after_s, now=self.clock()
        )

    def release(self, db: Database, conversation_id: str, agent: Agent) -> QueueEntry:
        """Put a held conversation back in the queue; the user hears that the next agent will continue."""
        return handoff.release(db, conversation_id, agent, self._system("agent_released"), now=self.clock())

    def resolve(self, db: Database, conversation_id: str, agent: Agent, *, return_to_bot: bool = False) -> QueueEntry:
        """Close a held conversation: ``resolved`` then the CSAT question, or hand it back to the bot."""
        if return_to_bot:
            # A fresh start for the bot: earlier unconfident turns must not trigger an instant handoff.
            # The user is asked to rate the agent's help here too.
            return handoff.resolve(
                db, conversation_id, agent, self._system("returned_to_bot", ("csat_prompt", "csat")),
                return_to_bot=True,
                update_state=lambda state: {**state, "unconfident_streak": 0}, now=self.clock(),
            )
        return handoff.resolve(
            db, conversation_id, agent, self._system("resolved", ("csat_prompt", "csat")), now=self.clock()
        )

    def says_never_mind(self, text: str) -> bool:
        """Whether a message typed while waiting is the "never mind, I found it" of the widget's
        button in any catalog, or one of ``NEVER_MIND_PHRASES``: the whole message, not a word in it
        ("cancel my withdrawal" is a question for the agent)."""
        said = _folded(text)
        if not said:
            return False
        labels = {_folded(texts["ui.widget.never_mind"]) for texts in self.bot.catalog.texts.values()}
        return said in labels or said in {_folded(p) for p in NEVER_MIND_PHRASES}

    def withdraw(self, db: Database, conversation_id: str) -> Written | None:
        """The user's "never mind, I found it" while waiting: back to the assistant, told so in their
        language. ``None`` when the conversation is not waiting (an agent has joined, or none asked)."""
        return handoff.withdraw_request(db, conversation_id, self._system("handoff_withdrawn"), now=self.clock())

    def agent_reply(self, db: Database, conversation_id: str, agent: Agent, text: str) -> Message:
        """Store an agent's message (the route has passed it through ``redact_text``)."""
        return handoff.agent_reply(
            db, conversation_id, agent, text, meta={"kind": "agent", "agent_name": agent.name}, now=self.clock()
        )

    def leave_contact(self, db: Database, conversation_id: str, contact: str) -> tuple[Conversation, Message]:
        """Store the email address a user left for a reply and confirm it in their language.

        :raises InvalidContact: when it does not look like an email address (the message is localised).
        """
        contact = contact.strip()
        if not EMAIL.fullmatch(contact):
            conv = handoff.get_conversation(db, conversation_id)
            raise InvalidContact(self.bot.catalog.render("contact_invalid", conversation_texts_language(conv)))
        c = self.bot.catalog

        def saved(conv: Conversation) -> list[Note]:
            text = c.render("contact_saved", conversation_texts_language(conv), contact=contact)
            return [Note(Sender.SYSTEM, text, conv.language, {"action": "contact_saved", "kind": "system"})]

        written = handoff.leave_contact(db, conversation_id, contact, saved, now=self.clock())
        return written.conversation, written.messages[0]

    def _joined(self, agent: Agent) -> Callable[[Conversation], list[Note]]:
        c = self.bot.catalog

        def joined(conv: Conversation) -> list[Note]:
            text = c.render("agent_joined", conversation_texts_language(conv), agent=agent.name)
            return [Note(Sender.SYSTEM, text, conv.language, {"action": "agent_joined", "kind": "system"})]

        return joined

    def _system(self, key: str, *more: tuple[str, str]) -> Callable[[Conversation], list[Note]]:
        """System notes in the conversation's language: ``key`` (its own action), then ``(key, action)`` pairs."""
        c = self.bot.catalog
        pairs = ((key, key), *more)

        def notes(conv: Conversation) -> list[Note]:
            return [
                Note(Sender.SYSTEM, c.render(k, conversation_texts_language(conv)), conv.language,
                     {"action": a, "kind": "system"})
                for k, a in pairs
            ]

        return notes
