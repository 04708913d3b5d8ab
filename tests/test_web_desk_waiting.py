"""While waiting for an agent: what the user types is acknowledged, and "never mind, I found it"
takes them back to the assistant."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web_support import client, clock, db_path, new_agent, real_bot, say, start

__all__ = ["client", "clock", "real_bot"]

AGENT = "/api/v1/agent"


def _waiting(client: TestClient, locale: str) -> dict[str, Any]:
    conv = start(client, locale=locale)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/handoff", headers=conv["auth"])
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "waiting"
    return conv


def test_message_while_waiting_is_acknowledged_once_in_the_users_language(client: TestClient) -> None:
    conv = _waiting(client, "ru")
    first = say(client, conv, "У меня не приходит депозит")
    acks = [m for m in first["replies"] if m["action"] == "waiting_ack"]
    assert len(acks) == 1 and acks[0]["language"] == "ru" and "сотрудник" in acks[0]["text"]
    second = say(client, conv, "Сеть TRC20")
    assert [m for m in second["replies"] if m["action"] == "waiting_ack"] == []  # not after every line


def test_no_acknowledgement_once_an_agent_holds_it(client: TestClient) -> None:
    conv = _waiting(client, "en")
    _, key = new_agent(db_path(client))
    assert client.post(f"{AGENT}/conversations/{conv['conversation_id']}/claim", headers=key).status_code == 200
    assert say(client, conv, "my deposit is missing")["replies"] == []


def test_never_mind_returns_to_the_assistant_and_the_bot_answers_again(client: TestClient) -> None:
    conv = _waiting(client, "ja")
    cid = conv["conversation_id"]
    r = client.post(f"/api/v1/conversations/{cid}/withdraw", headers=conv["auth"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conversation"]["status"] == "bot"
    assert [m["action"] for m in body["replies"]] == ["handoff_withdrawn"] and body["replies"][0]["language"] == "ja"
    _, key = new_agent(db_path(client))
    queue = client.get(f"{AGENT}/queue", headers=key).json()
    assert cid not in [i["conversation_id"] for i in queue["waiting"]]
    answer = say(client, conv, "出金が届きません")
    assert answer["replies"] and answer["replies"][0]["sender"] == "bot"
    # A withdrawn request is not a resolved one: nothing to rate.
    r = client.post(f"/api/v1/conversations/{cid}/feedback", json={"rating": 5}, headers=conv["auth"])
    assert r.status_code == 422


def test_never_mind_after_an_agent_joined_is_409(client: TestClient) -> None:
    conv = _waiting(client, "ar")
    cid = conv["conversation_id"]
    _, key = new_agent(db_path(client))
    client.post(f"{AGENT}/conversations/{cid}/claim", headers=key)
    r = client.post(f"/api/v1/conversations/{cid}/withdraw", headers=conv["auth"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_waiting"
    fresh = start(client)
    r = client.post(f"/api/v1/conversations/{fresh['conversation_id']}/withdraw", headers=fresh["auth"])
    assert r.status_code == 409


def test_typing_never_mind_while_waiting_withdraws_too(client: TestClient) -> None:
    conv = _waiting(client, "ru")
    out = say(client, conv, "Не нужно, я нашёл ответ!")  # the button's Russian label, typed
    assert out["conversation"]["status"] == "bot"
    assert [m["action"] for m in out["replies"]] == ["handoff_withdrawn"]
    # A whole-message match only: a real question that mentions cancelling stays for the agent.
    again = _waiting(client, "en")
    out = say(client, again, "never mind the fee, cancel my withdrawal please")
    assert out["conversation"]["status"] == "waiting"
    out = say(client, again, "Never mind.")
    assert out["conversation"]["status"] == "bot"


def test_a_retried_never_mind_is_replayed_not_answered_again(client: TestClient) -> None:
    conv = _waiting(client, "en")
    url = f"/api/v1/conversations/{conv['conversation_id']}/messages"
    headers = {**conv["auth"], "Idempotency-Key": "retry-never-mind-1"}
    first = client.post(url, json={"text": "never mind"}, headers=headers)
    again = client.post(url, json={"text": "never mind"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert [m["seq"] for m in again.json()["replies"]] == [m["seq"] for m in first.json()["replies"]]
