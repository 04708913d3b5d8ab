"""Errors the bot's HTTP layer and chat service raise on purpose.

Like ``handoff.errors`` and ``retrieval.errors``, each class carries an HTTP ``status_code`` and a
stable snake_case ``code``, so ``create_app`` renders all of them with one handler. ``headers`` carries
``Retry-After`` or ``WWW-Authenticate`` when the status needs one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error shape of every 4xx/5xx response: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


class BotError(Exception):
    """Base class; the message is shown to the client, so it never holds a secret or a traceback."""

    status_code: int = 500
    code: str = "bot_error"

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = dict(headers or {})


class InvalidToken(BotError):
    """No conversation token, or one that belongs to no conversation."""

    status_code = 401
    code = "invalid_token"


class TokenExpired(BotError):
    """A widget token whose conversation has been idle longer than ``widget_token_idle_s``."""

    status_code = 401
    code = "token_expired"


class InvalidStreamTicket(BotError):
    """A stream ticket that is unknown, already used, expired, or for another purpose."""

    status_code = 401
    code = "invalid_stream_ticket"


class ForbiddenToken(BotError):
    """A valid token used on a conversation it was not issued for."""

    status_code = 403
    code = "forbidden_token"


class IdentityRequired(BotError):
    """Identity verification is on and the widget sent user details without a token, or (with
    ``identity_required``) no identity token at all."""

    status_code = 401
    code = "identity_required"


class IdentityInvalid(BotError):
    """An identity token that is not ours: bad signature (forged or edited), another algorithm,
    malformed, or without the ``sub`` and ``exp`` claims."""

    status_code = 403
    code = "identity_invalid"


class IdentityExpired(BotError):
    """A correctly signed identity token past its ``exp`` (beyond the small clock leeway)."""

    status_code = 401
    code = "identity_expired"


class IdentityMismatch(BotError):
    """``user`` fields sent next to a valid token that say something other than its claims."""

    status_code = 403
    code = "identity_mismatch"


class IdentityNotConfigured(BotError):
    """An identity token sent to a server without ``SUPPORTBOT_IDENTITY_SECRET``: it cannot be verified."""

    status_code = 422
    code = "identity_not_configured"


class InvalidAgentKey(BotError):
    """Missing, unknown or disabled agent key."""

    status_code = 401
    code = "invalid_agent_key"


class AgentKeyDisabled(BotError):
    """A known agent key whose agent an admin has disabled (the console says so, not "invalid key")."""

    status_code = 401
    code = "agent_disabled"


class AdminDisabled(BotError):
    """No admin key is configured, so admin routes are closed."""

    status_code = 403
    code = "admin_disabled"


class InvalidAdminKey(BotError):
    """Missing or wrong admin key."""

    status_code = 401
    code = "invalid_admin_key"


class RateLimited(BotError):
    """Too many requests in the sliding window; ``Retry-After`` says when to try again."""

    status_code = 429
    code = "rate_limited"


class MessageTooLong(BotError):
    """A user or agent message longer than ``settings.max_message_chars``."""

    status_code = 413
    code = "message_too_long"


class RequestTooLarge(BotError):
    """A request body over the server's byte limit."""

    status_code = 413
    code = "request_too_large"


class NotWaiting(BotError):
    """A withdrawal of a handoff that is not waiting (an agent has joined, or none was asked for)."""

    status_code = 409
    code = "not_waiting"


class AlreadyHandedOff(BotError):
    """The user asked for a person while one is already on the way or in the chat."""

    status_code = 409
    code = "already_handed_off"


class QueueEmpty(BotError):
    """``claim-next`` found no conversation this agent may take."""

    status_code = 404
    code = "queue_empty"


class NotYourConversation(BotError):
    """An agent asked for a conversation they neither hold nor may take."""

    status_code = 403
    code = "not_your_conversation"


class InvalidContact(BotError):
    """The address left for a reply does not look like an email address."""

    status_code = 422
    code = "invalid_contact"


class InvalidPeriod(BotError):
    """A report period whose bounds cannot be expressed in UTC (a year-1 date with a positive offset)."""

    status_code = 422
    code = "invalid_period"


class MetricsForbidden(BotError):
    """``/metrics`` from another machine without the metrics key."""

    status_code = 403
    code = "metrics_forbidden"


class InvalidIdempotencyKey(BotError):
    """An ``Idempotency-Key`` header that is empty, longer than 200 characters or not printable ASCII."""

    status_code = 422
    code = "invalid_idempotency_key"


class IdempotencyKeyMismatch(BotError):
    """An ``Idempotency-Key`` reused on the same conversation with a different request body."""

    status_code = 422
    code = "idempotency_key_mismatch"
