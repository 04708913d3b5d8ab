"""The conversation state machine: every (from, to) pair, legal and illegal, and its audit rows."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from handoff.conversations import create_conversation, get_conversation
from handoff.errors import ConversationNotFound, IllegalTransition
from handoff.models import ConversationStatus
from handoff.states import TRANSITIONS, check_transition, is_legal, transition

S = ConversationStatus
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LEGAL = {
    (S.BOT, S.WAITING),
    (S.WAITING, S.WITH_AGENT),
    (S.WAITING, S.BOT),
    (S.WITH_AGENT, S.RESOLVED),
    (S.WITH_AGENT, S.WAITING),
    (S.WITH_AGENT, S.BOT),
    (S.RESOLVED, S.BOT),
}
ALL_PAIRS = list(itertools.product(S, S))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]
# A path from a new conversation (bot) to each status, through legal steps only.
PATH_TO = {
    S.BOT: [],
    S.WAITING: [S.WAITING],
    S.WITH_AGENT: [S.WAITING, S.WITH_AGENT],
    S.RESOLVED: [S.WAITING, S.WITH_AGENT, S.RESOLVED],
}


def conversation_in(db: Database, status: ConversationStatus) -> str:
    conversation = create_conversation(db, locale="en-US", language="en", now=T0)
    for step in PATH_TO[status]:
        transition(db, conversation.id, step, actor="test", reason="setup", now=T0)
    return conversation.id


def audit_rows(db: Database, conversation_id: str) -> list[dict[str, object]]:
    return list(db.query("SELECT * FROM audit_log WHERE conversation_id = ? ORDER BY id", [conversation_id]))


def test_transition_table_matches_the_issue() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert len(ILLEGAL) == 9


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_check_transition_for_every_pair_matches_table(
    from_status: ConversationStatus, to_status: ConversationStatus
) -> None:
    legal = (from_status, to_status) in LEGAL
    assert is_legal(from_status, to_status) is legal
    if legal:
        check_transition(from_status, to_status)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(from_status, to_status)


@pytest.mark.parametrize(("from_status", "to_status"), sorted(LEGAL))
def test_transition_when_legal_updates_status_and_writes_audit(
    db: Database, from_status: ConversationStatus, to_status: ConversationStatus
) -> None:
    cid = conversation_in(db, from_status)
    before = len(audit_rows(db, cid))
    later = T0 + timedelta(minutes=3)

    result = transition(db, cid, to_status, actor="agent:7", reason="why", now=later)

    assert result.status == to_status
    assert get_conversation(db, cid).status == to_status
    assert get_conversation(db, cid).updated_at == later
    rows = audit_rows(db, cid)
    assert len(rows) == before + 1
    assert {k: rows[-1][k] for k in ("actor", "from_status", "to_status", "reason", "at")} == {
        "actor": "agent:7",
        "from_status": str(from_status),
        "to_status": str(to_status),
        "reason": "why",
        "at": "2025-01-01T12:03:00.000000+00:00",
    }


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_transition_when_illegal_raises_409_and_writes_nothing(
    db: Database, from_status: ConversationStatus, to_status: ConversationStatus
) -> None:
    cid = conversation_in(db, from_status)
    before = audit_rows(db, cid)
    updated_before = get_conversation(db, cid).updated_at

    with pytest.raises(IllegalTransition) as caught:
        transition(db, cid, to_status, actor="bot", reason="x", now=T0 + timedelta(hours=1))

    assert caught.value.status_code == 409
    assert caught.value.code == "illegal_transition"
    assert (caught.value.from_status, caught.value.to_status) == (from_status, to_status)
    assert f"from {from_status} to {to_status}" in str(caught.value)
    conversation = get_conversation(db, cid)
    assert conversation.status == from_status
    assert conversation.updated_at == updated_before
    assert audit_rows(db, cid) == before


def test_transition_to_resolved_sets_resolved_at(db: Database) -> None:
    cid = conversation_in(db, S.WITH_AGENT)
    done = T0 + timedelta(minutes=9)
    assert transition(db, cid, S.RESOLVED, actor="agent:1", reason="done", now=done).resolved_at == done


def test_transition_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound) as caught:
        transition(db, "nope", S.WAITING, actor="bot", reason=None, now=T0)
    assert (caught.value.status_code, caught.value.code) == (404, "conversation_not_found")


def test_transition_inside_failed_outer_transaction_rolls_back_with_audit(db: Database) -> None:
    cid = conversation_in(db, S.BOT)
    with pytest.raises(RuntimeError), db.atomic():
        transition(db, cid, S.WAITING, actor="bot", reason="x", now=T0)
        raise RuntimeError("caller failed after the transition")
    assert get_conversation(db, cid).status == S.BOT
    assert audit_rows(db, cid) == []
