"""Scale-out: four uvicorn server processes on one PostgreSQL database.

* 20 agents call claim-next at once, spread over the four processes: every conversation is claimed
  by exactly one agent and no agent gets two (the claims are correct across processes).
* An agent's message posted to worker A reaches a widget's SSE stream open on worker B (the change
  notice crosses processes; the stream reads the row itself).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from handoff import add_agent, open_db
from handoff.db import close_pools
from tests.e2e_server import Server, start_server, stop_server
from tests.pg_server import PgServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS = 4
NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def workers(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Server]]]:
    url = pg_server.new_database()
    env = {"SUPPORTBOT_DATABASE_URL": url, "SUPPORTBOT_RATE_LIMIT_PER_MINUTE": "1000000"}
    root = tmp_path_factory.mktemp("scaleout")
    with ThreadPoolExecutor(WORKERS) as pool:
        servers = list(pool.map(lambda n: start_server(root / f"w{n}", extra_env=env), range(WORKERS)))
    try:
        yield url, servers
    finally:
        for server in servers:
            stop_server(server)
        close_pools()
        pg_server.drop_database(url)


def agents(url: str, count: int) -> list[str]:
    db = open_db(url)
    try:
        return [add_agent(db, name=f"a{n}", languages=["en"], capacity=1, now=NOW)[1] for n in range(count)]
    finally:
        db.close()


def waiting_conversation(server: Server) -> dict[str, str]:
    conv = server.request("POST", "/api/v1/conversations", {"locale": "en"})
    server.request("POST", f"/api/v1/conversations/{conv['conversation_id']}/handoff", {}, token=conv["token"])
    return {"id": conv["conversation_id"], "token": conv["token"]}


def test_twenty_agents_claiming_next_across_four_processes_claim_each_conversation_once(
    workers: tuple[str, list[Server]],
) -> None:
    url, servers = workers
    conversations = {waiting_conversation(servers[n % WORKERS])["id"] for n in range(10)}
    keys = agents(url, 20)
    barrier = threading.Barrier(len(keys))
    results: list[tuple[int, str | None]] = []

    def claim(n: int) -> None:
        server = servers[n % WORKERS]
        with httpx.Client(timeout=120) as client:
            barrier.wait(timeout=60)
            r = client.post(f"{server.base_url}/api/v1/agent/claim-next", headers={"Authorization": f"Bearer {keys[n]}"})
        claimed = r.json().get("conversation", {}).get("id") if r.status_code == 200 else None
        results.append((r.status_code, claimed or (r.json() if r.status_code == 200 else None)))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == len(conversations), results
    assert set(statuses) <= {200, 404, 409}, results
    claimed = [cid for status, cid in results if status == 200]
    assert sorted(map(str, claimed)) == sorted(conversations), results  # each one once, none twice


def test_agent_message_on_worker_a_reaches_the_widget_stream_on_worker_b(workers: tuple[str, list[Server]]) -> None:
    url, servers = workers
    a, b = servers[0], servers[1]
    conv = waiting_conversation(a)
    (key,) = agents(url, 1)
    a.request("POST", f"/api/v1/agent/conversations/{conv['id']}/claim", {}, token=key)
    seen = threading.Event()
    ready = threading.Event()
    text = "Hello from worker A, I am checking your deposit now."
    arrived: list[float] = []

    def listen() -> None:
        headers = {"Authorization": f"Bearer {conv['token']}"}
        with httpx.Client(timeout=httpx.Timeout(60, read=60)) as client, client.stream(
            "GET", f"{b.base_url}/api/v1/conversations/{conv['id']}/events", headers=headers
        ) as r:
            for line in r.iter_lines():
                if line.startswith("event: conversation"):
                    ready.set()
                if line.startswith("data:") and text in line:
                    arrived.append(time.monotonic())
                    seen.set()
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(60), "the stream on worker B never opened"
    sent = time.monotonic()
    a.request("POST", f"/api/v1/agent/conversations/{conv['id']}/messages", {"text": text}, token=key)
    assert seen.wait(30), "worker B's stream never saw worker A's message"
    print(f"worker A -> worker B stream: {arrived[0] - sent:.3f} s")  # measured, not asserted
