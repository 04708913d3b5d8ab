"""Pydantic request and response models: the HTTP contract shared with the widget and the console.

Request models forbid unknown fields; response models are separate classes built from handoff's
dataclasses (``web.views``), never from raw rows.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Half of a surrogate pair (a browser cut an emoji in two) cannot be stored as UTF-8. It is replaced
# with U+FFFD and the message accepted: refusing it would lose what the user wrote around it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls other than tab and line breaks, and DEL, carry no text; NUL in particular must never
# reach the database or a log line.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Every free-text field the API accepts, made storable: lone surrogates replaced, controls dropped."""
    return _CONTROL.sub("", _LONE_SURROGATE.sub("\ufffd", value))


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty, only whitespace or only control characters")
    return value


def _clean_if_text(value: object) -> object:
    # Before pydantic's own str check, which refuses a lone surrogate outright.
    return clean_text(value) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_clean_if_text)]
RequiredText = Annotated[str, BeforeValidator(_clean_if_text), AfterValidator(_not_blank)]


# ---------------------------------------------------------------- ask (no conversation)


class AskRequest(_In):
    text: RequiredText = Field(
        min_length=1, description="At most ``SUPPORTBOT_MAX_MESSAGE_CHARS`` characters (413 past it)."
    )
    locale: Text | None = Field(default=None, max_length=35)


class HitOut(BaseModel):
    slug: str
    lang: str
    title: str
    score: float


class AnswerOut(BaseModel):
    slug: str
    lang: str
    text: str


class AskResponse(BaseModel):
    language: str
    answer_language: str
    hits: list[HitOut]
    answer: AnswerOut | None
    action: str
    slug: str | None
    confidence: float | None
    text: str
    priority: str | None
    reasons: list[str]
    quick_replies: list[str]


class Health(BaseModel):
    status: str
    articles: int
    languages: list[str]
    model: str


# ---------------------------------------------------------------- widget


class UserIn(_In):
    id: RequiredText = Field(min_length=1, max_length=256)
    name: Text | None = Field(default=None, max_length=200)
    email: Text | None = Field(default=None, max_length=320)


class StartConversationIn(_In):
    locale: Text | None = Field(default=None, max_length=35, description="The page's locale, e.g. zh-CN.")
    user: UserIn | None = Field(
        default=None, description="Unverified user details; refused when identity verification is on (send identity_token)."
    )
    identity_token: str | None = Field(
        default=None, max_length=4096,
        description="HS256 JWT minted by the embedding site's backend with SUPPORTBOT_IDENTITY_SECRET: "
        "sub (user id), optional email and name, exp.",
    )


class SourceOut(BaseModel):
    slug: str
    title: str
    lang: str | None = None
    url: str | None = Field(default=None, description="The article's help-center page, relative to the server.")


class MessageOut(BaseModel):
    id: int
    seq: int
    sender: Literal["user", "bot", "agent", "system"]
    text: str
    language: str | None
    created_at: datetime
    action: str | None = None
    confidence: float | None = None
    sources: list[SourceOut] = Field(default_factory=list)
    quick_replies: list[str] = Field(default_factory=list)
    kind: str | None = None
    author: str | None = Field(default=None, description="The agent's name on agent messages.")
    html: str | None = Field(
        default=None,
        description="Bot, agent and system texts as sanitised HTML (the Markdown subset); user texts never.",
    )


class ConversationOut(BaseModel):
    id: str
    status: Literal["bot", "waiting", "with_agent", "resolved"]
    language: str
    priority: str | None
    queue_position: int | None
    estimated_wait_s: int | None
    agent_name: str | None
    agents_online: int | None = None
    wait_state: Literal["estimate", "busy", "nobody_online"] | None = Field(
        default=None,
        description="While waiting: a number is shown (estimate), agents are busy past the cap, or nobody is online.",
    )
    contact: str | None = None


class StartConversationOut(BaseModel):
    conversation_id: str
    token: str
    status: str
    language: str
    messages: list[MessageOut]
    conversation: ConversationOut


class SendMessageIn(_In):
    text: RequiredText = Field(
        min_length=1, description="At most ``SUPPORTBOT_MAX_MESSAGE_CHARS`` characters (413 past it)."
    )


class SendMessageOut(BaseModel):
    message: MessageOut
    replies: list[MessageOut]
    conversation: ConversationOut


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    conversation: ConversationOut


class HandoffOut(BaseModel):
    replies: list[MessageOut]
    conversation: ConversationOut


