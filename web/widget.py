"""Widget routes (``/api/v1/conversations``, ``/api/v1/i18n``) plus ``/healthz`` and ``/api/v1/ask``.

Plain ``def``: the encoder and SQLite are blocking, so FastAPI runs these in its threadpool and the
event loop never waits on model work. Every message the response says was received is committed
before the response is built (``ChatService`` writes in one transaction and returns after it).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from bot.payload import result_json
from bot.policy import Action
from bot.redaction import redact_text
from bot.turn import TurnContext
from config.languages import (
    CATALOG_VARIANTS,
    DEFAULT_LANGUAGE,
    RTL_LANGUAGES,
    SUPPORTED_LANGUAGES,
    base_language,
    catalog_language,
)
from config.settings import Settings
from handoff import (
    Conversation,
    Database,
    KeyAlreadyUsed,
    KeyClaim,
    TicketPurpose,
    find_key,
    get_conversation,
    issue_ticket,
    messages_by_id,
    record_feedback,
    request_fingerprint,
    save_response,
)
from handoff import list_messages as stored_messages
from web.chat import HANDOFF_REASONS, ChatOutcome, ChatService, conversation_texts_language
from web.deps import (
    BotDep,
    ChatDep,
    ConversationDep,
    DbDep,
    NowDep,
    SettingsDep,
    StreamConversationDep,
    TelemetryDep,
    UserWriteDep,
    limit_asks,
    limit_conversation_starts,
)
from web.errors import (
    AlreadyHandedOff,
    IdempotencyKeyMismatch,
    IdentityNotConfigured,
    IdentityRequired,
    InvalidContact,
    InvalidIdempotencyKey,
    MessageTooLong,
    NotWaiting,
)
from web.events import HEADERS, conversation_loader, conversation_stream
from web.identity import Identity, check_user_fields, verify_identity_token
from web.schemas import (
    AskRequest,
    AskResponse,
    ContactIn,
    ContactOut,
    FeedbackIn,
    FeedbackOut,
    HandoffOut,
    Health,
    I18nOut,
    MessagesOut,
    SendMessageIn,
    SendMessageOut,
    StartConversationIn,
    StartConversationOut,
    StreamTicketOut,
)
from web.security import IDEMPOTENCY_KEY, new_conversation_token, token_hash
from web.telemetry import Telemetry
from web.views import conversation_out, message_out

router = APIRouter()
MAX_SEQ = 2**62  # within SQLite's 64-bit integers, so a huge number is a 422, not an overflow
CONVERSATION = "/api/v1/conversations/{conversation_id}"
# Texts the browser needs besides ui.*: the console's labels for reasons, priorities and languages.
I18N_PREFIXES = ("ui.", "reason.", "priority.", "lang.")


@router.get("/healthz")
def healthz(bot: BotDep) -> Health:
    """Liveness and what is loaded."""
    r = bot.retriever
    return Health(status="ok", articles=len(r.articles), languages=sorted(r.languages), model=r.index.manifest.model)


@router.post("/api/v1/ask", dependencies=[Depends(limit_asks)])
def ask(body: AskRequest, bot: BotDep, settings: SettingsDep) -> AskResponse:
    """Ask one question without a conversation (no storage): the bot's full judgement."""
    if len(body.text) > settings.max_message_chars:
        raise MessageTooLong(f"a message may have at most {settings.max_message_chars} characters")
    result = bot.handle(body.text, TurnContext(locale=body.locale))
    return AskResponse.model_validate(result_json(result))


@router.post(
    "/api/v1/conversations", status_code=201, dependencies=[Depends(limit_conversation_starts)], tags=["widget"]
)
def start_conversation(
    db: DbDep,
    chat: ChatDep,
    settings: SettingsDep,
    telemetry: TelemetryDep,
    now: NowDep,
    body: StartConversationIn | None = None,
) -> StartConversationOut:
    """Start a conversation: a token for it alone, and the greeting in the locale's language."""
    body = body or StartConversationIn()
    identity = _stored_identity(_identity(body, settings, now))
    token = new_conversation_token()
    telemetry.count("supportbot_conversations_total")
    conv, greeting = chat.start(
        db,
        locale=body.locale,
        user_id=identity.user_id if identity else None,
        user_name=identity.name if identity else None,
        user_email=identity.email if identity else None,
        token_hash=token_hash(token),
    )
    out = conversation_out(db, conv, now=now)
    return StartConversationOut(
        conversation_id=conv.id,
        token=token,
        status=conv.status.value,
        language=conv.language,
        messages=[message_out(m) for m in greeting],
        conversation=out,
    )


def _identity(body: StartConversationIn, settings: Settings, now: datetime) -> Identity | None:
    """Who starts the conversation: the verified token's claims, the unverified ``user`` when
    verification is off, or nobody (anonymous, unless identity is required)."""
    user = body.user
    if not settings.identity_secret:
        if body.identity_token is not None:
            raise IdentityNotConfigured("this server verifies no identity tokens: SUPPORTBOT_IDENTITY_SECRET is not set")
        return Identity(user.id, user.email, user.name) if user else None
    if body.identity_token is None:
        if user is not None:
            raise IdentityRequired("identity verification is on: send identity_token, user fields alone are not trusted")
        if settings.identity_required:
            raise IdentityRequired("this server serves signed-in users only: identity_token is required")
        return None
    identity = verify_identity_token(settings.identity_secret, body.identity_token, now=now)
    if user is not None:
        check_user_fields(identity, user.id, user.email, user.name)
    return identity


