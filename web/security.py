"""Conversation tokens, key comparison, rate limits and the body limit.

Tokens and keys are 256-bit random values stored only as sha256 digests (``handoff.credentials``);
every comparison of a secret-derived value is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handoff import hash_secret
from web.errors import error_body

TOKEN_BYTES = 32
MAX_BODY_BYTES = 64 * 1024
# One IP may carry many visitors (an office, a mobile carrier's NAT), so it gets a few conversations'
# worth of budget; one token is one visitor.
IP_BUDGET_FACTOR = 3
WINDOW_S = 60.0
# Like Stripe's: any printable ASCII, bounded; a UUID per message is what the widget sends.
IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,200}")
_SWEEP_EVERY = 1024


def new_conversation_token() -> str:
    """A fresh widget token: 32 random bytes, URL-safe base64 (256 bits, well over the 128 required)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The sha256 hex digest stored in ``conversations.token_hash`` in place of the token."""
    return hash_secret(token)


def key_matches(given: str, configured: str) -> bool:
    """Compare two keys by their sha256 digests in constant time (equal lengths, no early exit)."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8")).digest(), hashlib.sha256(configured.encode("utf-8")).digest()
    )


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window_s`` seconds; in memory, thread-safe.

    Refused hits are not counted, so a client that waits ``Retry-After`` always gets through.
    """

    def __init__(self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def hit(self, key: str) -> float | None:
        """Count one hit for ``key``; return ``None`` if allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % _SWEEP_EVERY == 0:
                self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window_s - now
            hits.append(now)
            return None

    def _sweep(self, now: float) -> None:
        # Forget idle keys so one-off visitors do not grow the table forever.
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window_s]:
            del self._hits[key]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The server's windows: user writes per token and per IP, conversation starts per IP."""

    per_token: SlidingWindow
    per_ip: SlidingWindow
    starts_per_ip: SlidingWindow

    @classmethod
    def per_minute(cls, limit: int, clock: Callable[[], float] = time.monotonic) -> RateLimits:
        return cls(
            per_token=SlidingWindow(limit, clock=clock),
            per_ip=SlidingWindow(limit * IP_BUDGET_FACTOR, clock=clock),
            starts_per_ip=SlidingWindow(limit * IP_BUDGET_FACTOR, clock=clock),
        )


def retry_after_header(seconds: float) -> dict[str, str]:
    """``Retry-After`` in whole seconds, never 0 (a client retrying at once would be refused again)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


# Pages (demo, console, help) run only our own scripts, are never framed by another site, and send
# nothing to other origins. Inline styles stay allowed: the widget's Shadow DOM carries its own <style>.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
PAGE_HEADERS = (
    (b"content-security-policy", PAGE_CSP.encode()),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeadersMiddleware:
    """``nosniff`` and a referrer policy on every response; a strict CSP and no framing on HTML pages.

    The widget script itself is served cross-origin to the sites that embed it, so it gets only the
    common headers: the embedding page's own policy governs where it runs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                extra = COMMON_HEADERS + (PAGE_HEADERS if content_type.startswith(b"text/html") else ())
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 ``request_too_large`` in the one error shape.

    The body is read before the app runs (it is small by construction) so the refusal never races a
    half-sent response; ``Content-Length`` is checked first so an honest large upload is refused unread.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await JSONResponse(error_body("bad_request", "invalid Content-Length"), status_code=400)(scope, receive, send)
            return
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            error_body("request_too_large", f"request body is larger than {self.max_bytes} bytes"),
            status_code=413,
        )
        await response(scope, receive, send)


class Cors(CORSMiddleware):
    """Starlette's CORS with the allow-list from settings; a refused preflight gets the one error shape.

    With an empty allow-list only same-origin pages (which send no preflight) can call the API.
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        reason = bytes(response.body).decode("utf-8", "replace")
        return JSONResponse(
            error_body("cors_denied", f"{reason} (origin {request_headers.get('origin', '?')!r})"),
            status_code=403,
            headers={"Vary": "Origin"},
        )
