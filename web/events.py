"""Server-Sent Events: a conversation's new messages and status for the widget, queue changes for agents.

Both streams poll the database (in the threadpool, so the event loop never waits on a query) and push
only what changed. On PostgreSQL a stream is also woken at once by ``Wakeups`` when any worker, on
any host, commits a change to its conversation (``handoff.ChangeListener``: LISTEN/NOTIFY, the
conversation id as the only payload); it then reads the rows itself from its last sequence number,
so a lost notice only delays an event to the next poll. Messages carry their ``seq`` as the event id, so a reconnecting EventSource resumes with
``Last-Event-ID`` and gets exactly the messages it missed. A stream ends after ``max_s`` (the browser
reconnects by itself), when the client goes away, or at once after the catch-up with ``once``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import anyio
from starlette.concurrency import run_in_threadpool

from handoff import get_agent, get_conversation, list_messages, open_db, touch_agent
from web.schemas import ConversationOut, MessageOut, QueueOut
from web.views import conversation_out, message_out, queue_snapshot


@dataclass(frozen=True, slots=True)
class StreamTiming:
    """How often streams poll, how often they send a keep-alive comment, and how long one lives."""

    poll_s: float = 0.5
    queue_poll_s: float = 1.0
    keepalive_s: float = 15.0
    max_s: float = 600.0
    retry_ms: int = 3000


class Disconnectable(Protocol):
    def is_disconnected(self) -> Awaitable[bool]: ...


ConversationLoader = Callable[[int], tuple[list[MessageOut], ConversationOut]]
QueueLoader = Callable[[], QueueOut | None]

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MESSAGES_PER_POLL = 200
# An open console stream is an agent at work: refresh the heartbeat well inside the online window.
HEARTBEAT_EVERY_S = 30.0


@dataclass(eq=False)
class Subscription:
    """One stream's wake-up: set when its conversation (or, with ``None``, anything) changed."""

    conversation_id: str | None
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def rearm(self) -> None:
        """Before each read: a change committed during the read wakes the next wait."""
        self.event = asyncio.Event()


class Wakeups:
    """The streams of one event loop waiting for change notices; ``wake`` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, conversation_id: str | None) -> Subscription:
        sub = Subscription(conversation_id)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    def wake(self, conversation_id: str) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._set, conversation_id)

    def _set(self, conversation_id: str) -> None:
        for sub in list(self._subscriptions):
            if sub.conversation_id in (None, conversation_id):
                sub.event.set()


NO_WAKEUPS = Wakeups()  # SQLite: the streams only poll


def conversation_loader(db_path: Path | str, conversation_id: str, clock: Callable[[], datetime]) -> ConversationLoader:
    """Each poll opens its own short-lived connection, so a stream holds no SQLite handle between polls."""

    def load(after: int) -> tuple[list[MessageOut], ConversationOut]:
        db = open_db(db_path, migrate=False)
        try:
            messages = list_messages(db, conversation_id, after, limit=MESSAGES_PER_POLL)
            current = get_conversation(db, conversation_id)
            return [message_out(m) for m in messages], conversation_out(db, current, now=clock())
        finally:
            db.close()

    return load


def queue_loader(
    db_path: Path | str, agent_id: int, clock: Callable[[], datetime], any_language_after_s: float
) -> QueueLoader:
    """The agent's queue view per poll; ``None`` once the agent is disabled (the stream then ends)."""
    last_touch = time.monotonic()

    def load() -> QueueOut | None:
        nonlocal last_touch
        db = open_db(db_path, migrate=False)
        try:
            agent = get_agent(db, agent_id)
            if agent.disabled:
                return None
            now = clock()
            if time.monotonic() - last_touch >= HEARTBEAT_EVERY_S:
                touch_agent(db, agent_id, now=now)
                last_touch = time.monotonic()
            return queue_snapshot(db, agent, now=now, any_language_after_s=any_language_after_s)
        finally:
            db.close()

    return load