class FeedbackIn(_In):
    message_id: StrictInt | None = Field(default=None, ge=1, le=2**62)
    helpful: StrictBool | None = None
    rating: StrictInt | None = None
    comment: Text | None = Field(default=None, max_length=2000)


class FeedbackOut(BaseModel):
    ok: bool
    message: str = Field(description="A thank-you in the conversation's language.")


class ContactIn(_In):
    contact: RequiredText = Field(max_length=320)


class ContactOut(BaseModel):
    ok: bool
    message: MessageOut
    conversation: ConversationOut


class I18nOut(BaseModel):
    lang: str
    dir: Literal["ltr", "rtl"]
    texts: dict[str, str]
    languages: list[str]


# ---------------------------------------------------------------- agents


class AgentOut(BaseModel):
    id: int
    name: str
    languages: list[str]
    capacity: int
    holding: int


class QueueItemOut(BaseModel):
    conversation_id: str
    status: Literal["waiting", "claimed"]
    priority: str
    language: str
    reason: str
    waited_s: float
    sla_target_s: float
    sla_breached: bool
    position: int | None
    claimed_by: int | None
    claimed_by_name: str | None = None
    preview: str | None = Field(description="The user's latest message, on one line.")
    problem: str | None = Field(
        None, description="What the user came with: their first substantive message (not a greeting, "
        "thanks or a vague word), on one line; the console's queue card shows it."
    )
    security_case: str | None = Field(None, description="The security case the bot recognised, if any.")
    article_title: str | None = Field(None, description="The article the bot considered first, if any.")


class QueueOut(BaseModel):
    waiting: list[QueueItemOut]
    mine: list[QueueItemOut]
    agents_online: int


class ResolveIn(_In):
    return_to_bot: StrictBool = False


class AgentMessageIn(_In):
    text: RequiredText = Field(
        min_length=1, description="At most ``SUPPORTBOT_MAX_MESSAGE_CHARS`` characters (413 past it)."
    )


class UserInfoOut(BaseModel):
    id: str | None
    name: str | None
    email: str | None
    contact: str | None
    locale: str | None


class HandoffEntryOut(BaseModel):
    id: int
    status: str
    priority: str
    reason: str
    language: str
    context: dict[str, Any]
    enqueued_at: datetime
    claimed_by: int | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None


class AuditOut(BaseModel):
    actor: str
    from_status: str
    to_status: str
    reason: str | None
    at: datetime


class FeedbackEntryOut(BaseModel):
    message_id: int | None
    helpful: bool | None
    rating: int | None
    comment: str | None
    created_at: datetime


class TranscriptOut(BaseModel):
    conversation: ConversationOut
    user: UserInfoOut
    context: dict[str, Any] | None = Field(
        description="The bot's context of the current (or latest) handoff: articles considered with "
        "scores, confidence, why it handed off, language."
    )
    handoffs: list[HandoffEntryOut]
    messages: list[MessageOut]
    audit: list[AuditOut]
    feedback: list[FeedbackEntryOut]


class ClaimOut(BaseModel):
    conversation: ConversationOut
    transcript: TranscriptOut


class OkOut(BaseModel):
    ok: bool
    conversation: ConversationOut


# ---------------------------------------------------------------- admin


class RateOut(BaseModel):
    count: int
    rate: float | None


class FirstResponseOut(BaseModel):
    priority: str
    answered: int
    p50_s: float | None
    p90_s: float | None
    breached: int
    decided: int
    breach_rate: float | None


class UnansweredOut(BaseModel):
    key: str = Field(description="The top article considered, or the normalised question when none.")
    kind: str = Field(description="article (grouped by the top article) or question (by normalised text).")
    title: str | None
    count: int
    outcomes: dict[str, int]
    languages: dict[str, int]
    examples: list[str]


class MetricsOut(BaseModel):
    since: datetime | None
    until: datetime | None
    conversations: int
    deflected: int
    deflection_rate: float | None
    handoffs: int
    handoff_rate: float | None
    handoffs_by_reason: dict[str, RateOut]
    handoffs_by_language: dict[str, RateOut]
    first_response: list[FirstResponseOut]
    sla_breaches: int
    csat_count: int
    csat_average: float | None
    helpful_votes: int
    not_helpful_votes: int
    helpful_rate: float | None
    waiting_now: int
    agents_online: int
    unanswered: list[UnansweredOut]


class StreamTicketOut(BaseModel):
    ticket: str = Field(description="Pass as ?ticket= to the matching events route; single use.")
    expires_in_s: int = Field(description="Seconds until the ticket stops working if unused.")


class AgentKeyOut(BaseModel):
    agent_id: int
    api_key: str = Field(description="The new key, shown once: only its hash is stored.")
