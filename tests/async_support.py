"""Running a coroutine from a test, whatever the main thread's event loop is doing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

T = TypeVar("T")


def run_async(func: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function to completion on a thread of its own.

    ``anyio.run`` refuses a thread whose event loop is already running, and the browser tests'
    session-scoped Playwright keeps one running on the main thread for the rest of the session.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, func).result()
