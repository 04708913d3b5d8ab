"""Agent key rotation: a new key for an agent, the old one refused from that moment on."""

from handoff.agents import get_agent
from handoff.credentials import hash_secret, new_api_key
from handoff.db import Database
from handoff.errors import AgentNotFound
from handoff.models import Agent


def rotate_key(db: Database, agent_id: int) -> tuple[Agent, str]:
    """Replace the agent's key; return the agent and the new plain key (shown once, stored hashed).

    The old key's hash is overwritten in the same write, so no request authenticates with it after
    this commits.

    :raises AgentNotFound: if there is no such agent.
    """
    key = new_api_key()
    with db.atomic():
        get_agent(db, agent_id)
        db.execute("UPDATE agents SET key_hash = ? WHERE id = ?", [hash_secret(key), agent_id])
        return get_agent(db, agent_id), key


def find_agent_id(db: Database, ref: str) -> int:
    """An agent id from ``ref``: an id, or a name that exactly one agent has.

    :raises AgentNotFound: no agent, or a name shared by several (use the id then).
    """
    if ref.isdigit():
        return get_agent(db, int(ref)).id
    rows = list(db.query("SELECT id FROM agents WHERE name = ?", [ref]))
    if len(rows) != 1:
        raise AgentNotFound(f"no single agent named {ref!r}: {len(rows)} found; use the agent id")
    agent_id: int = rows[0]["id"]
    return agent_id
