"""Agent API: auth, queue, claims and their conflicts, capacity, language routing, replies, release,
resolve and return-to-bot (with the user told in their language), transcripts, and the queue stream."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff import disable_agent, get_agent, get_transcript, open_db
from tests.web_support import Clock, client, clock, db_path, new_agent, real_bot, say, start, stored

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

AGENT = "/api/v1/agent"


def waiting(client: TestClient, **start_body: Any) -> dict[str, Any]:
    """A conversation the user handed to people with the widget's button (no bot turn needed)."""
    conv = start(client, **start_body)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/handoff", headers=conv["auth"])
    assert r.status_code == 200, r.text
    return conv


def user_messages(client: TestClient, conv: dict[str, Any], after: int = 0) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/conversations/{conv['conversation_id']}/messages", params={"after": after}, headers=conv["auth"])
    assert r.status_code == 200
    messages: list[dict[str, Any]] = r.json()["messages"]
    return messages


# ---------------------------------------------------------------- auth


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sbk_unknown"}, {"Authorization": "Token x"}])
def test_agent_routes_refuse_missing_or_unknown_key(client: TestClient, headers: dict[str, str]) -> None:
    for method, url in [
        ("GET", f"{AGENT}/me"),
        ("GET", f"{AGENT}/queue"),
        ("POST", f"{AGENT}/claim-next"),
        ("POST", f"{AGENT}/conversations/x/claim"),
        ("GET", f"{AGENT}/conversations/x"),
        ("GET", f"{AGENT}/events?once=1"),
    ]:
        r = client.request(method, url, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_agent_key", url


def test_disabled_agent_key_is_refused(client: TestClient, clock: Clock) -> None:
    agent, key = new_agent(db_path(client))
    assert client.get(f"{AGENT}/me", headers=key).status_code == 200
    db = open_db(db_path(client))
    try:
        disable_agent(db, agent.id, now=clock())
    finally:
        db.close()
    r = client.get(f"{AGENT}/me", headers=key)
    # The console shows *why* (a disabled agent, not a mistyped key) in its own language.
    assert r.status_code == 401 and r.json()["error"]["code"] == "agent_disabled"
    assert r.headers["www-authenticate"] == "Bearer"


def test_conversation_token_is_not_an_agent_key(client: TestClient) -> None:
    conv = start(client)
    r = client.get(f"{AGENT}/queue", headers=conv["auth"])
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_agent_key"


def test_me_and_heartbeat(client: TestClient) -> None:
    agent, key = new_agent(db_path(client), name="Bo", languages=("ko", "en"), capacity=2)
    me = client.get(f"{AGENT}/me", headers=key).json()
    assert me == {"id": agent.id, "name": "Bo", "languages": ["ko", "en"], "capacity": 2, "holding": 0}
    with stored(db_path(client)) as db:
        assert get_agent(db, agent.id).last_seen_at is not None
    assert client.get(f"{AGENT}/queue", headers=key).json()["agents_online"] == 1


# ---------------------------------------------------------------- claims


def test_claim_next_on_empty_queue_is_404_queue_empty(client: TestClient) -> None:
    _, key = new_agent(db_path(client))
    r = client.post(f"{AGENT}/claim-next", headers=key)
    assert r.status_code == 404 and r.json()["error"]["code"] == "queue_empty"


def test_claim_tells_user_who_joined_in_their_language(client: TestClient) -> None:
    conv = waiting(client, locale="es")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client), name="Lucía")
    r = client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    assert r.status_code == 200
    body = r.json()
    assert body["conversation"]["status"] == "with_agent" and body["conversation"]["agent_name"] == "Lucía"
    joined = body["transcript"]["messages"][-1]
    assert joined["sender"] == "system" and joined["action"] == "agent_joined" and joined["language"] == "es"
    assert joined["text"] == "Lucía se unió al chat."
    # Claiming again is a harmless retry: no second "joined" message.
    again = client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    assert again.status_code == 200
    assert [m["action"] for m in user_messages(client, conv)].count("agent_joined") == 1
    state = client.get(f"/api/v1/conversations/{cid}/messages", headers=conv["auth"]).json()["conversation"]
    assert state["agent_name"] == "Lucía"


def test_claim_held_by_another_agent_is_409_already_claimed(client: TestClient) -> None:
    cid = waiting(client)["conversation_id"]
    _, alice = new_agent(db_path(client), name="Alice")
    _, bob = new_agent(db_path(client), name="Bob")
    assert client.post(f"{AGENT}/conversations/{cid}/claim", headers=alice).status_code == 200
    r = client.post(f"{AGENT}/conversations/{cid}/claim", headers=bob)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_claimed"


