"""Queue views: the agents' list with SLA flags, a user's position, estimated wait, agents online."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from handoff.agents import add_agent, touch_agent
from handoff.backlog import (
    estimate_wait_s,
    list_queue,
    queue_position,
    recent_handling_s,
    wait_estimate,
    wait_info,
)
from handoff.conversations import create_conversation
from handoff.errors import ConversationNotFound
from handoff.eta import DEFAULT_HANDLING_S, PICKUP_S, WaitEstimate, WaitState
from handoff.models import Priority, QueueStatus, WaitInfo
from handoff.sla import SlaPolicy
from handoff.tickets import claim, enqueue, record_agent_reply, resolve

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
P = Priority


def agent(db: Database, languages: str = "en", capacity: int = 10) -> int:
    return add_agent(db, name="a", languages=languages.split(","), capacity=capacity, now=T0)[0].id


def waiting(db: Database, *, priority: Priority = P.NORMAL, at: datetime = T0, language: str = "en") -> str:
    cid = create_conversation(db, locale=None, language=language, now=at).id
    enqueue(db, cid, priority=priority, reason="user_asked", language=language, now=at)
    return cid


def test_list_queue_orders_waiting_then_claimed_with_sla_flags(db: Database) -> None:
    a = agent(db)
    normal = waiting(db, priority=P.NORMAL, at=T0)  # waited 1000 s > 900: breached
    urgent = waiting(db, priority=P.URGENT, at=T0 + timedelta(seconds=960))  # 40 s < 60
    high = waiting(db, priority=P.HIGH, at=T0 + timedelta(seconds=600))  # 400 s > 300: breached
    answered = waiting(db, priority=P.URGENT, at=T0 + timedelta(seconds=100))
    claim(db, answered, a, now=T0 + timedelta(seconds=110))
    record_agent_reply(db, answered, a, text="hi", language="en", now=T0 + timedelta(seconds=130))  # 30 s
    silent = waiting(db, priority=P.URGENT, at=T0 + timedelta(seconds=200))
    claim(db, silent, a, now=T0 + timedelta(seconds=210))  # no reply for 800 s: breached
    now = T0 + timedelta(seconds=1000)

    items = list_queue(db, now=now)

    assert [i.entry.conversation_id for i in items] == [urgent, high, normal, answered, silent]
    assert [i.position for i in items] == [1, 2, 3, None, None]
    assert [i.waited_s for i in items] == [40, 400, 1000, 900, 800]
    assert [i.sla_target_s for i in items] == [60, 300, 900, 60, 60]
    assert [i.breached for i in items] == [False, True, True, False, True]
    assert [i.entry.status for i in items][-2:] == [QueueStatus.CLAIMED, QueueStatus.CLAIMED]


def test_list_queue_with_custom_sla_and_language_filter(db: Database) -> None:
    waiting(db, language="en", at=T0)
    ru = waiting(db, language="ru", at=T0 + timedelta(seconds=1))
    items = list_queue(db, now=T0 + timedelta(seconds=100), sla=SlaPolicy(normal_s=50), language="ru")
    assert [(i.entry.conversation_id, i.position, i.breached) for i in items] == [(ru, 2, True)]


def test_list_queue_excludes_closed_entries(db: Database) -> None:
    a = agent(db)
    cid = waiting(db)
    claim(db, cid, a, now=T0)
    resolve(db, cid, a, now=T0)
    assert list_queue(db, now=T0) == []


def test_queue_position_follows_priority_then_age(db: Database) -> None:
    old_normal = waiting(db, priority=P.NORMAL, at=T0)
    new_normal = waiting(db, priority=P.NORMAL, at=T0 + timedelta(seconds=10))
    urgent = waiting(db, priority=P.URGENT, at=T0 + timedelta(seconds=20))
    assert [queue_position(db, c) for c in (urgent, old_normal, new_normal)] == [1, 2, 3]


def test_queue_position_when_same_time_breaks_tie_by_arrival(db: Database) -> None:
    first, second = waiting(db, at=T0), waiting(db, at=T0)
    assert (queue_position(db, first), queue_position(db, second)) == (1, 2)


def test_queue_position_when_not_waiting_is_none(db: Database) -> None:
    a = agent(db)
    claimed = waiting(db)
    claim(db, claimed, a, now=T0)
    behind = waiting(db, at=T0 + timedelta(seconds=1))
    in_bot = create_conversation(db, locale=None, language="en", now=T0).id
    assert queue_position(db, claimed) is None
    assert queue_position(db, in_bot) is None
    assert queue_position(db, "missing") is None
    assert queue_position(db, behind) == 1


def test_estimate_wait_with_nobody_online_has_no_number(db: Database) -> None:
    waiting(db, at=T0)
    second = waiting(db, at=T0 + timedelta(seconds=1))
    assert estimate_wait_s(db, second, now=T0) is None
    assert wait_estimate(db, second, now=T0) == WaitEstimate(WaitState.NOBODY_ONLINE)


def _handled(db: Database, a: int, minutes: float, start: datetime) -> None:
    cid = waiting(db, at=start)
    claim(db, cid, a, now=start)
    resolve(db, cid, a, now=start + timedelta(minutes=minutes))


def test_estimate_wait_from_measured_handling_times_and_capacity(db: Database) -> None:
    a = agent(db, capacity=2)
    for i, minutes in enumerate((10, 20, 30, 90)):  # median handling 25 min (one long chat does not swing it)
        _handled(db, a, minutes, T0 - timedelta(hours=5 - i))
    now = T0
    touch_agent(db, a, now=now)
    assert recent_handling_s(db) == [5400.0, 1800.0, 1200.0, 600.0]
    held = waiting(db, at=now)
    claim(db, held, a, now=now)  # one of two slots taken
    first, second, third, fourth = (waiting(db, at=now + timedelta(seconds=i)) for i in range(1, 5))
    # First in line gets the free slot: a pickup minute. Second and third wait for one of the two slots
    # to free up (one handling time); fourth waits two rounds, past the 30-minute cap: "busy".
    assert wait_estimate(db, first, now=now) == WaitEstimate(WaitState.ESTIMATE, seconds=PICKUP_S, minutes=1)
    one_round = WaitEstimate(WaitState.ESTIMATE, seconds=PICKUP_S + 1500, minutes=26)
    assert wait_estimate(db, second, now=now) == one_round
    assert wait_estimate(db, third, now=now) == one_round
    assert wait_estimate(db, fourth, now=now) == WaitEstimate(WaitState.BUSY)
    assert estimate_wait_s(db, fourth, now=now) is None
    assert wait_estimate(db, fourth, now=now, cap_s=3600) == WaitEstimate(
        WaitState.ESTIMATE, seconds=PICKUP_S + 3000, minutes=51
    )


def test_estimate_wait_counts_agents_of_the_language_first(db: Database) -> None:
    zh = agent(db, languages="zh", capacity=1)
    en = agent(db, languages="en", capacity=5)
    touch_agent(db, zh, now=T0)
    touch_agent(db, en, now=T0)
    held = waiting(db, language="zh", at=T0)
    claim(db, held, zh, now=T0)
    cid = waiting(db, language="zh", at=T0 + timedelta(seconds=1))
    # The Chinese agent's only slot is taken: one default handling time, not the English agent's free slots.
    assert wait_estimate(db, cid, now=T0) == WaitEstimate(
        WaitState.ESTIMATE, seconds=PICKUP_S + int(DEFAULT_HANDLING_S), minutes=11
    )


def test_estimate_wait_when_not_waiting_is_none(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    assert estimate_wait_s(db, cid, now=T0) is None


def test_wait_info_with_no_agent_online_reports_zero(db: Database) -> None:
    a = agent(db, languages="zh")
    touch_agent(db, a, now=T0 - timedelta(minutes=10))  # seen too long ago
    cid = waiting(db, language="zh")
    assert wait_info(db, cid, now=T0) == WaitInfo(
        position=1,
        estimated_wait_s=None,
        agents_online=0,
        agents_online_in_language=0,
        estimate=WaitEstimate(WaitState.NOBODY_ONLINE),
    )


def test_wait_info_counts_agents_online_overall_and_in_language(db: Database) -> None:
    for languages in ("zh,en", "en", "ar"):
        touch_agent(db, agent(db, languages=languages), now=T0 - timedelta(seconds=30))
    cid = waiting(db, language="en")
    info = wait_info(db, cid, now=T0)
    assert (info.agents_online, info.agents_online_in_language) == (3, 2)


def test_wait_info_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        wait_info(db, "missing", now=T0)