def _stored_identity(identity: Identity | None) -> Identity | None:
    """What is stored of an identity: its free-text fields go through the one redaction function."""
    if identity is None:
        return None
    return Identity(identity.user_id, redact_text(identity.email), redact_text(identity.name))


@router.post(f"{CONVERSATION}/messages", status_code=201, response_model=SendMessageOut, tags=["widget"])
def post_message(
    body: SendMessageIn,
    conv: UserWriteDep,
    db: DbDep,
    chat: ChatDep,
    settings: SettingsDep,
    telemetry: TelemetryDep,
    now: NowDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="1-200 printable ASCII characters, one per message; a retry with the same key "
            "returns the first result and stores nothing new.",
        ),
    ] = None,
) -> SendMessageOut | JSONResponse:
    """One user message: stored (secrets redacted), then answered, clarified or handed to a person."""
    if len(body.text) > settings.max_message_chars:
        raise MessageTooLong(chat.bot.catalog.render("message_too_long", conversation_texts_language(conv)))
    if idempotency_key is None:
        return _answer(db, chat, telemetry, conv, body.text, now)
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidIdempotencyKey("Idempotency-Key must be 1-200 printable ASCII characters")
    # Of the redacted text: the hash of a short secret (a 6-digit code) could be reversed by trying them all.
    fingerprint = request_fingerprint({"text": redact_text(body.text)})
    replay = _replay(db, conv.id, idempotency_key, fingerprint, now)
    if replay is not None:
        return replay

    try:
        out = _answer(db, chat, telemetry, conv, body.text, now, KeyClaim(idempotency_key, fingerprint))
    except KeyAlreadyUsed:
        # A concurrent retry with the same key won the race; its messages are the ones kept.
        replay = _replay(db, conv.id, idempotency_key, fingerprint, now)
        if replay is None:
            raise
        return replay
    payload = out.model_dump(mode="json")
    save_response(db, conv.id, idempotency_key, payload, now=now)
    return JSONResponse(payload, status_code=201)


def _answer(
    db: Database,
    chat: ChatService,
    telemetry: Telemetry,
    conv: Conversation,
    text: str,
    now: datetime,
    claim: KeyClaim | None = None,
) -> SendMessageOut:
    started = time.perf_counter()
    outcome = chat.handle(db, conv.id, text, claim=claim)
    _count(telemetry, outcome, time.perf_counter() - started)
    return SendMessageOut(
        message=message_out(outcome.user_message),
        replies=[message_out(m) for m in outcome.replies],
        conversation=conversation_out(db, outcome.conversation, now=now),
    )


def _replay(db: Database, conversation_id: str, key: str, fingerprint: str, now: datetime) -> JSONResponse | None:
    """The first result of ``key`` (rebuilt from its stored messages if the process died before saving it)."""
    stored = find_key(db, conversation_id, key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyMismatch("this Idempotency-Key was already used with a different request body")
    payload = stored.response
    if payload is None:
        messages = messages_by_id(db, stored.message_ids)
        current = get_conversation(db, conversation_id)
        payload = SendMessageOut(
            message=message_out(messages[0]),
            replies=[message_out(m) for m in messages[1:]],
            conversation=conversation_out(db, current, now=now),
        ).model_dump(mode="json")
        save_response(db, conversation_id, key, payload, now=now)
    return JSONResponse(dict(payload), status_code=stored.status_code)


@router.get(f"{CONVERSATION}/messages", tags=["widget"])
def list_messages(
    conv: ConversationDep,
    db: DbDep,
    now: NowDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="Only messages with a larger seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> MessagesOut:
    """Messages after ``seq`` (for polling or catching up) and the conversation's state."""
    messages = stored_messages(db, conv.id, after, limit=limit)
    current = get_conversation(db, conv.id)
    return MessagesOut(messages=[message_out(m) for m in messages], conversation=conversation_out(db, current, now=now))


@router.get(f"{CONVERSATION}/events", response_class=StreamingResponse, tags=["widget"])
def conversation_events(
    conv: StreamConversationDep,
    request: Request,
    settings: SettingsDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ, description="Resume after this seq (like Last-Event-ID).")] = None,
    once: Annotated[bool, Query(description="Send what is pending, then end the stream.")] = False,
    last_event_id: Annotated[str | None, Header(pattern=r"^\d{1,18}$")] = None,
) -> StreamingResponse:
    """Server-Sent Events: ``message`` for each new message (id = seq), ``conversation`` on changes."""
    start = max(after or 0, int(last_event_id) if last_event_id else 0)
    load = conversation_loader(settings.database, conv.id, request.state.clock)
    stream = conversation_stream(
        request, load, start, request.state.streams, once=once, wakeups=request.state.wakeups, conversation_id=conv.id
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)


