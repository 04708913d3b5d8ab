"""What an agent sees before opening a conversation: the problem on the queue card (not the latest
words), the case and the article the bot considered; why a sign-in is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from handoff import disable_agent, open_db
from tests.web_support import Clock, client, clock, db_path, new_agent, real_bot, say, start

__all__ = ["client", "clock", "real_bot"]

AGENT = "/api/v1/agent"


def test_queue_card_shows_the_first_substantive_message_not_the_latest(client: TestClient) -> None:
    conv = start(client, locale="es")
    say(client, conv, "hola")  # a greeting: not the problem
    say(client, conv, "Mi depósito de USDT no ha llegado después de dos horas")
    cid = conv["conversation_id"]
    assert client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"]).status_code == 200
    say(client, conv, "no sé")  # the latest words, while waiting
    _, key = new_agent(db_path(client))
    item = next(i for i in client.get(f"{AGENT}/queue", headers=key).json()["waiting"] if i["conversation_id"] == cid)
    assert item["preview"] == "no sé"
    assert item["problem"] == "Mi depósito de USDT no ha llegado después de dos horas"
    assert item["language"] == "es" and item["waited_s"] >= 0
    assert item["article_title"]  # the article the bot considered for that question


def test_queue_card_names_the_security_case(client: TestClient) -> None:
    conv = start(client, locale="en")
    say(client, conv, "Someone hacked my account and changed my email, I can't log in")
    _, key = new_agent(db_path(client))
    item = next(
        i for i in client.get(f"{AGENT}/queue", headers=key).json()["waiting"]
        if i["conversation_id"] == conv["conversation_id"]
    )
    assert item["security_case"] == "account_compromised" and item["priority"] == "urgent"
    assert item["problem"].startswith("Someone hacked my account")


def test_unknown_and_disabled_keys_give_different_codes(client: TestClient, clock: Clock) -> None:
    r = client.get(f"{AGENT}/me", headers={"Authorization": "Bearer sbk_not-a-real-key"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_agent_key"
    agent, key = new_agent(db_path(client))
    db = open_db(db_path(client))
    try:
        disable_agent(db, agent.id, now=clock())
    finally:
        db.close()
    r = client.get(f"{AGENT}/queue", headers=key)
    assert r.status_code == 401 and r.json()["error"]["code"] == "agent_disabled"
