"""Operations and streams: admin metrics (auth and content), Prometheus text, conversation SSE (resume,
live delivery, disconnect), unanswered-question grouping and ``python -m web demo-agent``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.turn import Bot
from handoff import conversations as convs
from handoff.db import open_db
from handoff.models import Sender
from tests.async_support import run_async
from tests.web_support import Clock, app_client, clock, db_path, new_agent, real_bot, say, start
from web.events import StreamTiming, conversation_loader, conversation_stream
from web.insights import Question, group_unanswered, normalise

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["clock", "real_bot"]

ADMIN_KEY = "adm-" + "k" * 40
METRICS_KEY = "met-" + "m" * 40


@pytest.fixture
def ops(tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(tmp_path, real_bot, clock, admin_key=ADMIN_KEY, metrics_key=METRICS_KEY) as c:
        yield c


def admin(c: TestClient, **params: Any) -> Any:
    return c.get("/api/v1/admin/metrics", params=params, headers={"Authorization": f"Bearer {ADMIN_KEY}"})


def parse_events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ": " not in line:
                continue
            name, value = line.split(": ", 1)
            fields[name] = value
        if "event" in fields:
            events.append(fields)
    return events


# ---------------------------------------------------------------- admin metrics


def test_admin_metrics_disabled_without_configured_key(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock) as c:
        r = c.get("/api/v1/admin/metrics", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "admin_disabled"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_KEY}])
def test_admin_metrics_wrong_or_missing_key_is_401(ops: TestClient, headers: dict[str, str]) -> None:
    r = ops.get("/api/v1/admin/metrics", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_admin_key"


def test_agent_key_is_not_an_admin_key(ops: TestClient) -> None:
    _, key = new_agent(db_path(ops))
    r = ops.get("/api/v1/admin/metrics", headers=key)
    assert r.status_code == 401


def test_admin_metrics_report_deflection_handoffs_sla_csat_and_unanswered(ops: TestClient, clock: Clock) -> None:
    answered = start(ops)
    say(ops, answered, "How do I reset my password?")
    off_topic = start(ops)
    out = say(ops, off_topic, "What is the best pizza recipe with pineapple?")
    assert out["replies"][-1]["action"] == "out_of_scope"
    handed = start(ops, locale="es")
    ops.post(f"/api/v1/conversations/{handed['conversation_id']}/handoff", headers=handed["auth"])
    _, key = new_agent(db_path(ops))
    clock.advance(30)
    ops.post(f"/api/v1/agent/conversations/{handed['conversation_id']}/claim", headers=key)
    ops.post(f"/api/v1/agent/conversations/{handed['conversation_id']}/messages", json={"text": "Hola"}, headers=key)
    ops.post(f"/api/v1/agent/conversations/{handed['conversation_id']}/resolve", headers=key)
    ops.post(f"/api/v1/conversations/{handed['conversation_id']}/feedback", json={"rating": 5}, headers=handed["auth"])
    ops.post(  # the handed-off user also wrote nothing to the bot: count it as a conversation
        f"/api/v1/conversations/{handed['conversation_id']}/messages", json={"text": "gracias"}, headers=handed["auth"]
    )

    r = admin(ops)
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["conversations"] == 3 and m["deflected"] == 2
    assert m["deflection_rate"] == pytest.approx(2 / 3) and m["handoff_rate"] == pytest.approx(1 / 3)
    assert m["handoffs_by_reason"] == {"user_request": {"count": 1, "rate": pytest.approx(1 / 3)}}
    assert set(m["handoffs_by_language"]) == {"es"}
    normal = next(f for f in m["first_response"] if f["priority"] == "normal")
    assert normal["answered"] == 1 and normal["p50_s"] == pytest.approx(30, abs=1) and normal["breached"] == 0
    assert m["sla_breaches"] == 0
    assert m["csat_count"] == 1 and m["csat_average"] == 5
    groups = {g["key"]: g for g in m["unanswered"]}
    pizza = normalise("What is the best pizza recipe with pineapple?")
    assert pizza in groups and groups[pizza]["kind"] == "question"
    assert groups[pizza]["outcomes"] == {"out_of_scope": 1} and groups[pizza]["languages"] == {"en": 1}
    assert all("reset" not in e.lower() for g in m["unanswered"] for e in g["examples"])
    # A period that ends before everything happened is empty.
    empty = admin(ops, until="2000-01-01T00:00:00").json()
    assert empty["conversations"] == 0 and empty["unanswered"] == [] and empty["deflection_rate"] is None
    assert admin(ops, since="not-a-date").status_code == 422


def test_group_unanswered_by_top_article_and_by_normalised_text() -> None:
    qs = [
        Question("Where is my deposit??", "en", "clarify", "ambiguous", "deposit-not-credited", "Deposit not credited"),
        Question("deposit missing", "en", "handoff", "too_many_unconfident", "deposit-not-credited", "Deposit"),
        Question("我的充值没到", "zh", "clarify", "low_confidence", "deposit-not-credited", "充值未到账"),
        Question("Best pizza?", "en", "out_of_scope", "out_of_scope", "fees", "Fees"),
        Question("best   PIZZA", "en", "out_of_scope", "out_of_scope", None, None),
        Question("reset password", "en", "answer", "confident", "reset-password", "Reset"),
        Question("talk to human", "en", "handoff", "user_request", None, None),
    ]
    groups = group_unanswered(qs)
    assert [(g.kind, g.key, g.count) for g in groups] == [
        ("article", "deposit-not-credited", 3),
        ("question", "best pizza", 2),
    ]
    assert groups[0].languages == {"en": 2, "zh": 1}
    assert groups[0].outcomes == {"clarify": 2, "handoff:too_many_unconfident": 1}


# ---------------------------------------------------------------- prometheus


def test_prometheus_metrics_text_format(ops: TestClient) -> None:
    conv = start(ops)
    say(ops, conv, "How do I reset my password?")
    urgent = start(ops)
    say(ops, urgent, "Someone hacked my account and stole my bitcoin")
    r = ops.get("/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = r.text
    assert "# TYPE supportbot_bot_replies_total counter" in text
    assert 'supportbot_bot_replies_total{action="answer"} 1' in text
    assert 'supportbot_handoffs_total{reason="security"} 1' in text
    assert 'supportbot_waiting_conversations{priority="urgent"} 1' in text
    assert "# TYPE supportbot_turn_seconds histogram" in text
    assert 'supportbot_turn_seconds_bucket{le="+Inf"} 2' in text and "supportbot_turn_seconds_count 2" in text
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+Inf-]+$')
    for line in text.strip().splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line


# ---------------------------------------------------------------- conversation stream


def test_events_stream_sends_messages_with_seq_ids_and_conversation_state(ops: TestClient) -> None:
    conv = start(ops, locale="ja")
    cid = conv["conversation_id"]
    ops.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    r = ops.get(f"/api/v1/conversations/{cid}/events", params={"once": 1}, headers=conv["auth"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache" and r.text.startswith("retry: ")
    events = parse_events(r.text)
    messages = [e for e in events if e["event"] == "message"]
    assert [int(e["id"]) for e in messages] == [1, 2, 3]
    assert [json.loads(e["data"])["seq"] for e in messages] == [1, 2, 3]
    state = json.loads(events[-1]["data"])
    assert events[-1]["event"] == "conversation" and state["status"] == "waiting" and state["queue_position"] == 1


def test_events_resume_with_last_event_id_delivers_only_later_messages(ops: TestClient) -> None:
    conv = start(ops)
    cid = conv["conversation_id"]
    ops.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    url = f"/api/v1/conversations/{cid}/events"
    r = ops.get(url, params={"once": 1}, headers={**conv["auth"], "Last-Event-ID": "2"})
    assert [e["id"] for e in parse_events(r.text) if e["event"] == "message"] == ["3"]
    r = ops.get(url, params={"once": 1, "after": 3}, headers=conv["auth"])
    assert [e for e in parse_events(r.text) if e["event"] == "message"] == []
    r = ops.get(url, params={"once": 1}, headers={**conv["auth"], "Last-Event-ID": "abc"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


class FakeRequest:
    """Stands in for the request: reports a disconnect after ``polls`` checks."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    async def is_disconnected(self) -> bool:
        self.polls -= 1
        return self.polls < 0


