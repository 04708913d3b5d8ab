"""The real server under load: uvicorn in a subprocess, simulated widget users over HTTP.

Each simulated user starts a conversation (``POST /api/v1/conversations``), then sends questions
one after another (``POST .../messages``) with no think time, and starts a new conversation after
``MESSAGES_PER_CONVERSATION`` messages or as soon as the bot hands it to a person (a silent bot
would make turns cheaper than they are). The first ``warmup_s`` seconds are not counted. The server
runs with the production settings of the machine (environment and ``.env``), in a data folder of its
own; the one change is the per-IP rate limit, raised because every simulated user shares 127.0.0.1.

:func:`run_restart` times what an operator waits for after a crash: process start to the first
``/healthz`` 200, for a first start and after each SIGKILL.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.stats import percentile

MESSAGES_PER_CONVERSATION = 6
LOAD_RATE_LIMIT = 10_000_000
STARTUP_TIMEOUT_S = 900.0
PRIME_REQUESTS = 8
# A worker loading the model on a busy machine can miss uvicorn's 5 s ping; it would be killed and
# restarted forever.
HEALTHCHECK_S = 120


@dataclass
class LoadResult:
    """Latencies (ms) of the counted message posts, and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    conversations: int = 0

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def summarise(result: LoadResult, seconds: float) -> dict[str, Any]:
    """Turns per second, latency percentiles and errors of one load run."""
    lat = result.latencies_ms
    return {
        "turns": len(lat),
        "turns_per_s": round(len(lat) / seconds, 2) if seconds > 0 else None,
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
        "p99_ms": percentile(lat, 99),
        "errors": result.errors,
        "error_kinds": dict(result.error_kinds),
        "conversations": result.conversations,
        "seconds": round(seconds, 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_file(values: dict[str, Any]) -> str:
    """``.env`` lines for ``Settings`` (``SUPPORTBOT_`` prefix)."""
    return "".join(f"SUPPORTBOT_{k.upper()}={v}\n" for k, v in values.items())


async def _user(client: Any, questions: Sequence[str], offset: int, until: float, count_after: float,
                result: LoadResult) -> None:
    i = offset
    while time.monotonic() < until:
        try:
            started = await client.post("/api/v1/conversations", json={"locale": "en"})
        except Exception as exc:  # a refused or dropped connection is an error of the run, not a crash
            result.error(type(exc).__name__)
            await asyncio.sleep(0.05)
            continue
        if started.status_code != 201:
            result.error(f"start {started.status_code}")
            await asyncio.sleep(0.05)
            continue
        body = started.json()
        result.conversations += 1
        headers = {"Authorization": f"Bearer {body['token']}"}
        url = f"/api/v1/conversations/{body['conversation_id']}/messages"
        for _ in range(MESSAGES_PER_CONVERSATION):
            if time.monotonic() >= until:
                return
            text = questions[i % len(questions)]
            i += 1
            t0 = time.monotonic()
            try:
                reply = await client.post(url, json={"text": text}, headers=headers)
            except Exception as exc:
                if t0 >= count_after:
                    result.error(type(exc).__name__)
                break
            elapsed = (time.monotonic() - t0) * 1000
            if t0 < count_after:
                continue
            if reply.status_code != 201:
                result.error(f"message {reply.status_code}")
                break
            result.latencies_ms.append(elapsed)
            if reply.json().get("conversation", {}).get("status") != "bot":
                break


async def drive(base_url: str, questions: Sequence[str], *, users: int, duration_s: float,
                warmup_s: float) -> dict[str, Any]:
    """``users`` simulated widget users for ``warmup_s + duration_s``; the summary of the counted part."""
    import httpx

    result = LoadResult()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:
        # A few asks first, so every worker has served a turn before anything is timed.
        await asyncio.gather(*(client.post("/api/v1/ask", json={"text": q}) for q in questions[:PRIME_REQUESTS]))
        start = time.monotonic()
        count_after = start + warmup_s
        until = count_after + duration_s
        await asyncio.gather(
            *(_user(client, questions, k * 7, until, count_after, result) for k in range(users))
        )
    return summarise(result, duration_s)


def _tree_rss_mb(pid: int) -> dict[str, Any]:
    import psutil

    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    rss = {p.pid: p.memory_info().rss / 2**20 for p in procs if p.is_running()}
    workers = [v for k, v in rss.items() if k != pid] or list(rss.values())
    return {
        "total_mb": round(sum(rss.values()), 1),
        "per_worker_mb": [round(v, 1) for v in workers],
        "processes": len(rss),
    }


class Server:
    """``uvicorn --factory web.app:create_app`` in ``folder`` (its ``.env`` holds the settings)."""

    def __init__(self, folder: Path, settings: dict[str, Any], *, workers: int) -> None:
        self.folder = folder
        self.port = free_port()
        self.workers = workers
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".env").write_text(env_file(settings), encoding="utf-8")
        self.log = folder / f"server-{workers}w.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.migrate()
        self.spawn()
        self._wait_ready()
        return self

    def migrate(self) -> None:
        """Migrations once, before the workers race to apply them."""
        subprocess.run([sys.executable, "-m", "handoff", "migrate"], cwd=self.folder, check=True,
                       stdout=subprocess.DEVNULL)

    def spawn(self) -> None:
        """Start uvicorn (appending to the log) and return at once."""
        command = [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers), "--log-level", "info",
                   "--no-access-log", "--timeout-worker-healthcheck", str(HEALTHCHECK_S)]
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(command, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited with {self._proc.returncode}; see {self.log}")
            if self.log.read_text(encoding="utf-8", errors="replace").count("Application startup complete") >= self.workers:
                return
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {STARTUP_TIMEOUT_S} s; see {self.log}")

    def wait_healthy(self, poll_s: float = 0.05) -> None:
        """Block until ``GET /healthz`` answers 200 (what a load balancer or an operator waits for)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"server exited with {self._proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(poll_s)
        raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT_S} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the server, as a crash or the OOM killer would, and reap it."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGKILL)
        self._proc.wait()

    def rss(self) -> dict[str, Any]:
        assert self._proc is not None
        return _tree_rss_mb(self._proc.pid)

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def run_load(
    data_dir: Path,
    work: Path,
    questions: Sequence[str],
    settings: dict[str, Any],
    *,
    workers: int,
    users: int,
    duration_s: float,
    warmup_s: float,
) -> dict[str, Any]:
    """Serve a copy of ``data_dir`` (index and calibration already built) with ``workers`` workers and
    drive it; the load summary plus the server's memory after the load."""
    engine = "postgresql" if settings.get("database_url") else "sqlite"
    folder = work / f"server-{settings.get('embedding_backend', 'default')}-{engine}-{workers}w"
    if folder.exists():
        shutil.rmtree(folder)
    served = folder / "data"
    shutil.copytree(data_dir, served, ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    values = {**settings, "data_dir": served, "rate_limit_per_minute": LOAD_RATE_LIMIT}
    with Server(folder, values, workers=workers) as server:
        summary = asyncio.run(drive(server.url, questions, users=users, duration_s=duration_s, warmup_s=warmup_s))
        summary["rss_after_load"] = server.rss()
    summary.update({"workers": workers, "users": users, "engine": engine})
    return summary


def run_restart(data_dir: Path, work: Path, settings: dict[str, Any], *, cycles: int) -> dict[str, Any]:
    """Start the server on a copy of ``data_dir`` (everything built) and time process start to the
    first ``/healthz`` 200; then ``cycles - 1`` times: one conversation with a message, SIGKILL,
    start again, time it. Returns the first start and the restarts in seconds."""
    folder = work / f"restart-{settings.get('embedding_backend', 'default')}"
    if folder.exists():
        shutil.rmtree(folder)
    served = folder / "data"
    shutil.copytree(data_dir, served, ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    server = Server(folder, {**settings, "data_dir": served}, workers=1)
    server.migrate()
    seconds: list[float] = []
    try:
        for _ in range(cycles):
            t0 = time.monotonic()
            server.spawn()
            server.wait_healthy()
            seconds.append(round(time.monotonic() - t0, 2))
            _one_message(server.url)
            server.kill()
    finally:
        server.__exit__(None, None, None)
    restarts = seconds[1:]
    return {
        "backend": settings.get("embedding_backend", "default"),
        "first_start_s": seconds[0],
        "restarts_s": restarts,
        "restart_max_s": max(restarts) if restarts else None,
        "restart_p50_s": percentile(restarts, 50) if restarts else None,
    }


def _one_message(base_url: str) -> None:
    """A conversation and one message, so the next start recovers a database with a WAL to replay."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        body = client.post("/api/v1/conversations", json={"locale": "en"}).raise_for_status().json()
        client.post(
            f"/api/v1/conversations/{body['conversation_id']}/messages",
            json={"text": "my withdrawal has not arrived"},
            headers={"Authorization": f"Bearer {body['token']}"},
        ).raise_for_status()
