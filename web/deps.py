"""FastAPI dependencies as ``Annotated`` aliases: state, one DB connection per request, and auth.

Everything here reads ``request.state``, which the lifespan fills once (``web.app.AppState``). Sync
dependencies run in the threadpool, like the routes, so SQLite never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from bot.turn import Bot
from config.settings import Settings
from handoff import (
    Agent,
    Conversation,
    Database,
    TicketPurpose,
    find_by_token_hash,
    get_agent,
    get_conversation,
    key_owner,
    open_db,
    redeem_ticket,
    touch_agent,
)
from web.chat import ChatService, conversation_texts_language
from web.errors import (
    AdminDisabled,
    AgentKeyDisabled,
    ForbiddenToken,
    InvalidAdminKey,
    InvalidAgentKey,
    InvalidStreamTicket,
    InvalidToken,
    RateLimited,
    TokenExpired,
)
from web.security import RateLimits, SlidingWindow, key_matches, retry_after_header, token_hash
from web.telemetry import Telemetry

BEARER = "bearer "


def get_settings(request: Request) -> Settings:
    return request.state.settings  # type: ignore[no-any-return]


def get_bot(request: Request) -> Bot:
    return request.state.bot  # type: ignore[no-any-return]


def get_chat(request: Request) -> ChatService:
    return request.state.chat  # type: ignore[no-any-return]


def get_limits(request: Request) -> RateLimits:
    return request.state.limits  # type: ignore[no-any-return]


def get_telemetry(request: Request) -> Telemetry:
    return request.state.telemetry  # type: ignore[no-any-return]


def get_now(request: Request) -> datetime:
    """The request's notion of now (the injectable clock, so tests control SLA and wait times)."""
    clock: Callable[[], datetime] = request.state.clock
    return clock()


def get_db(request: Request) -> Iterator[Database]:
    """One connection per request, closed in ``finally`` whatever happens in the route."""
    db = open_db(request.state.settings.database, migrate=False)
    try:
        yield db
    finally:
        db.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
