"""The agent queue: enqueue, claims (with the race), claim_next order, language routing, capacity."""

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from handoff.agents import disable_agent
from handoff.conversations import create_conversation, get_conversation
from handoff.db import open_db
from handoff.entries import get_active_entry, held_by
from handoff.errors import (
    AgentDisabled,
    AgentNotFound,
    AlreadyClaimed,
    ConversationNotFound,
    HandoffError,
    IllegalTransition,
    NotInQueue,
    OverCapacity,
)
from handoff.models import ConversationStatus, Priority, QueueStatus
from handoff.tickets import claim, claim_next, enqueue, resolve
from tests.handoff_support import ROUTING_S, count

from .handoff_support import T0, agent, audit, waiting

S = ConversationStatus


# --- enqueue ---------------------------------------------------------------------------------------


def test_enqueue_from_bot_moves_to_waiting_with_entry_and_audit(db: Database) -> None:
    cid = create_conversation(db, locale="zh-CN", language="zh", now=T0).id
    context = {"articles": [{"slug": "account-hacked", "score": 0.31}], "detected_language": "zh"}

    entry = enqueue(
        db,
        cid,
        priority=Priority.URGENT,
        reason="account_compromised",
        language="zh",
        context=context,
        now=T0,
    )

    assert (entry.status, entry.priority, entry.language, entry.enqueued_at) == (
        QueueStatus.WAITING,
        Priority.URGENT,
        "zh",
        T0,
    )
    assert entry.context == context
    conversation = get_conversation(db, cid)
    assert (conversation.status, conversation.priority, conversation.handoff_reason) == (
        S.WAITING,
        Priority.URGENT,
        "account_compromised",
    )
    assert audit(db, cid) == [("bot", "bot", "waiting", "account_compromised")]


def test_enqueue_when_waiting_with_higher_priority_raises_it_and_keeps_time(db: Database) -> None:
    cid = waiting(db, priority=Priority.NORMAL)
    entry = enqueue(
        db, cid, priority=Priority.URGENT, reason="hacked", language="en", now=T0 + timedelta(minutes=5)
    )
    assert (entry.priority, entry.enqueued_at, entry.reason) == (Priority.URGENT, T0, "user_asked")
    assert get_conversation(db, cid).priority == Priority.URGENT
    assert audit(db, cid)[-1] == ("bot", "waiting", "waiting", "priority_raised:urgent (hacked)")


def test_enqueue_when_waiting_with_lower_priority_never_lowers_it(db: Database) -> None:
    cid = waiting(db, priority=Priority.HIGH)
    entry = enqueue(db, cid, priority=Priority.NORMAL, reason="fees", language="en", now=T0)
    assert entry.priority == Priority.HIGH
    assert get_conversation(db, cid).priority == Priority.HIGH
    assert len(audit(db, cid)) == 1
    assert count(db, "queue_entries") == 1


def test_enqueue_when_with_agent_raises_priority_without_requeue(db: Database) -> None:
    cid = waiting(db)
    claim(db, cid, agent(db), now=T0)
    entry = enqueue(db, cid, priority=Priority.HIGH, reason="angry", language="en", now=T0)
    assert (entry.status, entry.priority) == (QueueStatus.CLAIMED, Priority.HIGH)
    assert get_conversation(db, cid).status == S.WITH_AGENT


