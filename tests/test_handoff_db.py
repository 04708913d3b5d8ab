"""Storage: pragmas, WAL, migrations applied twice, durability across a process restart."""

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlite_utils import Database

from handoff.agents import add_agent
from handoff.conversations import append_message, create_conversation, list_messages
from handoff.db import INTEGRITY_ERRORS, close_pools, open_db
from handoff.entries import get_active_entry
from handoff.models import Priority, Sender
from handoff.schema import applied_names, migrations
from handoff.tickets import enqueue
from tests.pg_server import PgServer

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


def schema_of(db: Database) -> list[tuple[str, str, str | None]]:
    return [
        (r["type"], r["name"], r["sql"])
        for r in db.query("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    ]


def test_open_db_enables_wal_and_foreign_keys(sqlite_path: Path) -> None:
    path = sqlite_path
    db = open_db(path)
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    # WAL is a property of the file: a plain connection sees it too.
    plain = Database(path)
    try:
        assert plain.journal_mode == "wal"
    finally:
        plain.close()
        db.close()


def test_open_db_creates_every_table(db: Database) -> None:
    assert {"conversations", "messages", "queue_entries", "agents", "feedback", "audit_log"} <= set(
        table_names(db)
    )


def test_open_db_on_postgresql_runs_every_migration_once_and_records_it(pg_server: PgServer) -> None:
    url = pg_server.new_database(migrated=False)
    try:
        for _ in range(2):
            db = open_db(url)
            try:
                assert applied_names(db) == [m.name for m in migrations._migrations]
                assert {"conversations", "messages", "idempotency_keys", "stream_tickets"} <= set(table_names(db))
            finally:
                db.close()
        with psycopg.connect(url) as plain:
            assert plain.execute("SHOW synchronous_commit").fetchone() == ("on",)
    finally:
        close_pools()
        pg_server.drop_database(url)


def table_names(db: Database) -> list[str]:
    if getattr(db, "engine", "sqlite") == "sqlite":
        return list(db.table_names())
    return [r["table_name"] for r in db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )]


def test_migrations_applied_twice_are_a_no_op(sqlite_path: Path) -> None:
    path = sqlite_path
    db = open_db(path)
    before = schema_of(db)
    migrations.apply(db)
    again = open_db(path)
    try:
        assert schema_of(again) == before
    finally:
        again.close()
    rows = list(db.query("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"))
    assert rows == [{"migration_set": "handoff", "name": m.name} for m in migrations._migrations]
    assert migrations.pending(db) == []
    db.close()


def open_concurrently(path: Path, count: int) -> list[BaseException]:
    """Open and close ``count`` connections to ``path`` at once; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            barrier.wait(timeout=10)
            open_db(path).close()
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_open_db_when_connections_migrate_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    for attempt in range(10):
        path = tmp_path / f"race{attempt}.db"
        assert open_concurrently(path, 3) == []
        db = open_db(path)
        try:
            rows = db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
            assert rows == len(migrations._migrations)
        finally:
            db.close()


def test_foreign_keys_reject_orphan_message(db: Database) -> None:
    with pytest.raises(INTEGRITY_ERRORS):
        db.execute(
            "INSERT INTO messages (conversation_id, seq, sender, text, meta, created_at) "
            "VALUES ('nope', 1, 'user', 'x', '{}', '2025-01-01')"
        )


def test_data_survives_restart_in_a_new_process(path: Path) -> None:
    db = open_db(path)
    try:
        cid = create_conversation(db, locale="ru-RU", language="ru", now=T0).id
        append_message(db, cid, sender=Sender.USER, text="Мой аккаунт взломали", language="ru", now=T0)
        enqueue(db, cid, priority=Priority.URGENT, reason="account_compromised", language="ru", now=T0)
        add_agent(db, name="Olga", languages=["ru"], now=T0)
    finally:
        db.close()

    script = (
        "import json, sys\n"
        "from handoff.db import open_db\n"
        "from handoff.conversations import get_conversation, list_messages\n"
        "from handoff.entries import get_active_entry\n"
        "from handoff.agents import list_agents\n"
        "db = open_db(sys.argv[1])\n"
        "c = get_conversation(db, sys.argv[2])\n"
        "e = get_active_entry(db, c.id)\n"
        "print(json.dumps({'status': c.status, 'texts': [m.text for m in list_messages(db, c.id)],\n"
        "  'priority': e.priority, 'agents': [a.name for a in list_agents(db)]}))\n"
        "from handoff.conversations import append_message\n"
        "from handoff.models import Sender\n"
        "from datetime import datetime, UTC\n"
        "append_message(db, c.id, sender=Sender.SYSTEM, text='from child', language=None,"
        " now=datetime.now(UTC))\n"
        "db.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path), cid],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "status": "waiting",
        "texts": ["Мой аккаунт взломали"],
        "priority": "urgent",
        "agents": ["Olga"],
    }
    db = open_db(path)
    try:
        assert [m.text for m in list_messages(db, cid)] == ["Мой аккаунт взломали", "from child"]
        assert get_active_entry(db, cid) is not None
    finally:
        db.close()
