"""A throwaway PostgreSQL server for the tests, from Debian's ``postgresql`` package.

``PgServer.start()`` runs ``initdb`` in a new temporary folder, starts the server on a free port of
127.0.0.1 with its unix socket in that folder, and ``stop()`` stops it and removes the folder. When
the suite runs as root (as it does here and in CI) the server runs as the ``postgres`` user through
``runuser``, since PostgreSQL refuses to run as root. One server serves the whole session: each test
gets a database of its own, copied from a template that holds the migrated schema (``CREATE
DATABASE ... TEMPLATE``, milliseconds), and dropped after the test.

The test cluster runs with ``fsync=off``: it is deleted at the end of the session and no test
crashes the operating system, so flushing its files to disk would only slow the suite down. The
product never turns durability off (``synchronous_commit`` stays on, and the tests do not change it).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TEMPLATE = "supportbot_template"


def pg_bin() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<major>/bin`` that has ``initdb``, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class PgServer:
    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="supportbot-pg-")))
    port: int = field(default_factory=_free_port)
    _names: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgServer:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            _as_server_user(
                [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            _as_server_user(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                 "-o", options, "-w", "-t", "60", "start"]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(
                _as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                check=True,
                capture_output=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self, sql: str) -> None:
        """Run one statement on the ``postgres`` database (CREATE/DROP DATABASE need autocommit)."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def make_template(self) -> None:
        """The template database: the handoff schema migrated once for the whole session."""
        from handoff.db import close_pools, open_db

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        open_db(self.url(TEMPLATE)).close()
        close_pools()  # CREATE DATABASE ... TEMPLATE needs the template without connections

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database (the migrated template's copy, or empty) and its URL."""
        name = f"t{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE if migrated else 'template0'}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