def test_enqueue_when_resolved_raises_illegal_transition(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    claim(db, cid, a, now=T0)
    resolve(db, cid, a, now=T0)
    with pytest.raises(IllegalTransition):
        enqueue(db, cid, priority=Priority.HIGH, reason="again", language="en", now=T0)


def test_enqueue_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        enqueue(db, "missing", priority=Priority.HIGH, reason="x", language="en", now=T0)


# --- claim and the race ----------------------------------------------------------------------------


def test_claim_when_waiting_gives_it_to_agent(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    later = T0 + timedelta(seconds=30)
    entry = claim(db, cid, a, now=later)
    assert (entry.status, entry.claimed_by, entry.claimed_at) == (QueueStatus.CLAIMED, a, later)
    assert get_conversation(db, cid).status == S.WITH_AGENT
    assert audit(db, cid)[-1] == (f"agent:{a}", "waiting", "with_agent", "claimed")


def test_claim_when_already_claimed_raises_409(db: Database) -> None:
    cid = waiting(db)
    first, second = agent(db), agent(db)
    claim(db, cid, first, now=T0)
    with pytest.raises(AlreadyClaimed) as caught:
        claim(db, cid, second, now=T0)
    assert (caught.value.status_code, caught.value.code) == (409, "already_claimed")
    assert get_active_entry(db, cid).claimed_by == first  # type: ignore[union-attr]


def test_claim_when_agent_already_holds_it_is_idempotent(db: Database) -> None:
    cid = waiting(db)
    a = agent(db)
    first = claim(db, cid, a, now=T0)
    assert claim(db, cid, a, now=T0 + timedelta(seconds=5)) == first
    assert len(audit(db, cid)) == 2


@pytest.mark.parametrize(
    ("setup", "error", "code"),
    [
        ("missing_conversation", ConversationNotFound, "conversation_not_found"),
        ("missing_agent", AgentNotFound, "agent_not_found"),
        ("disabled_agent", AgentDisabled, "agent_disabled"),
        ("not_handed_off", NotInQueue, "not_in_queue"),
    ],
)
def test_claim_when_preconditions_fail_raises_specific_error(
    db: Database, setup: str, error: type[HandoffError], code: str
) -> None:
    a = agent(db)
    cid = waiting(db)
    if setup == "missing_conversation":
        cid = "missing"
    elif setup == "missing_agent":
        a = 999
    elif setup == "disabled_agent":
        disable_agent(db, a, now=T0)
    else:
        cid = create_conversation(db, locale=None, language="en", now=T0).id
    with pytest.raises(error) as caught:
        claim(db, cid, a, now=T0)
    assert caught.value.code == code


def run_concurrently(path: Path, calls: list[Callable[[Database], Any]]) -> list[Any]:
    """Run each call on its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int) -> None:
        conn = open_db(path, migrate=False)
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index](conn)
        except BaseException as exc:  # the outcome under test, inspected by the caller
            results[index] = exc
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_claim_when_two_agents_race_exactly_one_wins(db: Database, path: Path) -> None:
    first, second = agent(db), agent(db)
    for _ in range(20):
        cid = waiting(db)

        results = run_concurrently(
            path, [partial(claim, conversation_id=cid, agent_id=a, now=T0) for a in (first, second)]
        )

        winners = [r for r in results if not isinstance(r, BaseException)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert len(losers) == 1 and isinstance(losers[0], AlreadyClaimed), results
        assert get_active_entry(db, cid).claimed_by == winners[0].claimed_by  # type: ignore[union-attr]
        assert [row[1:3] for row in audit(db, cid)] == [("bot", "waiting"), ("waiting", "with_agent")]
        resolve(db, cid, winners[0].claimed_by, now=T0)


def test_claim_next_when_two_agents_race_for_one_conversation_one_gets_it(db: Database, path: Path) -> None:
    first, second = agent(db), agent(db)
    for _ in range(10):
        cid = waiting(db)
        results = run_concurrently(path, [partial(claim_next, agent_id=a, now=T0, any_language_after_s=ROUTING_S) for a in (first, second)])
        assert sorted(r is None for r in results) == [False, True], results
        winner = next(r for r in results if r is not None)
        assert winner.conversation_id == cid
        resolve(db, cid, winner.claimed_by, now=T0)


def test_claim_when_one_agent_races_itself_past_capacity_one_is_refused(db: Database, path: Path) -> None:
    a = agent(db, capacity=1)
    cids = [waiting(db), waiting(db)]
    results = run_concurrently(path, [partial(claim, conversation_id=c, agent_id=a, now=T0) for c in cids])
    assert sum(isinstance(r, OverCapacity) for r in results) == 1, results
    assert len(held_by(db, a)) == 1


# --- claim_next: order, routing, capacity ----------------------------------------------------------


def test_claim_next_serves_urgent_then_high_then_normal_then_oldest(db: Database) -> None:
    a = agent(db, capacity=10)
    normal_old = waiting(db, priority=Priority.NORMAL, at=T0)
    high_new = waiting(db, priority=Priority.HIGH, at=T0 + timedelta(seconds=20))
    urgent_new = waiting(db, priority=Priority.URGENT, at=T0 + timedelta(seconds=30))
    high_old = waiting(db, priority=Priority.HIGH, at=T0 + timedelta(seconds=10))
    normal_new = waiting(db, priority=Priority.NORMAL, at=T0 + timedelta(seconds=40))
    now = T0 + timedelta(seconds=50)

    order = [claim_next(db, a, now=now, any_language_after_s=ROUTING_S).conversation_id for _ in range(5)]  # type: ignore[union-attr]

    assert order == [urgent_new, high_old, high_new, normal_old, normal_new]
    assert claim_next(db, a, now=now, any_language_after_s=ROUTING_S) is None


def test_claim_next_when_language_not_spoken_skips_until_timeout(db: Database) -> None:
    zh_agent = agent(db, languages="zh")
    ar = waiting(db, language="ar", priority=Priority.URGENT, at=T0)
    zh = waiting(db, language="zh", priority=Priority.NORMAL, at=T0 + timedelta(seconds=5))

    assert claim_next(db, zh_agent, now=T0 + timedelta(seconds=60), any_language_after_s=ROUTING_S).conversation_id == zh  # type: ignore[union-attr]
    assert claim_next(db, zh_agent, now=T0 + timedelta(seconds=119), any_language_after_s=ROUTING_S) is None
    entry = claim_next(db, zh_agent, now=T0 + timedelta(seconds=120), any_language_after_s=ROUTING_S)
    assert entry is not None and entry.conversation_id == ar


def test_claim_next_and_agent_may_see_agree_at_exactly_the_timeout(db: Database) -> None:
    """What the console lists at the routing timeout is what claim-next hands out, and vice versa."""
    from handoff import agent_may_see
    from handoff.agents import get_agent
    from handoff.entries import get_active_entry

    zh_agent = agent(db, languages="zh")
    ar = waiting(db, language="ar", at=T0)
    for waited in (ROUTING_S - 1, ROUTING_S):
        now = T0 + timedelta(seconds=waited)
        entry = get_active_entry(db, ar)
        assert entry is not None
        visible = agent_may_see(get_agent(db, zh_agent), entry, now=now, any_language_after_s=ROUTING_S)
        with db.atomic():
            claimed = claim_next(db, zh_agent, now=now, any_language_after_s=ROUTING_S)
            if claimed is not None:
                assert claimed.conversation_id == ar
        assert visible == (claimed is not None), waited


def test_claim_next_with_custom_timeout_uses_it(db: Database) -> None:
    zh_agent = agent(db, languages="zh")
    ar = waiting(db, language="ar", at=T0)
    now = T0 + timedelta(seconds=31)
    assert claim_next(db, zh_agent, now=now, any_language_after_s=60) is None
    assert claim_next(db, zh_agent, now=now, any_language_after_s=30).conversation_id == ar  # type: ignore[union-attr]


def test_claim_next_with_several_languages_matches_any_of_them(db: Database) -> None:
    multi = agent(db, languages="zh,en,ru")
    ru = waiting(db, language="ru")
    assert claim_next(db, multi, now=T0, any_language_after_s=ROUTING_S).conversation_id == ru  # type: ignore[union-attr]


def test_claim_next_when_at_capacity_raises_409(db: Database) -> None:
    a = agent(db, capacity=2)
    for _ in range(3):
        waiting(db)
    claim_next(db, a, now=T0, any_language_after_s=ROUTING_S)
    claim_next(db, a, now=T0, any_language_after_s=ROUTING_S)
    with pytest.raises(OverCapacity) as caught:
        claim_next(db, a, now=T0, any_language_after_s=ROUTING_S)
    assert (caught.value.status_code, caught.value.code) == (409, "over_capacity")
    assert db.execute("SELECT COUNT(*) FROM queue_entries WHERE status = 'waiting'").fetchone()[0] == 1


def test_claim_when_at_capacity_raises_409_and_frees_up_after_resolve(db: Database) -> None:
    a = agent(db, capacity=1)
    first, second = waiting(db), waiting(db)
    claim(db, first, a, now=T0)
    with pytest.raises(OverCapacity):
        claim(db, second, a, now=T0)
    assert get_conversation(db, second).status == S.WAITING
    resolve(db, first, a, now=T0)
    assert claim(db, second, a, now=T0).claimed_by == a


def test_claim_next_when_agent_disabled_raises_403(db: Database) -> None:
    a = agent(db)
    disable_agent(db, a, now=T0)
    with pytest.raises(AgentDisabled) as caught:
        claim_next(db, a, now=T0, any_language_after_s=ROUTING_S)
    assert caught.value.status_code == 403


def test_claim_next_when_queue_empty_returns_none(db: Database) -> None:
    assert claim_next(db, agent(db), now=T0, any_language_after_s=ROUTING_S) is None


def test_claim_next_when_agent_missing_raises_404(db: Database) -> None:
    with pytest.raises(AgentNotFound):
        claim_next(db, 42, now=T0, any_language_after_s=ROUTING_S)