@router.post(f"{CONVERSATION}/stream-ticket", tags=["widget"])
def conversation_stream_ticket(conv: ConversationDep, db: DbDep, settings: SettingsDep, now: NowDep) -> StreamTicketOut:
    """Trade the token (``Authorization`` header) for a single-use ticket that opens this conversation's
    event stream as ``?ticket=``, so no long-lived credential is ever put in a URL."""
    ttl = settings.stream_ticket_ttl_s
    ticket = issue_ticket(db, TicketPurpose.CONVERSATION, conv.id, ttl_s=ttl, now=now)
    return StreamTicketOut(ticket=ticket, expires_in_s=ttl)


@router.post(f"{CONVERSATION}/handoff", tags=["widget"])
def request_handoff(conv: UserWriteDep, db: DbDep, chat: ChatDep, telemetry: TelemetryDep, now: NowDep) -> HandoffOut:
    """The "talk to an agent" button: queue the conversation for a person at normal priority."""
    outcome = chat.request_human(db, conv.id)
    if outcome is None:
        raise AlreadyHandedOff("a support agent is already on the way or in this conversation")
    telemetry.count("supportbot_handoffs_total", reason="user_request")
    for m in outcome.replies:
        telemetry.count("supportbot_messages_total", sender=m.sender.value)
    return HandoffOut(
        replies=[message_out(m) for m in outcome.replies],
        conversation=conversation_out(db, outcome.conversation, now=now),
    )


@router.post(f"{CONVERSATION}/withdraw", tags=["widget"])
def withdraw_handoff(conv: UserWriteDep, db: DbDep, chat: ChatDep, now: NowDep) -> HandoffOut:
    """"Never mind, I found it": while still waiting, cancel the request for a person and go back to
    the assistant; 409 ``not_waiting`` once an agent has joined (or when none was asked for)."""
    written = chat.withdraw(db, conv.id)
    if written is None:
        raise NotWaiting("this conversation is not waiting for an agent")
    return HandoffOut(
        replies=[message_out(m) for m in written.messages],
        conversation=conversation_out(db, written.conversation, now=now),
    )


@router.post(f"{CONVERSATION}/feedback", status_code=201, tags=["widget"])
def give_feedback(body: FeedbackIn, conv: UserWriteDep, db: DbDep, chat: ChatDep, now: NowDep) -> FeedbackOut:
    """A helpful yes/no on a bot answer (``message_id`` + ``helpful``) or a 1-5 rating after resolve."""
    record_feedback(
        db, conv.id, message_id=body.message_id, helpful=body.helpful, rating=body.rating,
        comment=redact_text(body.comment), now=now,
    )
    key = "csat_thanks" if body.rating is not None else "helpful_thanks"
    return FeedbackOut(ok=True, message=chat.bot.catalog.render(key, conversation_texts_language(conv)))


@router.post(f"{CONVERSATION}/contact", tags=["widget"])
def leave_contact(body: ContactIn, conv: UserWriteDep, db: DbDep, chat: ChatDep, now: NowDep) -> ContactOut:
    """An email address for a reply when no agent is online; confirmed in the user's language.

    An address with a secret in it is refused (``invalid_contact``), so it is never stored."""
    if redact_text(body.contact) != body.contact:
        raise InvalidContact(chat.bot.catalog.render("contact_invalid", conversation_texts_language(conv)))
    current, message = chat.leave_contact(db, conv.id, body.contact)
    return ContactOut(ok=True, message=message_out(message), conversation=conversation_out(db, current, now=now))


@router.get("/api/v1/i18n/{lang}", tags=["widget"])
def i18n(lang: str, bot: BotDep) -> I18nOut:
    """The widget's and the console's texts in one language (unknown languages get English);
    ``zh-TW``, ``zh-HK``, ``zh-MO`` and ``zh-Hant`` get the Traditional Chinese catalog (``lang`` is
    then ``zh-Hant``)."""
    base = base_language(lang)
    variant = catalog_language(lang)
    code = variant if variant in CATALOG_VARIANTS else base if base in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    texts: dict[str, str] = {}
    for prefix in I18N_PREFIXES:
        texts.update(bot.catalog.for_language(code, prefix))
    return I18nOut(
        lang=code, dir="rtl" if base_language(code) in RTL_LANGUAGES else "ltr", texts=texts, languages=list(SUPPORTED_LANGUAGES)
    )


def _count(telemetry: Telemetry, outcome: ChatOutcome, seconds: float) -> None:
    telemetry.count("supportbot_messages_total", sender="user")
    for m in outcome.replies:
        telemetry.count("supportbot_messages_total", sender=m.sender.value)
    turn = outcome.turn
    if turn is None:  # a person owns the conversation: stored for them, no bot turn
        return
    telemetry.observe_turn(seconds)
    telemetry.count("supportbot_bot_replies_total", action=turn.decision.action.value)
    if turn.decision.action is Action.handoff:
        reason = HANDOFF_REASONS.get(turn.decision.reason, turn.decision.reason.value)
        telemetry.count("supportbot_handoffs_total", reason=reason)
