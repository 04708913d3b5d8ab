"""Opening the handoff database: connection flags, pragmas, WAL and migrations.

This is the only place that creates SQLite connections. Callers own the returned ``Database`` and
must ``close()`` it (FastAPI's ``get_db`` dependency does so in ``finally``).
"""

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from handoff.schema import migrations

BUSY_TIMEOUT_S = 5.0
# How long a write transaction waits for the others of its own process before giving up (503).
WRITE_QUEUE_TIMEOUT_S = 30.0

_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: str) -> threading.RLock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


class _Database(Database):
    """A ``Database`` whose outermost ``atomic()`` first queues behind the process's other writers.

    SQLite's busy handler polls with growing sleeps and no order, so under many concurrent writers in
    one process some wait past the busy timeout while others get through repeatedly. Queueing the
    process's write transactions on one lock per file leaves SQLite's busy timeout only for writers
    of other processes (the CLI, other workers), where it belongs.
    """

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        super().__init__(conn, execute_plugins=False)
        self._write_lock = _write_lock(path)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # a savepoint inside a transaction this thread already queued for
            with super().atomic():
                yield self
            return
        if not self._write_lock.acquire(timeout=WRITE_QUEUE_TIMEOUT_S):
            raise sqlite3.OperationalError("database is locked (the process's write queue)")
        try:
            with super().atomic():
                yield self
        finally:
            self._write_lock.release()



def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the handoff database with the project's connection settings.

    ``check_same_thread=False`` because FastAPI may run a yield-dependency and its handler on different
    threadpool threads; each request still gets its own connection. The 5 s busy timeout lets writers
    queue behind each other instead of failing at once under WAL contention.

    :param path: database file; its parent directory must exist.
    :param migrate: apply pending migrations. Startup code (lifespan, CLI) migrates once; per-request
        connections may pass ``False`` to skip the read of the migrations table.
    :returns: a ``Database`` with foreign keys on, WAL enabled and, by default, the schema current.
    """
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    db = _Database(conn, str(Path(path).resolve()))
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # FULL (SQLite's default, stated so nobody "optimises" it away): every commit is fsynced, so
        # a message the API has acknowledged survives a power cut, not just a process restart. NORMAL
        # is far faster in WAL mode but may lose the last commits on power loss.
        db.execute("PRAGMA synchronous = FULL")
        # enable_wal() is a no-op once the file is in WAL mode (the mode persists in the file). On a
        # brand-new file several connections switching at once get "database is locked" at once:
        # SQLite does not call the busy handler for a journal-mode change, so wait here instead.
        _until_unlocked(db.enable_wal)
        if migrate:
            _until_unlocked(lambda: migrations.apply(db))
    except BaseException:
        db.close()
        raise
    return db


def _until_unlocked(step: Callable[[], object]) -> None:
    """Run ``step``, retrying for up to the busy timeout while another connection holds the lock.

    Several connections opening one new file at once (server and CLI starting together): the WAL
    switch and sqlite-utils' migrations (which read the schema before they write) fail at once with
    "database is locked" or "already exists" instead of waiting. The winner commits the whole
    migration; a new pass then finds nothing pending and writes nothing.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def write_returning(db: Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one ``INSERT/UPDATE ... RETURNING`` statement and return its rows.

    ``db.query`` is used because ``db.execute`` cannot autocommit a statement that returns rows; outside
    ``db.atomic()`` the write commits at once, inside it joins the open transaction.
    """
    return list(db.query(sql, params))
