"""What the bot does with a message: one pure, table-driven decision.

The table is read top to bottom; the first row whose condition holds decides. Thresholds come
from settings (``Thresholds``), never from literals here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    answer = "answer"
    clarify = "clarify"
    handoff = "handoff"
    out_of_scope = "out_of_scope"
    smalltalk = "smalltalk"


class Reason(StrEnum):
    secret_shared = "secret_shared"
    security = "security"
    user_request = "user_request"
    out_of_scope = "out_of_scope"
    confident = "confident"
    ambiguous = "ambiguous"
    low_confidence = "low_confidence"
    no_articles = "no_articles"
    too_many_unconfident = "too_many_unconfident"
    smalltalk = "smalltalk"
    vague = "vague"
    one_term = "one_term"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The policy's numbers (from ``Settings``)."""

    answer_min_confidence: float
    clarify_min_confidence: float
    clarify_max_margin: float
    max_unconfident_turns: int


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything the decision depends on, already computed."""

    secret_shared: bool = False
    security_priority: str | None = None
    human_request: bool = False
    out_of_scope: bool = False
    act: str | None = None  # "smalltalk" or "vague" from bot.acts, when probable enough
    bare_term: bool = False  # the message is one word ("2FA", "withdrawal"): a topic, not a question
    has_hits: bool = True
    confidence: float = 0.0
    margin: float = 0.0
    unconfident_streak: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: Reason
    priority: str | None = None

    @property
    def is_unconfident(self) -> bool:
        """Counts toward the "two unconfident turns in a row" hand-off."""
        return self.reason in (Reason.ambiguous, Reason.low_confidence, Reason.no_articles, Reason.vague)


def decide(s: Signals, t: Thresholds) -> Decision:
    """Choose the action for one message.

    Security comes first and hands off at once with its priority; an explicit request for a
    person hands off at normal priority; small talk gets a kind reply and a vague message one
    question back (never an article, however close one looks); out-of-scope messages never get an
    unrelated article; a bare term gets the nearest articles to choose from, never one of them
    as the answer; otherwise the calibrated confidence and the margin between the two best articles decide
    between answering and asking, and repeated unconfident turns go to a human.
    """
    if s.secret_shared:
        return Decision(Action.handoff, Reason.secret_shared, "urgent")
    if s.security_priority:
        return Decision(Action.handoff, Reason.security, s.security_priority)
    if s.human_request:
        return Decision(Action.handoff, Reason.user_request, "normal")
    if s.act == "smalltalk":
        return Decision(Action.smalltalk, Reason.smalltalk)
    if s.act == "vague":
        if s.unconfident_streak + 1 >= t.max_unconfident_turns:
            return Decision(Action.handoff, Reason.too_many_unconfident, "normal")
        return Decision(Action.clarify, Reason.vague)
    if s.out_of_scope:
        return Decision(Action.out_of_scope, Reason.out_of_scope)
    if s.bare_term and s.has_hits:
        return Decision(Action.clarify, Reason.one_term)
    if s.has_hits and s.confidence >= t.answer_min_confidence and s.margin >= t.clarify_max_margin:
        return Decision(Action.answer, Reason.confident)
    if s.unconfident_streak + 1 >= t.max_unconfident_turns:
        return Decision(Action.handoff, Reason.too_many_unconfident, "normal")
    if not s.has_hits:
        return Decision(Action.clarify, Reason.no_articles)
    if s.confidence >= t.clarify_min_confidence:
        return Decision(Action.clarify, Reason.ambiguous)
    return Decision(Action.clarify, Reason.low_confidence)
