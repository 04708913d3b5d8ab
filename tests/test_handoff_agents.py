"""Agents: keys shown once and stored hashed, authentication, disabling, presence."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from handoff.agents import (
    add_agent,
    agents_online,
    authenticate,
    disable_agent,
    enable_agent,
    get_agent,
    list_agents,
    touch_agent,
)
from handoff.db import open_db
from handoff.errors import AgentNotFound, InvalidInput

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def test_add_agent_returns_agent_and_prefixed_key(db: Database) -> None:
    agent, key = add_agent(db, name=" Li Wei ", languages=["ZH", "en", "zh"], capacity=4, now=T0)
    assert (agent.name, agent.languages, agent.capacity, agent.disabled) == ("Li Wei", ("zh", "en"), 4, False)
    assert key.startswith("sbk_") and len(key) > 40
    assert get_agent(db, agent.id) == agent
    assert list_agents(db) == [agent]


def test_add_agent_keys_are_unique(db: Database) -> None:
    keys = {add_agent(db, name="a", languages=["en"], now=T0)[1] for _ in range(5)}
    assert len(keys) == 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": " "},
        {"languages": []},
        {"languages": ["english"]},
        {"capacity": 0},
        {"capacity": 51},
        {"capacity": True},
    ],
)
def test_add_agent_with_invalid_input_raises_422(db: Database, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"name": "a", "languages": ["en"], "capacity": 3, **kwargs}
    with pytest.raises(InvalidInput) as caught:
        add_agent(db, now=T0, **args)  # type: ignore[arg-type]
    assert caught.value.status_code == 422
    assert list_agents(db) == []


def test_add_agent_stores_only_the_hash_of_the_key(sqlite_path: Path) -> None:
    path = sqlite_path  # the file's bytes are what is checked
    db = open_db(path)
    agent, key = add_agent(db, name="a", languages=["en"], now=T0)
    stored = db.execute("SELECT key_hash FROM agents WHERE id = ?", [agent.id]).fetchone()[0]
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    db.close()  # the last connection closing checkpoints the WAL into the main file
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    data = b"".join(p.read_bytes() for p in files)
    assert key.encode() not in data
    assert key.removeprefix("sbk_").encode() not in data
    assert stored.encode() in data


def test_authenticate_with_right_key_returns_agent(db: Database) -> None:
    agent, key = add_agent(db, name="a", languages=["en"], now=T0)
    assert authenticate(db, key) == agent


@pytest.mark.parametrize("key", ["", "sbk_", "sbk_wrong", "not a key"])
def test_authenticate_with_wrong_key_returns_none(db: Database, key: str) -> None:
    add_agent(db, name="a", languages=["en"], now=T0)
    assert authenticate(db, key) is None


def test_authenticate_when_disabled_returns_none_until_enabled(db: Database) -> None:
    agent, key = add_agent(db, name="a", languages=["en"], now=T0)
    assert disable_agent(db, agent.id, now=T0).disabled
    assert authenticate(db, key) is None
    enable_agent(db, agent.id)
    assert authenticate(db, key) is not None


def test_disable_agent_when_missing_raises_404(db: Database) -> None:
    with pytest.raises(AgentNotFound) as caught:
        disable_agent(db, 99, now=T0)
    assert (caught.value.status_code, caught.value.code) == (404, "agent_not_found")


def test_touch_agent_records_heartbeat(db: Database) -> None:
    agent, _ = add_agent(db, name="a", languages=["en"], now=T0)
    touch_agent(db, agent.id, now=T0 + timedelta(seconds=5))
    assert get_agent(db, agent.id).last_seen_at == T0 + timedelta(seconds=5)
    with pytest.raises(AgentNotFound):
        touch_agent(db, 99, now=T0)


def test_agents_online_counts_recent_enabled_agents_by_language(db: Database) -> None:
    fresh_zh, _ = add_agent(db, name="zh", languages=["zh", "en"], now=T0)
    fresh_ar, _ = add_agent(db, name="ar", languages=["ar"], now=T0)
    stale, _ = add_agent(db, name="stale", languages=["zh"], now=T0)
    gone, _ = add_agent(db, name="gone", languages=["zh"], now=T0)
    add_agent(db, name="never", languages=["zh"], now=T0)
    for agent, ago in ((fresh_zh, 10), (fresh_ar, 90), (stale, 91), (gone, 1)):
        touch_agent(db, agent.id, now=T0 - timedelta(seconds=ago))
    disable_agent(db, gone.id, now=T0)

    assert agents_online(db, now=T0) == 2
    assert agents_online(db, now=T0, language="zh") == 1
    assert agents_online(db, now=T0, language="ar") == 1
    assert agents_online(db, now=T0, language="ru") == 0
    assert agents_online(db, now=T0, window_s=120) == 3