BotDep = Annotated[Bot, Depends(get_bot)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
LimitsDep = Annotated[RateLimits, Depends(get_limits)]
TelemetryDep = Annotated[Telemetry, Depends(get_telemetry)]
NowDep = Annotated[datetime, Depends(get_now)]
DbDep = Annotated[Database, Depends(get_db, scope="function")]


def bearer(request: Request) -> str | None:
    """The credential of ``Authorization: Bearer <credential>``, or ``None``."""
    header = request.headers.get("authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER) :].strip() or None


def client_ip(request: Request) -> str:
    # uvicorn's --proxy-headers rewrites request.client from a trusted proxy's X-Forwarded-For; the
    # header itself is never trusted here, or any client could pick a fresh IP per request.
    return request.client.host if request.client else "unknown"


TICKET_QUERY = Query(
    max_length=200,
    description="A stream ticket from the matching POST .../stream-ticket (for EventSource, which cannot set "
    "headers): single use, valid for seconds. Tokens and keys are never accepted in the URL.",
)


def _conversation_for(
    token: str | None, conversation_id: str, db: Database, *, now: datetime, idle_s: float
) -> Conversation:
    if not token:
        raise InvalidToken("a conversation token is required", headers={"WWW-Authenticate": "Bearer"})
    conv = find_by_token_hash(db, token_hash(token))
    if conv is None:
        raise InvalidToken("unknown conversation token", headers={"WWW-Authenticate": "Bearer"})
    if conv.id != conversation_id:
        # Same answer whether or not the other conversation exists: a token reveals nothing else.
        raise ForbiddenToken("this token belongs to another conversation")
    if (now - conv.updated_at).total_seconds() > idle_s:
        raise TokenExpired(
            "this conversation has been idle too long: start a new one", headers={"WWW-Authenticate": "Bearer"}
        )
    return conv


def conversation_auth(conversation_id: str, request: Request, db: DbDep, now: NowDep) -> Conversation:
    """The conversation named in the path, if the bearer token was issued for it and has not expired."""
    idle_s = request.state.settings.widget_token_idle_s
    return _conversation_for(bearer(request), conversation_id, db, now=now, idle_s=idle_s)


def stream_conversation_auth(
    conversation_id: str,
    request: Request,
    db: DbDep,
    now: NowDep,
    ticket: Annotated[str | None, TICKET_QUERY] = None,
) -> Conversation:
    """Like ``conversation_auth``, or a single-use stream ticket as ``?ticket=`` (EventSource has no headers)."""
    if ticket is None or bearer(request):
        return conversation_auth(conversation_id, request, db, now)
    subject = redeem_ticket(db, ticket, TicketPurpose.CONVERSATION, now=now)
    if subject is None:
        raise InvalidStreamTicket("unknown, used or expired stream ticket: ask for a new one")
    if subject != conversation_id:
        raise ForbiddenToken("this ticket belongs to another conversation")
    return get_conversation(db, conversation_id)


ConversationDep = Annotated[Conversation, Depends(conversation_auth)]
StreamConversationDep = Annotated[Conversation, Depends(stream_conversation_auth)]


def _refuse_if_limited(window: SlidingWindow, key: str, scope: str, telemetry: Telemetry, message: str) -> None:
    retry = window.hit(key)
    if retry is not None:
        telemetry.count("supportbot_rate_limited_total", scope=scope)
        raise RateLimited(message, headers=retry_after_header(retry))


def limit_user_writes(
    conv: ConversationDep, request: Request, limits: LimitsDep, telemetry: TelemetryDep, chat: ChatDep
) -> Conversation:
    """One hit per user write on the token's window and on the client IP's window."""
    text = chat.bot.catalog.render("rate_limited", conversation_texts_language(conv))
    _refuse_if_limited(limits.per_token, conv.id, "token", telemetry, text)
    _refuse_if_limited(limits.per_ip, client_ip(request), "ip", telemetry, text)
    return conv


def limit_conversation_starts(request: Request, limits: LimitsDep, telemetry: TelemetryDep) -> None:
    _refuse_if_limited(
        limits.starts_per_ip, client_ip(request), "start", telemetry, "too many new conversations from this address"
    )


def limit_asks(request: Request, limits: LimitsDep, telemetry: TelemetryDep) -> None:
    """``/api/v1/ask`` runs the model without a conversation: the IP's message window applies."""
    _refuse_if_limited(limits.per_ip, client_ip(request), "ip", telemetry, "too many questions from this address")


UserWriteDep = Annotated[Conversation, Depends(limit_user_writes)]


def _agent_for(key: str | None, db: Database, now: datetime) -> Agent:
    agent = key_owner(db, key) if key else None
    if agent is None:
        raise InvalidAgentKey("missing or unknown agent key", headers={"WWW-Authenticate": "Bearer"})
    if agent.disabled:
        raise AgentKeyDisabled("this agent is disabled", headers={"WWW-Authenticate": "Bearer"})
    touch_agent(db, agent.id, now=now)  # every request is a heartbeat: "agents online"
    return agent


def agent_auth(request: Request, db: DbDep, now: NowDep) -> Agent:
    """The enabled agent whose key is the bearer credential."""
    return _agent_for(bearer(request), db, now)


def stream_agent_auth(
    request: Request,
    db: DbDep,
    now: NowDep,
    ticket: Annotated[str | None, TICKET_QUERY] = None,
) -> Agent:
    """The bearer key, or a single-use stream ticket as ``?ticket=`` (EventSource has no headers)."""
    if ticket is None or bearer(request):
        return _agent_for(bearer(request), db, now)
    subject = redeem_ticket(db, ticket, TicketPurpose.AGENT, now=now)
    if subject is None:
        raise InvalidStreamTicket("unknown, used or expired stream ticket: ask for a new one")
    agent = get_agent(db, int(subject))
    if agent.disabled:
        raise AgentKeyDisabled("this agent is disabled", headers={"WWW-Authenticate": "Bearer"})
    touch_agent(db, agent.id, now=now)
    return agent


AgentDep = Annotated[Agent, Depends(agent_auth)]
StreamAgentDep = Annotated[Agent, Depends(stream_agent_auth)]


def admin_auth(request: Request, settings: SettingsDep) -> None:
    """Admin routes need ``SUPPORTBOT_ADMIN_KEY``; with none configured they are closed to everyone."""
    if not settings.admin_key:
        raise AdminDisabled("admin routes are disabled: SUPPORTBOT_ADMIN_KEY is not set")
    given = bearer(request)
    if given is None or not key_matches(given, settings.admin_key):
        raise InvalidAdminKey("missing or wrong admin key", headers={"WWW-Authenticate": "Bearer"})


AdminDep = Depends(admin_auth)

