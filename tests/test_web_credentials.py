"""Credentials stay out of URLs and logs, and do not live forever: single-use stream tickets, widget
tokens that expire after inactivity, agent keys that rotate, and an access-log filter."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.turn import Bot
from handoff.__main__ import main as handoff_cli
from tests.web_support import (
    Clock,
    app_client,
    client,
    clock,
    db_path,
    new_agent,
    real_bot,
    say,
    start,
    stored,
)
from web.access_log import install_credential_filter, mask_credentials

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

AGENT = "/api/v1/agent"
DAY_S = 24 * 3600


def assert_error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code


def events(client: TestClient, cid: str, ticket: str) -> Any:
    return client.get(f"/api/v1/conversations/{cid}/events", params={"once": 1, "ticket": ticket})


def conversation_ticket(client: TestClient, conv: dict[str, Any]) -> str:
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/stream-ticket", headers=conv["auth"])
    assert r.status_code == 200, r.text
    assert r.json()["expires_in_s"] == 60
    ticket: str = r.json()["ticket"]
    return ticket


# ---------------------------------------------------------------- stream tickets


@pytest.mark.sqlite_only("reads the database file's bytes")
def test_conversation_ticket_opens_the_stream_once_and_is_stored_hashed(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    ticket = conversation_ticket(client, conv)
    # Stored only as its sha256: the ticket itself is in neither the database nor its WAL.
    with stored(db_path(client)):
        files = [db_path(client), db_path(client).with_name(db_path(client).name + "-wal")]
        written = b"".join(f.read_bytes() for f in files if f.exists())
    assert ticket.encode() not in written
    assert hashlib.sha256(ticket.encode()).hexdigest().encode() in written
    r = events(client, cid, ticket)
    assert r.status_code == 200 and "event: message" in r.text
    assert_error(events(client, cid, ticket), 401, "invalid_stream_ticket")


def test_ticket_needs_the_token_in_the_header(client: TestClient) -> None:
    conv = start(client)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/stream-ticket")
    assert_error(r, 401, "invalid_token")


def test_ticket_of_another_conversation_is_forbidden(client: TestClient) -> None:
    a, b = start(client), start(client)
    assert_error(events(client, b["conversation_id"], conversation_ticket(client, a)), 403, "forbidden_token")


def test_ticket_expires(client: TestClient, clock: Clock) -> None:
    conv = start(client)
    ticket = conversation_ticket(client, conv)
    clock.advance(61)
    assert_error(events(client, conv["conversation_id"], ticket), 401, "invalid_stream_ticket")


def test_unknown_ticket_is_refused(client: TestClient) -> None:
    conv = start(client)
    assert_error(events(client, conv["conversation_id"], "sbt_nothing"), 401, "invalid_stream_ticket")


def test_agent_ticket_opens_the_queue_stream_once_and_not_a_conversation(client: TestClient) -> None:
    conv = start(client)
    _, key = new_agent(db_path(client))
    ticket = client.post(f"{AGENT}/stream-ticket", headers=key).json()["ticket"]
    assert_error(events(client, conv["conversation_id"], ticket), 401, "invalid_stream_ticket")  # spent, wrong purpose
    ticket = client.post(f"{AGENT}/stream-ticket", headers=key).json()["ticket"]
    r = client.get(f"{AGENT}/events", params={"once": 1, "ticket": ticket})
    assert r.status_code == 200 and "event: queue" in r.text
    assert_error(client.get(f"{AGENT}/events", params={"once": 1, "ticket": ticket}), 401, "invalid_stream_ticket")
    conv_ticket = conversation_ticket(client, conv)
    assert_error(client.get(f"{AGENT}/events", params={"once": 1, "ticket": conv_ticket}), 401, "invalid_stream_ticket")


def test_agent_key_in_the_query_string_is_refused(client: TestClient) -> None:
    _, key = new_agent(db_path(client))
    raw = key["Authorization"].removeprefix("Bearer ")
    assert_error(client.get(f"{AGENT}/events", params={"once": 1, "key": raw}), 401, "invalid_agent_key")


# ---------------------------------------------------------------- widget token expiry


def test_widget_token_expires_after_inactivity(client: TestClient, clock: Clock) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    clock.advance(2 * DAY_S)
    say(client, conv, "hello")  # activity: the idle time starts again
    clock.advance(2 * DAY_S)
    assert client.get(f"/api/v1/conversations/{cid}/messages", headers=conv["auth"]).status_code == 200
    clock.advance(1 * DAY_S + 60)
    assert_error(client.get(f"/api/v1/conversations/{cid}/messages", headers=conv["auth"]), 401, "token_expired")
    r = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hi"}, headers=conv["auth"])
    assert_error(r, 401, "token_expired")
    r = client.post(f"/api/v1/conversations/{cid}/stream-ticket", headers=conv["auth"])
    assert_error(r, 401, "token_expired")


def test_widget_token_lifetime_is_a_setting(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock, widget_token_idle_s=600) as c:
        conv = start(c)
        clock.advance(601)
        r = c.get(f"/api/v1/conversations/{conv['conversation_id']}/messages", headers=conv["auth"])
        assert_error(r, 401, "token_expired")


# ---------------------------------------------------------------- agent key rotation


def test_admin_rotates_an_agent_key_and_the_old_one_is_refused(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock, admin_key="adm-key") as c:
        agent, old = new_agent(db_path(c))
        assert c.get(f"{AGENT}/me", headers=old).status_code == 200
        admin = {"Authorization": "Bearer adm-key"}
        r = c.post(f"/api/v1/admin/agents/{agent.id}/rotate-key", headers=admin)
        assert r.status_code == 200, r.text
        new = {"Authorization": f"Bearer {r.json()['api_key']}"}
        assert_error(c.get(f"{AGENT}/me", headers=old), 401, "invalid_agent_key")
        assert c.get(f"{AGENT}/me", headers=new).json()["id"] == agent.id
        assert_error(c.post(f"/api/v1/admin/agents/{agent.id}/rotate-key", headers=old), 401, "invalid_admin_key")
        assert c.post("/api/v1/admin/agents/999/rotate-key", headers=admin).status_code == 404


def test_cli_rotates_a_key_by_name(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    _, old = new_agent(db_path(client), name="Mei")
    assert handoff_cli(["rotate-key", "Mei", "--db", str(db_path(client)), "--json"]) == 0
    new_key = json.loads(capsys.readouterr().out)["api_key"]
    assert_error(client.get(f"{AGENT}/me", headers=old), 401, "invalid_agent_key")
    assert client.get(f"{AGENT}/me", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
    assert handoff_cli(["rotate-key", "Nobody", "--db", str(db_path(client))]) == 1


# ---------------------------------------------------------------- logs


def test_mask_credentials_keeps_other_parameters() -> None:
    path = "/api/v1/agent/events?key=sbk_abc&once=1&after=5&access_token=xyz&ticket=sbt_1"
    assert mask_credentials(path) == "/api/v1/agent/events?key=***&once=1&after=5&access_token=***&ticket=***"


def test_access_log_lines_never_carry_a_credential(caplog: pytest.LogCaptureFixture) -> None:
    install_credential_filter()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)  # uvicorn's loggers do not propagate to the root
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            access.info(
                '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                "/api/v1/conversations/c1/events?token=tok_SECRET1&once=1", "1.1", 200,
            )
            access.info('127.0.0.1 - "GET /api/v1/agent/events?key=sbk_SECRET2 HTTP/1.1" 200')
    finally:
        access.removeHandler(caplog.handler)
    assert "SECRET1" not in caplog.text and "SECRET2" not in caplog.text
    assert "token=***&once=1" in caplog.text and "key=***" in caplog.text


def test_the_app_installs_the_filter(client: TestClient) -> None:
    assert any(type(f).__name__ == "CredentialFilter" for f in logging.getLogger("uvicorn.access").filters)