def test_stream_delivers_new_messages_live_then_stops_on_disconnect(ops: TestClient, clock: Clock) -> None:
    conv = start(ops)
    cid = conv["conversation_id"]
    path = db_path(ops)
    timing = StreamTiming(poll_s=0.01, keepalive_s=0.03, max_s=30)

    async def collect() -> list[str]:
        chunks: list[str] = []
        stream = conversation_stream(FakeRequest(polls=12), conversation_loader(path, cid, clock), 1, timing)
        async for chunk in stream:
            chunks.append(chunk)
            if chunk.startswith("event: conversation"):
                # Written by someone else while the stream is open: it must arrive on a later poll.
                db = open_db(path, migrate=False)
                try:
                    convs.append_message(db, cid, sender=Sender.AGENT, text="live!", language="en", now=clock())
                finally:
                    db.close()
        return chunks

    chunks = run_async(collect)
    messages = [json.loads(c.split("data: ", 1)[1]) for c in chunks if "event: message" in c]
    assert [m["text"] for m in messages] == ["live!"] and messages[0]["seq"] == 2
    assert any(c.startswith(": keep-alive") for c in chunks)
    assert chunks[0].startswith("retry: ")


def test_stream_ends_after_max_duration(ops: TestClient, clock: Clock) -> None:
    conv = start(ops)
    timing = StreamTiming(poll_s=0.01, keepalive_s=10, max_s=0.05)

    async def count() -> int:
        n = 0
        loader = conversation_loader(db_path(ops), conv["conversation_id"], clock)
        async for _ in conversation_stream(FakeRequest(polls=10_000), loader, 0, timing):
            n += 1
        return n

    assert run_async(count) == 3  # retry, the greeting, the state; then the lifetime runs out


