"""handoff's whole operations: a turn stored only on the basis it was computed from, the bot state
changed under the lock, and a person's request that leaves no room for a bot answer after it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

import handoff
from handoff import (
    AgentBound,
    BotTurn,
    ConversationStatus,
    HandoffPlan,
    Note,
    PersonRequest,
    Priority,
    Sender,
    WaitInfo,
)
from tests.handoff_support import ROUTING_S, T0, agent


def new_conversation(db: Database) -> str:
    conv, _ = handoff.start_conversation(
        db, locale="en", language="en", greeting=[Note(Sender.BOT, "hello", "en")], now=T0
    )
    return conv.id


def count_up(state: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**state, "unconfident_streak": int(state.get("unconfident_streak", 0)) + 1}


def unsure_turn(text: str = "hm?", handoff_plan: HandoffPlan | None = None) -> BotTurn:
    return BotTurn(Note(Sender.USER, text, "en"), [Note(Sender.BOT, "did you mean...?", "en")], "en", count_up, handoff_plan)


def notice(info: WaitInfo) -> Note:
    return Note(Sender.SYSTEM, f"you are number {info.position}", "en", {"action": "queue"})


def test_append_turn_on_its_basis_stores_everything_and_moves_the_state_on(db: Database) -> None:
    cid = new_conversation(db)
    basis = handoff.read_turn_basis(db, cid)
    written = handoff.append_turn(db, cid, unsure_turn(), basis=basis, now=T0)
    assert written.stored and written.user_message is not None
    assert [m.sender for m in written.messages] == [Sender.BOT]
    assert handoff.read_turn_basis(db, cid).bot_state == {"unconfident_streak": 1}


def test_append_turn_on_a_stale_basis_writes_nothing(db: Database) -> None:
    cid = new_conversation(db)
    basis = handoff.read_turn_basis(db, cid)
    assert handoff.append_turn(db, cid, unsure_turn("first"), basis=basis, now=T0).stored
    before = handoff.get_conversation(db, cid)
    written = handoff.append_turn(db, cid, unsure_turn("second"), basis=basis, now=T0 + timedelta(seconds=5))
    assert not written.stored and written.user_message is None
    assert [m.text for m in handoff.list_messages(db, cid)] == ["hello", "first", "did you mean...?"]
    assert handoff.get_conversation(db, cid) == before  # the lock's touch was rolled back too


def test_append_turn_without_basis_applies_the_state_change_to_the_stored_state(db: Database) -> None:
    cid = new_conversation(db)
    stale = handoff.read_turn_basis(db, cid)
    handoff.append_turn(db, cid, unsure_turn(), basis=stale, now=T0)
    assert handoff.append_turn(db, cid, unsure_turn(), basis=None, now=T0).stored
    assert handoff.read_turn_basis(db, cid).bot_state["unconfident_streak"] == 2


def test_append_turn_after_a_handoff_stores_nothing_and_the_message_goes_to_the_agent(db: Database) -> None:
    cid = new_conversation(db)
    basis = handoff.read_turn_basis(db, cid)
    asked = handoff.request_person(
        db, cid,
        lambda conv, state: PersonRequest(
            Note(Sender.BOT, "a person will help", "en"),
            HandoffPlan(Priority.NORMAL, "user_request", "en", {"why": "user_request"}, notice),
        ),
        now=T0,
    )
    assert asked is not None and asked.conversation.status == ConversationStatus.WAITING
    for check in (basis, None):
        written = handoff.append_turn(db, cid, unsure_turn(), basis=check, now=T0)
        assert not written.stored and written.conversation.is_handed_off
    kept = handoff.append_for_agent(db, cid, AgentBound(Note(Sender.USER, "hm?", "en")), now=T0)
    assert kept.stored and kept.messages == ()
    texts = [m.text for m in handoff.list_messages(db, cid)]
    assert texts == ["hello", "a person will help", "you are number 1", "hm?"]


def test_append_for_agent_when_the_bot_owns_the_conversation_stores_nothing(db: Database) -> None:
    cid = new_conversation(db)
    written = handoff.append_for_agent(db, cid, AgentBound(Note(Sender.USER, "hi", "en")), now=T0)
    assert not written.stored
    assert [m.text for m in handoff.list_messages(db, cid)] == ["hello"]


def test_request_person_while_waiting_returns_none_and_stores_nothing(db: Database) -> None:
    cid = new_conversation(db)
    turn = unsure_turn(handoff_plan=HandoffPlan(Priority.HIGH, "security", "en", {}, notice))
    assert handoff.append_turn(db, cid, turn, basis=handoff.read_turn_basis(db, cid), now=T0).queue_position == 1

    def compose(conv: Any, state: Any) -> PersonRequest:
        raise AssertionError("nothing to compose: a person is already on the way")

    assert handoff.request_person(db, cid, compose, now=T0) is None
    assert len(handoff.list_messages(db, cid)) == 4


def test_claim_tells_the_user_and_queue_view_shows_the_holder(db: Database) -> None:
    cid = new_conversation(db)
    handoff.append_turn(
        db, cid, unsure_turn("my card", HandoffPlan(Priority.NORMAL, "low_confidence", "en", {}, notice)),
        basis=None, now=T0,
    )
    alice = handoff.get_agent(db, agent(db, "en"))
    joined = [Note(Sender.SYSTEM, "Alice joined", "en")]
    handoff.claim(db, cid, alice, lambda conv: joined, any_language_after_s=ROUTING_S, now=T0)
    assert handoff.list_messages(db, cid)[-1].text == "Alice joined"
    view = handoff.queue_view(db, alice, now=T0, any_language_after_s=ROUTING_S)
    assert view.waiting == () and [(v.claimed_by_name, v.last_user_text) for v in view.mine] == [("agent-en", "my card")]
    assert handoff.conversation_view(db, handoff.get_conversation(db, cid), now=T0).agent_name == "agent-en"


def test_reopen_gives_a_resolved_conversation_back_to_the_bot(db: Database) -> None:
    cid = new_conversation(db)
    handoff.append_turn(
        db, cid, unsure_turn("x", HandoffPlan(Priority.NORMAL, "low_confidence", "en", {}, None)), basis=None, now=T0
    )
    alice = handoff.get_agent(db, agent(db, "en"))
    handoff.claim(db, cid, alice, lambda conv: [], any_language_after_s=ROUTING_S, now=T0)
    handoff.resolve(db, cid, alice, lambda conv: [], now=T0)
    assert handoff.reopen(db, cid, actor="user", reason="again", now=T0).status == ConversationStatus.BOT
    assert handoff.reopen(db, cid, actor="user", reason="again", now=T0).status == ConversationStatus.BOT
