"""The real server (uvicorn subprocess) under concurrent writers, and killed mid-stream.

* 40 writers, each on its own conversation, post messages for 20 s: every answer is a 201 (no
  "database is locked" 500, no dropped connection), and each acknowledged message is stored once.
* 20 writers, then SIGKILL (no shutdown code runs) and a restart on the same data folder: every
  message the server acknowledged with 201 is there exactly once, in the order it was sent, and no
  message is stored twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.e2e_server import Server, start_server, stop_server

pytestmark = pytest.mark.slow

# What customers write, in several languages; a number makes each message unique.
MESSAGES = (
    "my deposit has not arrived yet",
    "how long does a withdrawal take",
    "我的提币还没有到账",
    "出金が届きません",
    "почему задерживается мой вывод",
    "no puedo verificar mi identidad",
    "qual é a taxa de saque",
    "كيف أفعّل المصادقة الثنائية",
    "입금이 반영되지 않았어요",
    "ok thanks",
)
# Far above what 40 writers can send: this measures the database, not the limiter.
NO_LIMIT = {"SUPPORTBOT_RATE_LIMIT_PER_MINUTE": "1000000"}


class Writer(threading.Thread):
    """One widget user: starts a conversation, then posts messages until told to stop."""

    def __init__(self, server: Server, n: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base_url = server.base_url
        self.n = n
        self.stop = stop
        self.statuses: Counter[int] = Counter()
        self.acked: list[tuple[int, str]] = []  # (message id, text) of every 201
        self.transport_errors = 0
        self.failures: list[str] = []  # what went wrong, for the assertion message
        with httpx.Client(timeout=120) as client:
            conv = client.post(f"{self.base_url}/api/v1/conversations", json={"locale": "en"}).json()
        self.conversation_id = str(conv["conversation_id"])
        self.token = str(conv["token"])

    def run(self) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.base_url}/api/v1/conversations/{self.conversation_id}/messages"
        i = 0
        with httpx.Client(timeout=120) as client:
            while not self.stop.is_set():
                i += 1
                # No message mentions a password: next to one, "w3m5" reads as the password and is redacted.
                text = f"w{self.n}m{i}: {MESSAGES[(self.n + i) % len(MESSAGES)]}"
                try:
                    r = client.post(url, json={"text": text}, headers=auth)
                except httpx.TransportError as exc:
                    self.transport_errors += 1
                    self.failures.append(repr(exc))
                    return
                self.statuses[r.status_code] += 1
                if r.status_code != 201:
                    self.failures.append(f"{r.status_code} {r.text[:200]}")
                if r.status_code == 201:
                    self.acked.append((int(r.json()["message"]["id"]), text))

    def stored_user_messages(self, server: Server) -> list[tuple[int, str]]:
        with httpx.Client(timeout=120) as client:
            r = client.get(
                f"{server.base_url}/api/v1/conversations/{self.conversation_id}/messages",
                headers={"Authorization": f"Bearer {self.token}"},
                params={"limit": 1000},
            )
        assert r.status_code == 200, r.text
        return [(int(m["id"]), str(m["text"])) for m in r.json()["messages"] if m["sender"] == "user"]


def run_writers(server: Server, count: int, *, seconds: float) -> list[Writer]:
    stop = threading.Event()
    writers = [Writer(server, n, stop) for n in range(count)]
    for w in writers:
        w.start()
    time.sleep(seconds)  # the load runs in the writer threads; this only lets the time pass
    stop.set()
    return writers


def assert_each_ack_stored_once(writers: list[Writer], server: Server) -> None:
    for w in writers:
        stored = w.stored_user_messages(server)
        texts = Counter(text for _, text in stored)
        assert [t for t, n in texts.items() if n > 1] == [], "a message was stored twice"
        ids = [i for i, _ in stored]
        acked = [i for i, _ in w.acked]
        assert set(acked) <= set(ids), f"acknowledged but lost: {sorted(set(acked) - set(ids))}"
        assert [i for i in ids if i in set(acked)] == acked, "stored out of the order it was sent"
        by_id = dict(stored)
        assert [(i, by_id[i]) for i, _ in w.acked] == w.acked, "a stored message differs from what was sent"


def test_forty_writers_for_twenty_seconds_get_no_5xx(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", extra_env=NO_LIMIT)
    try:
        writers = run_writers(server, 40, seconds=20)
        for w in writers:
            w.join(timeout=300)
        statuses = sum((w.statuses for w in writers), Counter())
        failures = [f for w in writers for f in w.failures]
        assert sum(w.transport_errors for w in writers) == 0, (failures, server.log_tail(20))
        assert set(statuses) == {201}, (statuses, failures, server.log_tail(20))
        assert sum(statuses.values()) >= 40
        assert_each_ack_stored_once(writers, server)
    finally:
        stop_server(server)


def test_sigkill_mid_load_loses_and_duplicates_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir, extra_env=NO_LIMIT)
    try:
        stop = threading.Event()
        writers = [Writer(server, n, stop) for n in range(20)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 600
        while sum(len(w.acked) for w in writers) < 60 and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the writers to have something acknowledged
        stop_server(server, kill=True)  # SIGKILL while requests are in flight
        stop.set()
        for w in writers:
            w.join(timeout=300)
    finally:
        if server.process.poll() is None:
            stop_server(server, kill=True)
    assert sum(len(w.acked) for w in writers) >= 60
    assert not any(status >= 500 for w in writers for status in w.statuses)
    restarted = start_server(data_dir, extra_env=NO_LIMIT)
    try:
        assert_each_ack_stored_once(writers, restarted)
    finally:
        stop_server(restarted)