def test_queue_stream_pushes_only_real_changes_and_ends_when_agent_is_disabled() -> None:
    from web.events import queue_stream
    from web.schemas import QueueItemOut, QueueOut

    def item(waited: float, priority: str = "normal") -> QueueItemOut:
        return QueueItemOut(
            conversation_id="c1", status="waiting", priority=priority, language="en", reason="user_request",
            waited_s=waited, sla_target_s=900, sla_breached=False, position=1, claimed_by=None, preview="hi",
        )

    snapshots: list[QueueOut | None] = [
        QueueOut(waiting=[item(1)], mine=[], agents_online=1),
        QueueOut(waiting=[item(2)], mine=[], agents_online=1),  # only the clock moved: no event
        QueueOut(waiting=[item(3, "urgent")], mine=[], agents_online=1),
        None,  # the agent was disabled
    ]

    async def collect() -> list[str]:
        timing = StreamTiming(queue_poll_s=0.001, keepalive_s=60)
        return [c async for c in queue_stream(FakeRequest(polls=100), lambda: snapshots.pop(0), timing)]

    chunks = [c for c in run_async(collect) if c.startswith("event: queue")]
    assert len(chunks) == 2 and '"priority":"urgent"' in chunks[1]


# ---------------------------------------------------------------- CLI


def test_demo_agent_command_creates_fresh_agent_and_disables_older_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from web.__main__ import main

    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["demo-agent", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["demo-agent"]) == 0
    out = capsys.readouterr().out
    second_key = re.search(r"api_key: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert first["name"] == "Demo agent" and len(first["languages"]) == 8
    db = open_db(tmp_path / "data" / "supportbot.db")
    try:
        from handoff.agents import authenticate

        assert authenticate(db, first["api_key"]) is None  # the older demo agent was disabled
        newest = authenticate(db, second_key)
        assert newest is not None and set(newest.languages) == set(first["languages"])
    finally:
        db.close()