def sse(event: str, data: str, *, event_id: int | None = None) -> str:
    """One event in the wire format; ``data`` is single-line JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


async def conversation_stream(
    request: Disconnectable,
    load: ConversationLoader,
    after: int,
    timing: StreamTiming,
    *,
    once: bool = False,
    wakeups: Wakeups = NO_WAKEUPS,
    conversation_id: str | None = None,
) -> AsyncIterator[str]:
    """Yield ``message`` events with ``seq > after`` as they are stored, and a ``conversation`` event
    whenever the public state (status, queue position, agent) changes."""
    wake = wakeups.subscribe(conversation_id)
    try:
        async for chunk in _conversation_events(request, load, after, timing, once, wake):
            yield chunk
    finally:
        wakeups.unsubscribe(wake)


async def _conversation_events(
    request: Disconnectable, load: ConversationLoader, after: int, timing: StreamTiming, once: bool, wake: Subscription
) -> AsyncIterator[str]:
    yield f"retry: {timing.retry_ms}\n\n"
    last_state = None
    started = last_sent = time.monotonic()
    while True:
        wake.rearm()
        messages, conversation = await run_in_threadpool(load, after)
        for m in messages:
            yield sse("message", m.model_dump_json(), event_id=m.seq)
            after = m.seq
            last_sent = time.monotonic()
        state = conversation.model_dump_json()
        if state != last_state:
            yield sse("conversation", state)
            last_state = state
            last_sent = time.monotonic()
        if once:
            return
        async for comment in _wait(request, timing.poll_s, timing, started, last_sent, wake):
            if comment is None:
                return
            yield comment
            last_sent = time.monotonic()


async def queue_stream(
    request: Disconnectable,
    load: QueueLoader,
    timing: StreamTiming,
    *,
    once: bool = False,
    wakeups: Wakeups = NO_WAKEUPS,
) -> AsyncIterator[str]:
    """Yield a ``queue`` event with the agent's queue whenever it changes (not for the clock ticking).

    Ends when ``load`` returns ``None``: the agent was disabled while connected. Any conversation's
    change may change the queue, so every notice wakes it.
    """
    wake = wakeups.subscribe(None)
    try:
        async for chunk in _queue_events(request, load, timing, once, wake):
            yield chunk
    finally:
        wakeups.unsubscribe(wake)


async def _queue_events(
    request: Disconnectable, load: QueueLoader, timing: StreamTiming, once: bool, wake: Subscription
) -> AsyncIterator[str]:
    yield f"retry: {timing.retry_ms}\n\n"
    last = None
    started = last_sent = time.monotonic()
    while True:
        wake.rearm()
        snapshot = await run_in_threadpool(load)
        if snapshot is None:
            return
        signature = _queue_signature(snapshot)
        if signature != last:
            yield sse("queue", snapshot.model_dump_json())
            last = signature
            last_sent = time.monotonic()
        if once:
            return
        async for comment in _wait(request, timing.queue_poll_s, timing, started, last_sent, wake):
            if comment is None:
                return
            yield comment
            last_sent = time.monotonic()


async def _wait(
    request: Disconnectable,
    pause_s: float,
    timing: StreamTiming,
    started: float,
    last_sent: float,
    wake: Subscription | None = None,
) -> AsyncIterator[str | None]:
    """Sleep one poll interval (less when a change notice wakes the stream); yield a keep-alive
    comment when one is due, ``None`` to end the stream."""
    if wake is None:
        await anyio.sleep(pause_s)
    else:
        with anyio.move_on_after(pause_s):
            await wake.event.wait()
    now = time.monotonic()
    if await request.is_disconnected() or now - started >= timing.max_s:
        yield None
        return
    if now - last_sent >= timing.keepalive_s:
        yield ": keep-alive\n\n"


def _queue_signature(q: QueueOut) -> str:
    # waited_s grows every second; the console counts it up itself, so it is no reason to push.
    return q.model_copy(
        update={
            "waiting": [i.model_copy(update={"waited_s": 0.0}) for i in q.waiting],
            "mine": [i.model_copy(update={"waited_s": 0.0}) for i in q.mine],
        }
    ).model_dump_json()
