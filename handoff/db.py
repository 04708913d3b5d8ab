"""Opening the handoff database: the engine-neutral connection interface and its two engines.

This is the only place that creates database connections. ``open_db`` takes what
``Settings.database`` gives: a SQLite file path (the embedded default: WAL, one file) or a
``postgresql://`` URL (many server processes on many hosts). Both engines offer exactly what the
handoff modules use, the ``Database`` protocol below: ``query`` (rows as dicts), ``execute`` (a
cursor: ``fetchone``/``fetchall``/``rowcount``), ``atomic()`` (a transaction, a savepoint when nested)
and ``close()``. SQL is written once, with ``?`` or ``:name`` parameters; the PostgreSQL engine
translates them to psycopg's. Callers own the returned connection and must ``close()`` it (FastAPI's
``get_db`` dependency does so in ``finally``).
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import psycopg
import psycopg_pool
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg.types.numeric import IntDumper
from sqlite_utils import Database as SqliteUtilsDatabase

BUSY_TIMEOUT_S = 5.0
# How long a write transaction waits for the others of its own process before giving up (503).
WRITE_QUEUE_TIMEOUT_S = 30.0

_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Cursor(Protocol):
    """What the handoff modules read from ``execute``: sqlite3's and psycopg's cursors both fit."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """One connection to the handoff database, whichever engine holds it."""

    engine: str  # "sqlite" or "postgresql"

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]: ...

    def execute(self, sql: str, params: Any = None) -> Any: ...

    def atomic(self) -> contextlib.AbstractContextManager[Any]: ...

    def close(self) -> None: ...


def is_postgres(target: Path | str) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_db(target: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the handoff database with the project's connection settings.

    :param target: a SQLite file path (its parent directory must exist) or a ``postgresql://`` URL.
    :param migrate: apply pending migrations. Startup code (lifespan, CLI) migrates once; per-request
        connections may pass ``False`` to skip the read of the migrations table.
    :returns: a connection with the schema current (by default).
    """
    from handoff.schema import apply_migrations

    db: Database = _open_postgres(str(target)) if is_postgres(target) else _open_sqlite(target)
    try:
        if migrate:
            apply_migrations(db)
    except BaseException:
        db.close()
        raise
    return db


