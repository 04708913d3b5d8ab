"""Shared pieces of the API tests (``tests/test_api_*.py``): one real bot per session, a movable
clock, a fresh database per test, and small helpers for starting conversations and agents.

The bot (model, index, calibration, intent classifier) is built once per process and shared
read-only; every test gets its own app, data directory and database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

from bot.assembly import build_bot
from bot.turn import Bot
from config.settings import Settings
from handoff import Agent, add_agent, open_db
from retrieval import SentenceTransformerEmbedder
from tests.engines import ENGINE
from web.app import create_app
from web.events import StreamTiming

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "kb_articles"
SERVER_DATA = ROOT / "var"
LANGUAGES = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")
START = datetime(2025, 3, 3, 9, 0, 0, tzinfo=UTC)
FAST_STREAMS = StreamTiming(poll_s=0.01, queue_poll_s=0.01, keepalive_s=0.02, max_s=5.0, retry_ms=1000)

_BOTS: dict[int, Bot] = {}


class Clock:
    """An aware "now" that tests move by hand; each reading ticks a microsecond so stored times stay
    strictly ordered, as they are on a real clock."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def shared_bot(embedder: SentenceTransformerEmbedder, tmp_root: Path) -> Bot:
    """The real bot, built once per process. The index and calibration are the server's (``var/index``)
    when ``make`` built them, else a copy-free build in a session folder."""
    if id(embedder) not in _BOTS:
        data_dir = SERVER_DATA if (SERVER_DATA / "index" / "manifest.json").is_file() else tmp_root
        _BOTS[id(embedder)] = build_bot(Settings(_env_file=None, data_dir=data_dir, kb_path=KB), embedder=embedder)
    return _BOTS[id(embedder)]


@pytest.fixture(scope="session")
def real_bot(embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Bot:
    return shared_bot(embedder, tmp_path_factory.mktemp("bot-data"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on a fresh data directory; on the test's engine (PostgreSQL when ``engine`` says so)."""
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "kb_path": KB, "rate_limit_per_minute": 1000}
    if ENGINE.url:
        values["database_url"] = ENGINE.url
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def app_client(
    tmp_path: Path, bot: Bot, clock: Clock, *, raise_server_exceptions: bool = True, **overrides: Any
) -> Iterator[TestClient]:
    """A TestClient with the lifespan running, on a fresh data directory with ``overrides`` settings."""
    app = create_app(make_settings(tmp_path, **overrides), bot=bot, clock=clock, streams=FAST_STREAMS)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield client


@pytest.fixture
def client(engine: str, tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(tmp_path, real_bot, clock) as c:
        yield c


def db_path(client: TestClient) -> Path:
    """The app's handoff database: the SQLite file, or the PostgreSQL URL (``open_db`` takes both)."""
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings.database  # type: ignore[return-value]


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    """Start a conversation; returns the 201 body with an ``auth`` header dict added."""
    r = client.post("/api/v1/conversations", json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    data["auth"] = {"Authorization": f"Bearer {data['token']}"}
    return data


def say(client: TestClient, conv: dict[str, Any], text: str, expect: int = 201) -> dict[str, Any]:
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": text}, headers=conv["auth"])
    assert r.status_code == expect, r.text
    data: dict[str, Any] = r.json()
    return data


def new_agent(path: Path, name: str = "Alice", languages: tuple[str, ...] = LANGUAGES, capacity: int = 3) -> tuple[Agent, dict[str, str]]:
    db = open_db(path)
    try:
        agent, key = add_agent(db, name=name, languages=languages, capacity=capacity, now=START)
    finally:
        db.close()
    return agent, {"Authorization": f"Bearer {key}"}


@contextmanager
def stored(path: Path) -> Iterator[Database]:
    """A brand-new handoff connection: what it reads through ``handoff``'s face is committed."""
    db = open_db(path, migrate=False)
    try:
        yield db
    finally:
        db.close()


def read_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read through a brand-new plain connection (sqlite3 or psycopg): what is there is committed."""
    if isinstance(path, str):
        with psycopg.connect(path) as pg:
            return [tuple(row) for row in pg.execute(sql.replace("?", "%s"), params).fetchall()]  # type: ignore[arg-type]
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()