def test_claim_over_capacity_is_409(client: TestClient) -> None:
    first, second = waiting(client), waiting(client)
    _, key = new_agent(db_path(client), capacity=1)
    assert client.post(f"{AGENT}/conversations/{first['conversation_id']}/claim", headers=key).status_code == 200
    r = client.post(f"{AGENT}/conversations/{second['conversation_id']}/claim", headers=key)
    assert r.status_code == 409 and r.json()["error"]["code"] == "over_capacity"
    r = client.post(f"{AGENT}/claim-next", headers=key)
    assert r.status_code == 409 and r.json()["error"]["code"] == "over_capacity"


def test_claim_of_conversation_not_in_queue_is_409_and_unknown_is_404(client: TestClient) -> None:
    conv = start(client)
    _, key = new_agent(db_path(client))
    r = client.post(f"{AGENT}/conversations/{conv['conversation_id']}/claim", headers=key)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_in_queue"
    r = client.post(f"{AGENT}/conversations/00000000-0000-4000-8000-000000000000/claim", headers=key)
    assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"


def test_language_routing_hides_and_refuses_other_languages_until_timeout(client: TestClient, clock: Clock) -> None:
    conv = waiting(client, locale="es")
    cid = conv["conversation_id"]
    _, ja = new_agent(db_path(client), name="Ken", languages=("ja",))
    assert client.get(f"{AGENT}/queue", headers=ja).json()["waiting"] == []
    r = client.post(f"{AGENT}/conversations/{cid}/claim", headers=ja)
    assert r.status_code == 403 and r.json()["error"]["code"] == "language_not_allowed"
    r = client.get(f"{AGENT}/conversations/{cid}", headers=ja)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_conversation"
    assert client.post(f"{AGENT}/claim-next", headers=ja).status_code == 404
    clock.advance(121)  # past any_language_after_s: a late answer in another language beats none
    assert [i["conversation_id"] for i in client.get(f"{AGENT}/queue", headers=ja).json()["waiting"]] == [cid]
    assert client.post(f"{AGENT}/claim-next", headers=ja).json()["conversation"]["id"] == cid


def test_hacked_account_hands_off_urgent_and_is_first_in_queue(client: TestClient) -> None:
    normal = waiting(client)
    hacked = start(client)
    out = say(client, hacked, "My account was hacked and someone withdrew all my funds!")
    assert out["conversation"]["status"] == "waiting" and out["conversation"]["priority"] == "urgent"
    assert out["replies"][-1]["sender"] == "system"
    assert out["conversation"]["queue_position"] == 1
    _, key = new_agent(db_path(client))
    queue = client.get(f"{AGENT}/queue", headers=key).json()
    assert [i["conversation_id"] for i in queue["waiting"]] == [hacked["conversation_id"], normal["conversation_id"]]
    top = queue["waiting"][0]
    assert top["priority"] == "urgent" and top["reason"] == "security" and top["position"] == 1
    assert top["sla_target_s"] == 60 and top["sla_breached"] is False
    assert "hacked" in top["preview"]
    claimed = client.post(f"{AGENT}/claim-next", headers=key).json()
    assert claimed["conversation"]["id"] == hacked["conversation_id"]
    context = claimed["transcript"]["context"]
    assert context["why"] == "security" and context["language"] == "en"
    assert context["articles"] and {"slug", "title", "score"} <= set(context["articles"][0])


def test_sla_breach_shows_in_queue_after_target(client: TestClient, clock: Clock) -> None:
    waiting(client)
    _, key = new_agent(db_path(client))
    clock.advance(901)
    item = client.get(f"{AGENT}/queue", headers=key).json()["waiting"][0]
    assert item["sla_breached"] is True and item["waited_s"] >= 901


# ---------------------------------------------------------------- replies, release, resolve


def test_agent_reply_is_stored_unredacted_and_seen_by_user(client: TestClient) -> None:
    conv = waiting(client, locale="ar")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client), name="Omar")
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"{AGENT}/conversations/{cid}/messages", json={"text": "مرحبا، كيف أساعدك؟"}, headers=key)
    assert r.status_code == 201
    msg = r.json()
    assert msg["sender"] == "agent" and msg["author"] == "Omar" and msg["language"] == "ar"
    assert user_messages(client, conv)[-1]["text"] == "مرحبا، كيف أساعدك؟"
    with stored(db_path(client)) as db:
        assert get_transcript(db, cid).handoffs[0].first_response_at is not None


