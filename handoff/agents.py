"""Agents: creation with a one-time API key, authentication, heartbeat, disabling, presence."""

import hmac
import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from handoff.credentials import hash_secret, new_api_key
from handoff.db import Database, write_returning
from handoff.entries import held_by
from handoff.errors import AgentNotFound, InvalidInput
from handoff.languages import normalize_language, normalize_languages
from handoff.models import Agent
from handoff.tickets import release
from handoff.timestamps import to_iso

ONLINE_WINDOW_S = 90.0
MAX_CAPACITY = 50


def add_agent(
    db: Database, *, name: str, languages: Iterable[str], capacity: int = 3, now: datetime
) -> tuple[Agent, str]:
    """Create an agent and its API key.

    :param languages: ISO 639-1 codes the agent answers in, most fluent first.
    :param capacity: how many conversations the agent may hold at once (1 to 50).
    :returns: the agent and the plain API key, which is not stored and cannot be shown again.
    :raises InvalidInput: on a blank name, a bad language code or a capacity out of range.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("agent name is empty")
    if isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"capacity must be between 1 and {MAX_CAPACITY}, got {capacity!r}")
    api_key = new_api_key()
    rows = write_returning(
        db,
        "INSERT INTO agents (name, languages, capacity, key_hash, disabled, created_at) "
        "VALUES (:name, :languages, :capacity, :key_hash, 0, :now) RETURNING *",
        {
            "name": name,
            "languages": json.dumps(list(normalize_languages(languages))),
            "capacity": capacity,
            "key_hash": hash_secret(api_key),
            "now": to_iso(now),
        },
    )
    return Agent.from_row(rows[0]), api_key


def authenticate(db: Database, api_key: str) -> Agent | None:
    """Return the enabled agent owning ``api_key``, or ``None`` (unknown key or disabled agent).

    The lookup is by hash; the final comparison is constant-time so response timing says nothing
    about how close a guessed key's hash came.
    """
    key_hash = hash_secret(api_key)
    rows = list(db.query("SELECT * FROM agents WHERE key_hash = ?", [key_hash]))
    if not rows or not hmac.compare_digest(rows[0]["key_hash"], key_hash) or rows[0]["disabled"]:
        return None
    return Agent.from_row(rows[0])


def key_owner(db: Database, api_key: str) -> Agent | None:
    """The agent owning ``api_key`` whether enabled or not (``None`` for an unknown key), so a sign-in
    can say *why* it is refused: an unknown key, or a known key of a disabled agent."""
    key_hash = hash_secret(api_key)
    rows = list(db.query("SELECT * FROM agents WHERE key_hash = ?", [key_hash]))
    if not rows or not hmac.compare_digest(rows[0]["key_hash"], key_hash):
        return None
    return Agent.from_row(rows[0])


def get_agent(db: Database, agent_id: int) -> Agent:
    """Return the agent.

    :raises AgentNotFound: if there is no such agent.
    """
    rows = list(db.query("SELECT * FROM agents WHERE id = ?", [agent_id]))
    if not rows:
        raise AgentNotFound(f"agent {agent_id} not found")
    return Agent.from_row(rows[0])


def list_agents(db: Database) -> list[Agent]:
    """Return every agent, enabled or not, by id."""
    return [Agent.from_row(row) for row in db.query("SELECT * FROM agents ORDER BY id")]


def disable_agent(db: Database, agent_id: int, *, now: datetime) -> Agent:
    """Disable an agent: its key stops working and the conversations it held go back to the queue.

    Released conversations keep their original waiting time, so they are served first.

    :raises AgentNotFound: if there is no such agent.
    """
    with db.atomic():
        agent = _set_disabled(db, agent_id, disabled=True)
        for entry in held_by(db, agent_id):
            release(db, entry.conversation_id, agent_id, now=now, reason="agent_disabled", actor="system")
    return agent


def enable_agent(db: Database, agent_id: int) -> Agent:
    """Re-enable a disabled agent (its existing key works again).

    :raises AgentNotFound: if there is no such agent.
    """
    return _set_disabled(db, agent_id, disabled=False)


def touch_agent(db: Database, agent_id: int, *, now: datetime) -> None:
    """Record an agent heartbeat; agents seen within the online window count as online.

    :raises AgentNotFound: if there is no such agent.
    """
    cursor = db.execute("UPDATE agents SET last_seen_at = ? WHERE id = ?", [to_iso(now), agent_id])
    if cursor.rowcount == 0:
        raise AgentNotFound(f"agent {agent_id} not found")


def agents_online(
    db: Database, *, now: datetime, window_s: float = ONLINE_WINDOW_S, language: str | None = None
) -> int:
    """Count enabled agents with a heartbeat in the last ``window_s`` seconds.

    :param language: only count agents who speak it.
    """
    sql = "SELECT COUNT(*) FROM agents WHERE disabled = 0 AND last_seen_at >= :since"
    params: dict[str, object] = {"since": to_iso(now - timedelta(seconds=window_s))}
    if language is not None:
        sql += " AND EXISTS (SELECT 1 FROM json_each(agents.languages) WHERE value = :language)"
        params["language"] = normalize_language(language)
    return int(db.execute(sql, params).fetchone()[0])


def _set_disabled(db: Database, agent_id: int, *, disabled: bool) -> Agent:
    rows = write_returning(
        db,
        "UPDATE agents SET disabled = :disabled WHERE id = :id RETURNING *",
        {"disabled": int(disabled), "id": agent_id},
    )
    if not rows:
        raise AgentNotFound(f"agent {agent_id} not found")
    return Agent.from_row(rows[0])
