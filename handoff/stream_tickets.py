"""Stream tickets: a short-lived, single-use credential that opens one Server-Sent Events stream.

EventSource cannot set headers, and a long-lived token or key in a URL ends up in access logs and
proxies. A client trades its credential (sent in the ``Authorization`` header) for a ticket that
names one purpose and one subject (a conversation id or an agent id), lives for seconds and is
deleted by the request that redeems it. Only its sha256 digest is stored.
"""

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from handoff.credentials import hash_secret
from handoff.db import Database, write_returning
from handoff.timestamps import to_iso

TICKET_PREFIX = "sbt_"


class TicketPurpose(StrEnum):
    """What a ticket may open."""

    CONVERSATION = "conversation"
    AGENT = "agent"


def issue_ticket(db: Database, purpose: TicketPurpose, subject: str, *, ttl_s: float, now: datetime) -> str:
    """Store a fresh ticket for ``subject`` and return it (the plain value is not kept).

    Expired tickets are swept on the way, so the table holds at most a minute or so of them.
    """
    ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
    stamp = to_iso(now)
    with db.atomic():
        db.execute("DELETE FROM stream_tickets WHERE expires_at <= ?", [stamp])
        db.execute(
            "INSERT INTO stream_tickets (ticket_hash, purpose, subject, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [hash_secret(ticket), str(purpose), subject, to_iso(now + timedelta(seconds=ttl_s)), stamp],
        )
    return ticket


def redeem_ticket(db: Database, ticket: str, purpose: TicketPurpose, *, now: datetime) -> str | None:
    """The subject of a current ticket for ``purpose``, deleting it; ``None`` if unknown, used or expired.

    One ``DELETE ... RETURNING`` makes the ticket single-use even when two requests race for it.
    """
    rows = write_returning(
        db,
        "DELETE FROM stream_tickets WHERE ticket_hash = :h RETURNING purpose, subject, expires_at",
        {"h": hash_secret(ticket)},
    )
    if not rows or rows[0]["purpose"] != str(purpose) or rows[0]["expires_at"] <= to_iso(now):
        return None
    subject: str = rows[0]["subject"]
    return subject
