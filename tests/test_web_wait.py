"""Honest waits over HTTP: the queue notice, the conversation's wait state and its number agree with
the staffing (nobody online, a free agent, agents busy past the cap), in the user's language."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.messages import load_catalog
from handoff.eta import DEFAULT_HANDLING_S, PICKUP_S, WAIT_CAP_S
from tests.web_support import client, clock, db_path, new_agent, real_bot, start

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

AGENT = "/api/v1/agent"


def hand_off(client: TestClient, locale: str = "en") -> dict[str, Any]:
    conv = start(client, locale=locale)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/handoff", headers=conv["auth"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["auth"] = conv["auth"]
    body["conversation_id"] = conv["conversation_id"]
    return body


def notice(body: dict[str, Any]) -> dict[str, Any]:
    queued = [m for m in body["replies"] if m.get("action") == "queue"]
    assert len(queued) == 1, body["replies"]
    return queued[0]


def state(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.get(f"/api/v1/conversations/{body['conversation_id']}/messages", headers=body["auth"])
    assert r.status_code == 200
    conversation: dict[str, Any] = r.json()["conversation"]
    return conversation


def test_wait_with_nobody_online_says_so_and_shows_no_number(client: TestClient) -> None:
    body = hand_off(client, "ru")
    c = load_catalog()
    assert notice(body)["text"] == c.render("no_agent_online", "ru")
    conv = body["conversation"]
    assert conv["wait_state"] == "nobody_online" and conv["estimated_wait_s"] is None and conv["agents_online"] == 0


def test_wait_with_a_free_agent_is_the_pickup_minute(client: TestClient) -> None:
    _, key = new_agent(db_path(client), capacity=3)
    assert client.get(f"{AGENT}/me", headers=key).status_code == 200  # the heartbeat: online
    body = hand_off(client, "ja")
    assert notice(body)["text"] == load_catalog().render("handoff_notice", "ja", position=1, minutes=1)
    conv = body["conversation"]
    assert conv["wait_state"] == "estimate" and conv["estimated_wait_s"] == PICKUP_S


def test_wait_grows_with_position_and_past_the_cap_says_agents_are_busy(client: TestClient) -> None:
    _, key = new_agent(db_path(client), capacity=1)
    client.get(f"{AGENT}/me", headers=key)
    held = hand_off(client)
    assert client.post(f"{AGENT}/conversations/{held['conversation_id']}/claim", headers=key).status_code == 200
    # One agent, one slot, taken; no handling history yet, so the default handling time per round.
    queued = [hand_off(client) for _ in range(3)]
    c = load_catalog()
    one, two = (PICKUP_S + n * int(DEFAULT_HANDLING_S) for n in (1, 2))
    assert two <= WAIT_CAP_S < PICKUP_S + 3 * int(DEFAULT_HANDLING_S)
    expected = [
        ("estimate", one, c.render("handoff_notice", "en", position=1, minutes=-(-one // 60))),
        ("estimate", two, c.render("handoff_notice", "en", position=2, minutes=-(-two // 60))),
        ("busy", None, c.render("handoff_notice_busy", "en")),
    ]
    for body, (wait_state, seconds, text) in zip(queued, expected, strict=True):
        assert notice(body)["text"] == text
        conv = state(client, body)
        assert (conv["wait_state"], conv["estimated_wait_s"]) == (wait_state, seconds)
    # The busy user is offered the e-mail route in the banner text too.
    assert "e-mail" in c.render("ui.widget.wait_busy", "en")
