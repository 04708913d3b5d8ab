"""Races on one conversation, through ``ChatService`` and handoff's whole operations.

Each thread has its own connection, as each request has. The bot is the real one; a thin wrapper only
decides *when* its turn returns, so the interleaving the test is about happens every run: every
thread computes its turn from the same stored state before any of them writes, or a person is asked
for while the model works.

Checked against the old path (``web/chat.py`` before ``handoff.append_turn``: bot state read before the
turn and written back whole, no re-check of the status inside the write): the streak test ends at 1
instead of 20, and both handoff tests find a bot answer stored after the queue notice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.turn import Bot, TurnContext, TurnResult
from handoff import Message, Sender, list_messages, open_db, read_turn_basis
from tests.conftest import DEFAULTS
from tests.web_support import real_bot
from web.chat import ChatService

__all__ = ["real_bot"]

THREADS = 20
ROUNDS = 8
UNSURE = "how do I withdraw USDT?"


class GatedBot:
    """The real bot, with a hook run after each thread's first turn (before that turn is stored)."""

    def __init__(self, bot: Bot, after_first_turn: Callable[[], None]) -> None:
        self.bot = bot
        self.catalog = bot.catalog
        self._after = after_first_turn
        self._local = threading.local()

    def handle(self, text: str, ctx: TurnContext | None = None) -> TurnResult:
        result = self.bot.handle(text, ctx or TurnContext())
        if not getattr(self._local, "done", False):
            self._local.done = True
            self._after()
        return result


def chat_for(bot: Any) -> ChatService:
    return ChatService(cast(Bot, bot), any_language_after_s=DEFAULTS.any_language_after_s)


@pytest.fixture
def never_sure(real_bot: Bot) -> Bot:
    """Every question gets "did you mean...?" (an unconfident turn), and no streak ever hands off."""
    t = real_bot.thresholds
    return replace(
        real_bot,
        thresholds=replace(t, answer_min_confidence=1.0, clarify_min_confidence=0.0, max_unconfident_turns=1000),
    )


@pytest.fixture
def path(path: Path) -> Iterator[Path]:
    """The engine's database (conftest's ``path``), migrated before the racers open it."""
    open_db(path).close()
    yield path


def new_conversation(path: Path, chat: ChatService) -> str:
    db = open_db(path, migrate=False)
    try:
        conv, _ = chat.start(db, locale="en")
    finally:
        db.close()
    return conv.id


def run_threads(path: Path, jobs: list[Callable[[Any], object]]) -> list[object]:
    """Run each job on its own thread with its own connection; re-raise the first failure."""
    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        db = open_db(path, migrate=False)
        try:
            results[i] = jobs[i](db)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    return results


def stored_messages(path: Path, cid: str) -> list[Message]:
    db = open_db(path, migrate=False)
    try:
        return list_messages(db, cid)
    finally:
        db.close()


def streak(path: Path, cid: str) -> int:
    db = open_db(path, migrate=False)
    try:
        return int(read_turn_basis(db, cid).bot_state.get("unconfident_streak", 0))
    finally:
        db.close()


def assert_no_bot_answer_after_the_notice(messages: list[Message]) -> None:
    notices = [i for i, m in enumerate(messages) if m.meta.get("action") == "queue"]
    assert len(notices) == 1, [(m.sender, m.meta.get("action")) for m in messages]
    after = messages[notices[0] + 1 :]
    assert [m for m in after if m.sender == Sender.BOT] == [], [(m.sender, m.meta.get("action")) for m in after]


def test_twenty_concurrent_unconfident_messages_count_twenty_in_the_streak(path: Path, never_sure: Bot) -> None:
    serial = chat_for(never_sure)
    reference = new_conversation(path, serial)
    db = open_db(path, migrate=False)
    try:
        for _ in range(THREADS):
            assert serial.handle(db, reference, UNSURE).turn is not None
    finally:
        db.close()
    assert streak(path, reference) == THREADS

    barrier = threading.Barrier(THREADS)
    chat = chat_for(GatedBot(never_sure, lambda: barrier.wait(timeout=120)))
    cid = new_conversation(path, chat)
    run_threads(path, [lambda db: chat.handle(db, cid, UNSURE) for _ in range(THREADS)])

    assert streak(path, cid) == streak(path, reference)
    messages = stored_messages(path, cid)
    assert sum(m.sender == Sender.USER for m in messages) == THREADS
    # Each user message is followed by its own reply: no turn stored twice, none lost.
    assert [m.sender for m in messages[1:]] == [Sender.USER, Sender.BOT] * THREADS


def test_person_asked_for_while_the_model_works_gets_no_bot_answer_after_the_notice(
    path: Path, real_bot: Bot
) -> None:
    plain = chat_for(real_bot)
    cid = new_conversation(path, plain)

    def ask_for_a_person() -> None:
        db = open_db(path, migrate=False)
        try:
            assert plain.request_human(db, cid) is not None
        finally:
            db.close()

    chat = chat_for(GatedBot(real_bot, ask_for_a_person))
    db = open_db(path, migrate=False)
    try:
        outcome = chat.handle(db, cid, "how do I reset my password?")
    finally:
        db.close()

    assert outcome.turn is None  # the caller learns the bot did not answer
    # Only the system's note that the agent will see it (the conversation is waiting), no bot reply.
    assert [(m.sender, m.meta.get("action")) for m in outcome.replies] == [(Sender.SYSTEM, "waiting_ack")]
    assert outcome.conversation.is_handed_off
    messages = stored_messages(path, cid)
    assert_no_bot_answer_after_the_notice(messages)
    assert messages[-2].sender == Sender.USER and messages[-2].text == "how do I reset my password?"
    assert messages[-1].sender == Sender.SYSTEM


def race_once(path: Path, bot: Bot, text: str) -> list[Message]:
    """The message's turn and the request for a person start writing at the same moment."""
    barrier = threading.Barrier(2)
    chat = chat_for(GatedBot(bot, lambda: barrier.wait(timeout=120)))
    cid = new_conversation(path, chat)

    def request(db: Any) -> object:
        barrier.wait(timeout=120)
        return chat.request_human(db, cid)

    run_threads(path, [lambda db: chat.handle(db, cid, text), request])
    return stored_messages(path, cid)


@pytest.mark.parametrize("text", ["how do I reset my password?", "I want to talk to a human agent please"])
def test_handoff_request_racing_a_message_never_leaves_a_bot_answer_after_the_notice(
    path: Path, real_bot: Bot, text: str
) -> None:
    for _ in range(ROUNDS):
        messages = race_once(path, real_bot, text)
        assert_no_bot_answer_after_the_notice(messages)
        assert sum(m.sender == Sender.USER for m in messages) == 1