def test_agent_reply_validation(client: TestClient) -> None:
    cid = waiting(client)["conversation_id"]
    _, key = new_agent(db_path(client))
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"{AGENT}/conversations/{cid}/messages", json={"text": " "}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = client.post(f"{AGENT}/conversations/{cid}/messages", json={"text": "x" * 2001}, headers=key)
    assert r.status_code == 413 and r.json()["error"]["code"] == "message_too_long"


def test_acting_on_a_conversation_another_agent_holds_is_403(client: TestClient) -> None:
    cid = waiting(client)["conversation_id"]
    _, alice = new_agent(db_path(client), name="Alice")
    _, bob = new_agent(db_path(client), name="Bob")
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=alice)
    for method, suffix, body in [
        ("POST", "/messages", {"text": "hi"}),
        ("POST", "/release", None),
        ("POST", "/resolve", {"return_to_bot": False}),
        ("GET", "", None),
    ]:
        r = client.request(method, f"{AGENT}/conversations/{cid}{suffix}", json=body, headers=bob)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_conversation", suffix
    # Bob's queue does not show Alice's conversation.
    queue = client.get(f"{AGENT}/queue", headers=bob).json()
    assert queue["waiting"] == [] and queue["mine"] == []


def test_release_returns_to_queue_and_tells_user(client: TestClient) -> None:
    conv = waiting(client, locale="pt")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client))
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"{AGENT}/conversations/{cid}/release", headers=key)
    assert r.status_code == 200
    assert r.json()["conversation"]["status"] == "waiting" and r.json()["conversation"]["queue_position"] == 1
    last = user_messages(client, conv)[-1]
    assert last["action"] == "agent_released" and last["language"] == "pt" and last["sender"] == "system"


def test_resolve_posts_resolved_then_csat_prompt_in_user_language(client: TestClient) -> None:
    conv = waiting(client, locale="zh-CN")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client))
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"{AGENT}/conversations/{cid}/resolve", headers=key)
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "resolved"
    tail = user_messages(client, conv)[-2:]
    assert [m["action"] for m in tail] == ["resolved", "csat"]
    assert all(m["language"] == "zh" for m in tail)
    assert client.get(f"{AGENT}/me", headers=key).json()["holding"] == 0
    # The agent may still read a conversation they closed.
    assert client.get(f"{AGENT}/conversations/{cid}", headers=key).status_code == 200


def test_resolve_with_return_to_bot_hands_back_and_tells_user(client: TestClient) -> None:
    conv = waiting(client, locale="ko")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client))
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"{AGENT}/conversations/{cid}/resolve", json={"return_to_bot": True}, headers=key)
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "bot"
    tail = user_messages(client, conv)[-2:]
    # Handing back to the bot still asks the user to rate the agent's help, and the rating is taken.
    assert [m["action"] for m in tail] == ["returned_to_bot", "csat"] and tail[0]["language"] == "ko"
    r = client.post(f"/api/v1/conversations/{cid}/feedback", json={"rating": 5}, headers=conv["auth"])
    assert r.status_code == 201, r.text
    r = client.post(f"{AGENT}/conversations/{cid}/resolve", json={"return_to_bot": "yes"}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_release_of_conversation_not_held_is_409_not_in_queue(client: TestClient) -> None:
    conv = start(client)
    _, key = new_agent(db_path(client))
    r = client.post(f"{AGENT}/conversations/{conv['conversation_id']}/release", headers=key)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_in_queue"


def test_transcript_of_waiting_conversation_has_messages_and_context(client: TestClient) -> None:
    conv = waiting(client, user={"id": "u-7", "name": "Kim", "email": "kim@example.com"})
    _, key = new_agent(db_path(client))
    t = client.get(f"{AGENT}/conversations/{conv['conversation_id']}", headers=key).json()
    assert t["user"]["name"] == "Kim" and t["user"]["email"] == "kim@example.com"
    assert t["context"]["why"] == "user_request"
    assert t["handoffs"][0]["status"] == "waiting" and t["audit"][0]["to_status"] == "waiting"
    assert [m["seq"] for m in t["messages"]] == list(range(1, len(t["messages"]) + 1))
    r = client.get(f"{AGENT}/conversations/00000000-0000-4000-8000-000000000000", headers=key)
    assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"


# ---------------------------------------------------------------- stream


def test_agent_events_stream_sends_queue_snapshot(client: TestClient) -> None:
    conv = waiting(client)
    _, key = new_agent(db_path(client))
    r = client.get(f"{AGENT}/events", params={"once": 1}, headers=key)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert "event: queue" in r.text and conv["conversation_id"] in r.text
    ticket = client.post(f"{AGENT}/stream-ticket", headers=key).json()["ticket"]
    r = client.get(f"{AGENT}/events", params={"once": 1, "ticket": ticket})
    assert r.status_code == 200 and "event: queue" in r.text
