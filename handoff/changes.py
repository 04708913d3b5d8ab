"""Change notices across processes and hosts, for the live streams: PostgreSQL's LISTEN/NOTIFY.

Migration ``0004_change_notices`` puts triggers on ``messages``, ``conversations`` and
``queue_entries`` that ``NOTIFY supportbot_changes`` with the conversation id as the only payload
(delivered when the writing transaction commits, whichever worker or host wrote). ``ChangeListener``
holds one dedicated connection per server process, ``LISTEN``s, and calls ``on_change(conversation_id)``
for each notice; the streams then read the rows themselves from their last sequence number.

Nothing depends on a notice arriving: a stream still polls at its interval, so a listener that lost
its connection (it reconnects) or a notice that was never sent only delays an event to the next
poll. On SQLite there are no notices (one process; the streams poll the file, as they always did)
and the listener does nothing.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg

from handoff.db import is_postgres

CHANNEL = "supportbot_changes"
RECONNECT_S = 1.0
_POLL_S = 0.5  # how often the thread looks at its stop flag between notices

log = logging.getLogger(__name__)


class ChangeListener:
    """A daemon thread that LISTENs on PostgreSQL and calls ``on_change`` for each conversation id."""

    def __init__(self, target: Path | str, on_change: Callable[[str], None]) -> None:
        self._url = str(target) if is_postgres(target) else ""
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # set while LISTEN is active (tests wait on it)

    @property
    def active(self) -> bool:
        return bool(self._url)

    def start(self) -> ChangeListener:
        if self._url and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="handoff-changes", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=_POLL_S):
                            self._deliver(notice.payload)
            except psycopg.Error as exc:
                log.warning("change listener lost its connection (%s); reconnecting", exc)
            finally:
                self.connected.clear()
            self._stop.wait(RECONNECT_S)

    def _deliver(self, conversation_id: str) -> None:
        with contextlib.suppress(Exception):  # a failing callback must not end the listener
            self._on_change(conversation_id)
