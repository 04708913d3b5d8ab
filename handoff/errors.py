"""Domain errors of the handoff package.

Each class carries an HTTP ``status_code`` and a stable snake_case ``code`` as class attributes, so the
app's single error handler can render ``{"detail": str(exc), "code": exc.code}`` without knowing any
handoff internals.
"""


class HandoffError(Exception):
    """Base class of every error the handoff package raises on purpose."""

    status_code: int = 500
    code: str = "handoff_error"


class NotFound(HandoffError):
    """A referenced row does not exist."""

    status_code = 404
    code = "not_found"


class ConversationNotFound(NotFound):
    """No conversation has the given id."""

    code = "conversation_not_found"


class AgentNotFound(NotFound):
    """No agent has the given id."""

    code = "agent_not_found"


class IllegalTransition(HandoffError):
    """A conversation was asked to move between two states the state machine does not connect."""

    status_code = 409
    code = "illegal_transition"

    def __init__(self, conversation_id: str, from_status: str, to_status: str) -> None:
        self.conversation_id = conversation_id
        self.from_status = str(from_status)
        self.to_status = str(to_status)
        super().__init__(
            f"conversation {conversation_id} cannot move from {self.from_status} to {self.to_status}"
        )


class ConversationExists(HandoffError):
    """A conversation with that id (or widget token) already exists."""

    status_code = 409
    code = "conversation_exists"


class NotInQueue(HandoffError):
    """The conversation has no waiting or claimed queue entry."""

    status_code = 409
    code = "not_in_queue"


class AlreadyClaimed(HandoffError):
    """Another agent holds the conversation."""

    status_code = 409
    code = "already_claimed"


class OverCapacity(HandoffError):
    """The agent already holds as many conversations as its capacity allows."""

    status_code = 409
    code = "over_capacity"


class NotClaimedByAgent(HandoffError):
    """The agent acted on a conversation it does not hold."""

    status_code = 403
    code = "not_your_conversation"


class AgentDisabled(HandoffError):
    """The agent has been disabled and may not take work."""

    status_code = 403
    code = "agent_disabled"


class InvalidFeedback(HandoffError):
    """Feedback that breaks a rule: rating range, message ownership, CSAT before resolve."""

    status_code = 422
    code = "invalid_feedback"


class InvalidInput(HandoffError):
    """An argument outside its allowed form: a language code, a capacity, a contact address."""

    status_code = 422
    code = "invalid_input"


class LanguageNotAllowed(HandoffError):
    """An agent reached for a waiting conversation outside their languages before the routing timeout."""

    status_code = 403
    code = "language_not_allowed"


class DatabaseBusy(HandoffError):
    """The write lock stayed taken for the whole busy timeout; nothing of the request was written.

    A 503 with ``Retry-After``: the client retries (the widget with the same ``Idempotency-Key``,
    so a retry can never store a message twice).
    """

    status_code = 503
    code = "database_busy"


def is_busy(exc: BaseException) -> bool:
    """True for the driver's "database is locked/busy" error, which a retry may cure: SQLite's
    "locked", PostgreSQL's serialization failure, deadlock or lock timeout, and no free connection
    in the pool within its timeout."""
    import sqlite3

    import psycopg
    import psycopg_pool

    if isinstance(exc, psycopg_pool.PoolTimeout | psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected):
        return True
    if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text
