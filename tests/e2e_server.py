"""Fixtures for the browser tests (a pytest plugin: ``pytest_plugins = ["tests.e2e_server"]``).

``e2e_server`` starts the real app with uvicorn in a subprocess (free port, temporary data folder,
the saved index copied in so it is not rebuilt) and waits for ``/healthz``; ``agent_key`` creates an
agent with the ``python -m handoff`` CLI; ``browser`` is Debian's Chromium driven by Playwright
(nothing downloads a browser). Screenshots go to ``test-artifacts/e2e/`` (git-ignored); a failing
test also leaves a screenshot of every page it had open there.

The test modules import helpers from here before pytest loads it as a plugin, so assertion
rewriting is off for this module: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 300.0  # the model and index load; slow on a loaded 2-core machine
# One bot turn encodes the message with the model; allow for a busy machine.
TURN_TIMEOUT_MS = 90_000
UI_TIMEOUT_MS = 30_000


@dataclass
class Server:
    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """A JSON request to the running server (test set-up only; the browser does the rest)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=120) as res:
            raw = res.read()
        return json.loads(raw) if raw else None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SUPPORTBOT_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_healthy(server: Server, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as res:
                if res.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)  # polling a starting process, not waiting on the UI
    pytest.fail(f"/healthz did not answer within {timeout_s:.0f} s:\n{server.log_tail()}")


def start_server(data_dir: Path, *, port: int | None = None, extra_env: dict[str, str] | None = None) -> Server:
    """Start the real app with uvicorn on ``data_dir`` (the saved index copied in once) and wait for
    ``/healthz``. The caller stops it with :func:`stop_server`."""
    saved_index = ROOT / "var" / "index"
    if (saved_index / "manifest.json").is_file() and not (data_dir / "index").exists():
        shutil.copytree(saved_index, data_dir / "index")
    port = port or free_port()
    env = _server_env(data_dir)
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "web.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir, log_path, process, env)
    try:
        _wait_healthy(server, STARTUP_TIMEOUT_S)
    except BaseException:
        stop_server(server, kill=True)
        raise
    return server


def stop_server(server: Server, *, kill: bool = False) -> None:
    """Terminate the server (or SIGKILL it: no shutdown code runs) and reap it."""
    if kill:
        server.process.kill()
    else:
        server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=30)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server on a free port with its own data folder; terminated after the session."""
    server = start_server(tmp_path_factory.mktemp("e2e-data"))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def agent_key(e2e_server: Server) -> str:
    """An agent (Mei: Chinese, English, Arabic) created with the CLI; returns the API key."""
    result = subprocess.run(
        [sys.executable, "-m", "handoff", "add-agent", "--name", "Mei", "--languages", "zh,en,ar", "--json"],
        cwd=ROOT,
        env=e2e_server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["api_key"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright's sync API."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Pages:
    """Browser contexts opened by one test, with the page errors they reported."""

    browser: Any
    base_url: str
    contexts: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def new_page(
        self,
        path: str = "/",
        *,
        locale: str = "en-US",
        width: int = 1280,
        height: int = 860,
        base_url: str = "",
    ) -> Any:
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(UI_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.goto((base_url or self.base_url) + path)
        return page


@pytest.fixture
def pages(browser: Any, e2e_server: Server, request: pytest.FixtureRequest) -> Iterator[Pages]:
    """Fresh browser contexts for one test; closed afterwards. Uncaught page errors fail the test."""
    holder = Pages(browser, e2e_server.base_url)
    yield holder
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(holder.contexts):
        if failed:
            for page in context.pages:
                page.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}-failure-{number}.png"), full_page=False
                )
        context.close()
    if not failed:
        assert not holder.errors, f"JavaScript errors on the page: {holder.errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save ``test-artifacts/e2e/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# ---------------------------------------------------------------- widget helpers
# Playwright's CSS locators pierce open shadow roots, so these reach inside the widget.


def ui_texts(server: Server, lang: str) -> dict[str, str]:
    """The UI strings the widget and console show, from the server's i18n route."""
    return dict(server.request("GET", f"/api/v1/i18n/{lang}")["texts"])


def open_widget(page: Any) -> None:
    from playwright.sync_api import expect

    launcher = page.locator("supportbot-widget .sb-launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.locator(".sb-panel")).to_be_visible()
    expect(page.locator('.sb-msg[data-action="greeting"]')).to_be_visible(timeout=TURN_TIMEOUT_MS)


def ask(page: Any, text: str) -> None:
    """Type ``text`` in the widget, press Enter and wait until the server stored it."""
    from playwright.sync_api import expect

    sent = page.locator('.sb-msg[data-sender="user"]')
    before = sent.count()
    box = page.locator("#sb-input")
    box.fill(text)
    box.press("Enter")
    expect(sent).to_have_count(before + 1, timeout=TURN_TIMEOUT_MS)


def widget_session(page: Any) -> dict[str, Any]:
    """The ``{conversation_id, token}`` the widget keeps in localStorage."""
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter(k => /^supportbot:http/.test(k)).map(k => localStorage.getItem(k))"
    )
    assert len(raw) == 1, raw
    return dict(json.loads(raw[0]))


class TcpProxy:
    """A TCP relay in front of the server whose connections the test can cut, to drop the widget's
    event stream the way a flaky network does (Playwright's offline mode leaves open streams alone)."""

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open = True
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._spawn(self._accept)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until :meth:`restore`."""
        self._open = False
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def restore(self) -> None:
        self._open = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)
        for thread in self._threads:
            thread.join(timeout=10)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets -= {src, dst}
            _close(src)
            _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