def write_returning(db: Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one ``INSERT/UPDATE ... RETURNING`` statement and return its rows.

    ``db.query`` is used because ``db.execute`` cannot autocommit a statement that returns rows; outside
    ``db.atomic()`` the write commits at once, inside it joins the open transaction.
    """
    return list(db.query(sql, params))


# --- SQLite ------------------------------------------------------------------------------------


def _write_lock(path: str) -> threading.RLock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


class SqliteDatabase(SqliteUtilsDatabase):
    """A ``Database`` whose outermost ``atomic()`` first queues behind the process's other writers.

    SQLite's busy handler polls with growing sleeps and no order, so under many concurrent writers in
    one process some wait past the busy timeout while others get through repeatedly. Queueing the
    process's write transactions on one lock per file leaves SQLite's busy timeout only for writers
    of other processes (the CLI, other workers), where it belongs.
    """

    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        super().__init__(conn, execute_plugins=False)
        self._write_lock = _write_lock(path)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[SqliteUtilsDatabase]:
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


def _open_sqlite(path: Path | str) -> SqliteDatabase:
    """``check_same_thread=False`` because FastAPI may run a yield-dependency and its handler on
    different threadpool threads; each request still gets its own connection. The 5 s busy timeout
    lets writers queue behind each other instead of failing at once under WAL contention."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    db = SqliteDatabase(conn, str(Path(path).resolve()))
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
        until_unlocked(db.enable_wal)
    except BaseException:
        db.close()
        raise
    return db


def until_unlocked(step: Callable[[], object]) -> None:
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


# --- PostgreSQL ----------------------------------------------------------------------------------

# Every write transaction takes this transaction-scoped advisory lock first, cluster-wide. The
# handoff modules are written against SQLite's rule "one writer at a time; a transaction whose first
# statement is a write sees everything committed before it" (capacity checks, next seq = max + 1,
# claim-next). Taking one lock keeps that rule true across processes and hosts, so every operation
# is exactly as correct as on SQLite. Writes are milliseconds; the bot, retrieval and HTTP work
# around them is what runs in parallel on many workers. Row-level conditions (conditional updates,
# unique constraints, SKIP LOCKED in claim-next) stay in the SQL as a second line of defence.
WRITE_LOCK_KEY = 0x5B07_0001
POOL_MAX = 40  # a worker's threadpool size (AnyIO: 40), so a burst of requests never waits for a connection
POOL_TIMEOUT_S = 30.0
# Parameters in handoff SQL: ``?`` or ``:name``. Literals and ``::`` casts are left alone; a literal
# ``%`` is doubled for psycopg.
_TOKENS = re.compile(r"'(?:[^']|'')*'|::|:([A-Za-z_]\w*)|\?|%")
_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE")

_POOLS: dict[str, psycopg_pool.ConnectionPool[Any]] = {}
_POOLS_GUARD = threading.Lock()


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """``?`` -> ``%s``, ``:name`` -> ``%(name)s``, ``%`` -> ``%%`` (outside string literals)."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1):
            return f"%({match.group(1)})s"
        return {"?": "%s", "%": "%%"}.get(token, token)

    return _TOKENS.sub(one, sql)


def _pool(url: str) -> psycopg_pool.ConnectionPool[Any]:
    """One connection pool per URL and process; connections are autocommit (``atomic`` opens
    transactions), return bools as the 0/1 integers the schema stores and numerics as int or float,
    as SQLite does."""
    def configure(conn: psycopg.Connection[Any]) -> None:
        conn.adapters.register_dumper(bool, IntDumper)
        conn.adapters.register_loader("numeric", _NumericLoader)

    with _POOLS_GUARD:
        if url not in _POOLS:
            _POOLS[url] = psycopg_pool.ConnectionPool(
                url,
                min_size=1,
                max_size=POOL_MAX,
                timeout=POOL_TIMEOUT_S,
                kwargs={"autocommit": True},
                configure=configure,
                open=True,
            )
        return _POOLS[url]


def close_pools() -> None:
    """Close this process's PostgreSQL pools (tests dropping a database, shutdown)."""
    with _POOLS_GUARD:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


class _NumericLoader(Loader):
    """PostgreSQL's SUM and AVG return ``numeric``; SQLite returns an int or a float."""

    def load(self, data: Any) -> int | float:
        value = decimal.Decimal(bytes(data).decode())
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


class PostgresDatabase:
    """A pooled psycopg 3 connection behind the same interface as ``SqliteDatabase``."""

    engine = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = _pool(url)
        self.conn: Any = self._pool.getconn()
        self._depth = 0

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self._run(sql, params, row_factory=dict_row)
        if cursor.description is None:
            return iter(())
        return iter(cursor.fetchall())

    def execute(self, sql: str, params: Any = None) -> Any:
        return self._run(sql, params)

    def _run(self, sql: str, params: Any, **cursor_args: Any) -> Any:
        args = tuple(params) if isinstance(params, (list, tuple)) else params
        statement = translate(sql)
        if self._depth == 0 and sql.lstrip()[:8].upper().startswith(_WRITES):
            with self.atomic():  # a lone write is its own transaction, behind the write lock
                return self.conn.cursor(**cursor_args).execute(statement, args)
        return self.conn.cursor(**cursor_args).execute(statement, args)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[PostgresDatabase]:
        with self.conn.transaction():
            self._depth += 1
            try:
                if self._depth == 1:
                    self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
                yield self
            finally:
                self._depth -= 1

    def close(self) -> None:
        if self.conn is not None:
            self._pool.putconn(self.conn)
            self.conn = None


def _open_postgres(url: str) -> PostgresDatabase:
    return PostgresDatabase(url)


# The drivers' "a constraint refused this row" errors (a unique or foreign key violation).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
# Every error a driver raises for an unusable database (what the CLI reports in one line).
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error, psycopg_pool.PoolTimeout)
