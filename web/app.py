"""The FastAPI application factory: ``uvicorn --factory web.app:create_app``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.turn import Bot
from config.settings import Settings
from handoff import DatabaseBusy, HandoffError, is_busy
from retrieval import Embedder, RetrievalError
from web.access_log import install_credential_filter
from web.chat import ChatService, utcnow
from web.errors import BotError, error_body
from web.events import StreamTiming, Wakeups
from web.pages import STATIC
from web.security import MAX_BODY_BYTES, BodyLimitMiddleware, Cors, RateLimits, SecurityHeadersMiddleware
from web.telemetry import Telemetry

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
}


class AppState(TypedDict):
    """What the lifespan builds once; every request reads it from ``request.state``."""

    settings: Settings
    bot: Bot
    chat: ChatService
    limits: RateLimits
    telemetry: Telemetry
    clock: Callable[[], datetime]
    streams: StreamTiming
    wakeups: Wakeups


def create_app(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    bot: Bot | None = None,
    clock: Callable[[], datetime] | None = None,
    streams: StreamTiming | None = None,
    static_dir: Path | None = None,
) -> FastAPI:
    """Build the app; the model, index and database are opened in the lifespan, once.

    :param embedder: reuse a loaded model (tests share one per session); it is served through a
        ``MicroBatcher`` like the model the settings name.
    :param bot: reuse a fully built bot; ``embedder`` is then ignored.
    :param clock: returns the aware "now" used for every stored time, SLA and wait (tests move it).
    :param streams: SSE poll, keep-alive and lifetime settings.
    """
    settings = settings or Settings()
    clock = clock or utcnow
    install_credential_filter()  # before any request: uvicorn's access log prints full paths

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[AppState]:
        from bot.assembly import build_bot, load_embedder
        from handoff import ChangeListener, open_db
        from retrieval.batching import MicroBatcher

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        open_db(settings.database).close()  # WAL and migrations, once, before any request
        batcher = None
        if bot is None:
            # Requests run on the threadpool; their encodes meet in one batch on the batcher's thread.
            batcher = MicroBatcher(
                embedder or load_embedder(settings),
                window_s=settings.encode_batch_window_ms / 1000,
                max_batch=settings.encode_max_batch,
            )
        built = bot or build_bot(settings, embedder=batcher)
        # PostgreSQL: what other workers commit wakes this worker's streams (SQLite: they poll).
        wakeups = Wakeups(asyncio.get_running_loop())
        listener = ChangeListener(settings.database, wakeups.wake).start()
        if bot is None:
            from bot.language import warm_up

            warm_up(built.language_backend)  # the detector's models now, not on the first message
        state = AppState(
            settings=settings,
            bot=built,
            chat=ChatService(built, any_language_after_s=settings.any_language_after_s, clock=clock),
            limits=RateLimits.per_minute(settings.rate_limit_per_minute),
            telemetry=Telemetry(),
            clock=clock,
            streams=streams or StreamTiming(),
            wakeups=wakeups,
        )
        try:
            yield state
        finally:
            listener.close()
            if batcher is not None:
                batcher.close()

    app = FastAPI(title="supportbot", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.static_dir = static_dir or STATIC
    _add_error_handlers(app)

    from web import admin, agent, helpcenter, openapi, pages, widget

    app.include_router(widget.router)
    app.include_router(agent.router)
    app.include_router(admin.router)
    app.include_router(pages.router)
    app.include_router(helpcenter.router)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=app.state.static_dir, check_dir=False), name="static")

    # Last added runs first: CORS answers preflights before the body limit reads anything.
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        Cors,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """One error shape, ``{"error": {"code", "message"}}``, for every 4xx and 5xx; never a traceback."""

    @app.exception_handler(BotError)
    @app.exception_handler(HandoffError)
    @app.exception_handler(RetrievalError)
    async def _domain_error(request: Request, exc: BotError | HandoffError | RetrievalError) -> JSONResponse:
        status = exc.status_code
        headers = getattr(exc, "headers", None) or None
        if status >= 500:
            log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc)
            return JSONResponse(error_body(exc.code, "internal error"), status_code=status)
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":
            body = error_body("invalid_request", "the request body is not valid JSON")
            body["error"]["field"] = None
            return JSONResponse(body, status_code=422)
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        body = error_body("invalid_request", f"{where or 'request body'}: {first.get('msg', 'invalid')}")
        body["error"]["field"] = where or None
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_busy(exc):
            # The write lock stayed taken past the busy timeout: the transaction rolled back, so a
            # retry is safe (the widget's carries the same Idempotency-Key). A 503, not a 500.
            log.warning("database busy on %s %s", request.method, request.url.path)
            busy = DatabaseBusy("the service is busy; retry in a moment")
            return JSONResponse(error_body(busy.code, str(busy)), status_code=503, headers={"Retry-After": "1"})
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error"), status_code=500)
