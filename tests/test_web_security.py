"""Security and the error shape: tokens (identity tokens: test_web_identity.py), size and rate limits, CORS, 4xx/5xx bodies,
and secrets users paste never reaching the disk or an agent's screen."""

from __future__ import annotations

from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.turn import Bot
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
)
from web.security import SlidingWindow, key_matches

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

# A valid 12-word BIP-39 mnemonic (the all-"abandon" test vector ending in "about").
SEED = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and "Traceback" not in r.text
    return body


# ---------------------------------------------------------------- conversation tokens


def test_message_without_token_is_401_invalid_token(client: TestClient) -> None:
    conv = start(client)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": "hi"})
    assert_error(r, 401, "invalid_token")
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic abc", "bearer"])
def test_unknown_or_malformed_token_is_401(client: TestClient, header: str) -> None:
    conv = start(client)
    r = client.get(f"/api/v1/conversations/{conv['conversation_id']}/messages", headers={"Authorization": header})
    assert_error(r, 401, "invalid_token")


def test_forged_token_one_character_off_is_401(client: TestClient) -> None:
    conv = start(client)
    token = conv["token"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    r = client.get(
        f"/api/v1/conversations/{conv['conversation_id']}/messages", headers={"Authorization": f"Bearer {forged}"}
    )
    assert_error(r, 401, "invalid_token")


def test_token_hash_used_as_token_is_401(client: TestClient) -> None:
    conv = start(client)
    stolen_hash = sha256(conv["token"].encode()).hexdigest()  # what a database leak would reveal
    r = client.get(
        f"/api/v1/conversations/{conv['conversation_id']}/messages", headers={"Authorization": f"Bearer {stolen_hash}"}
    )
    assert_error(r, 401, "invalid_token")


def test_foreign_token_is_403_on_every_conversation_route(client: TestClient) -> None:
    mine, theirs = start(client), start(client)
    cid = theirs["conversation_id"]
    calls = [
        ("post", f"/api/v1/conversations/{cid}/messages", {"text": "hi"}),
        ("get", f"/api/v1/conversations/{cid}/messages", None),
        ("get", f"/api/v1/conversations/{cid}/events?once=1", None),
        ("post", f"/api/v1/conversations/{cid}/handoff", None),
        ("post", f"/api/v1/conversations/{cid}/feedback", {"rating": 5}),
        ("post", f"/api/v1/conversations/{cid}/contact", {"contact": "a@b.co"}),
    ]
    for method, url, body in calls:
        r = client.request(method.upper(), url, json=body, headers=mine["auth"])
        assert_error(r, 403, "forbidden_token")
    # ... and the same answer for a conversation that does not exist: a token reveals nothing else.
    r = client.get("/api/v1/conversations/00000000-0000-4000-8000-000000000000/messages", headers=mine["auth"])
    assert_error(r, 403, "forbidden_token")


def test_no_route_accepts_the_token_in_the_query_string(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    r = client.get(f"/api/v1/conversations/{cid}/events", params={"once": 1, "token": conv["token"]})
    assert_error(r, 401, "invalid_token")
    r = client.get(f"/api/v1/conversations/{cid}/messages", params={"token": conv["token"]})
    assert_error(r, 401, "invalid_token")


# ---------------------------------------------------------------- sizes


def test_message_over_max_chars_is_413_message_too_long_in_user_language(
    tmp_path: Path, real_bot: Bot, clock: Clock
) -> None:
    with app_client(tmp_path, real_bot, clock, max_message_chars=50) as c:
        conv = start(c, locale="es")
        r = c.post(
            f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": "a" * 51}, headers=conv["auth"]
        )
        body = assert_error(r, 413, "message_too_long")
        assert "mensaje" in body["error"]["message"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_message_is_422_invalid_request(client: TestClient, text: str) -> None:
    conv = start(client)
    r = client.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": text}, headers=conv["auth"])
    body = assert_error(r, 422, "invalid_request")
    assert body["error"]["field"] == "text"


def test_body_over_64_kib_is_413_request_too_large(client: TestClient) -> None:
    conv = start(client)
    url = f"/api/v1/conversations/{conv['conversation_id']}/messages"
    r = client.post(url, json={"text": "a" * 70_000}, headers=conv["auth"])
    assert_error(r, 413, "request_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        yield b'{"text": "'
        for _ in range(80):
            yield b"a" * 1024
        yield b'"}'

    r = client.post(url, content=chunks(), headers={**conv["auth"], "Content-Type": "application/json"})
    assert_error(r, 413, "request_too_large")


def test_unknown_field_bad_json_and_out_of_range_numbers_are_422(client: TestClient) -> None:
    r = client.post("/api/v1/conversations", json={"locale": "en", "admin": True})
    assert_error(r, 422, "invalid_request")
    r = client.post("/api/v1/conversations", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(r, 422, "invalid_request")
    r = client.post("/api/v1/conversations", json=["a list"])
    assert_error(r, 422, "invalid_request")
    conv = start(client)
    cid = conv["conversation_id"]
    r = client.get(f"/api/v1/conversations/{cid}/messages", params={"after": 10**30}, headers=conv["auth"])
    assert assert_error(r, 422, "invalid_request")["error"]["field"] == "query.after"
    r = client.post(
        f"/api/v1/conversations/{cid}/feedback", json={"message_id": 2**70, "helpful": True}, headers=conv["auth"]
    )
    assert_error(r, 422, "invalid_request")


def test_invalid_content_length_is_400(client: TestClient) -> None:
    r = client.post("/api/v1/conversations", headers={"Content-Length": "abc"})
    assert_error(r, 400, "bad_request")


# ---------------------------------------------------------------- rate limits


def test_sliding_window_refuses_over_limit_and_reports_wait() -> None:
    now = [100.0]
    window = SlidingWindow(2, 60.0, clock=lambda: now[0])
    assert window.hit("k") is None and window.hit("k") is None
    assert window.hit("k") == pytest.approx(60.0)
    now[0] += 30
    assert window.hit("k") == pytest.approx(30.0)
    assert window.hit("other") is None
    now[0] += 30.01
    assert window.hit("k") is None


def test_rate_limit_per_token_and_per_ip_is_429_with_retry_after(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock, rate_limit_per_minute=2) as c:
        first = start(c, locale="ko")
        url = f"/api/v1/conversations/{first['conversation_id']}/feedback"
        vote = {"message_id": first["messages"][0]["id"], "helpful": True}
        assert c.post(url, json=vote, headers=first["auth"]).status_code == 201
        assert c.post(url, json=vote, headers=first["auth"]).status_code == 201
        r = c.post(url, json=vote, headers=first["auth"])
        body = assert_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert body["error"]["message"] != "You're sending messages too quickly. Please wait a moment and try again."
        # The IP's budget is three tokens' worth: two more conversations use it up.
        for _ in range(2):
            other = start(c)
            o_url = f"/api/v1/conversations/{other['conversation_id']}/feedback"
            o_vote = {"message_id": other["messages"][0]["id"], "helpful": False}
            assert c.post(o_url, json=o_vote, headers=other["auth"]).status_code == 201
            assert c.post(o_url, json=o_vote, headers=other["auth"]).status_code == 201
        fresh = start(c)
        r = c.post(
            f"/api/v1/conversations/{fresh['conversation_id']}/handoff", headers=fresh["auth"]
        )
        assert_error(r, 429, "rate_limited")
        assert "retry-after" in r.headers


def test_ask_without_conversation_is_limited_per_ip(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock, rate_limit_per_minute=1) as c:
        # Blank questions are refused after they are counted, so no model work is needed to fill the window.
        for _ in range(3):  # an IP has three tokens' worth of budget
            assert_error(c.post("/api/v1/ask", json={"text": ""}), 422, "invalid_request")
        r = c.post("/api/v1/ask", json={"text": "hello"})
        assert_error(r, 429, "rate_limited")


def test_conversation_starts_per_ip_are_limited(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock, rate_limit_per_minute=1) as c:
        for _ in range(3):
            assert c.post("/api/v1/conversations", json={}).status_code == 201
        r = c.post("/api/v1/conversations", json={})
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1


# ---------------------------------------------------------------- CORS


@pytest.fixture
def cors(tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(tmp_path, real_bot, clock, cors_origins=["https://help.example.com"]) as c:
        yield c


def test_cors_preflight_from_allowed_origin(cors: TestClient) -> None:
    r = cors.options(
        "/api/v1/conversations",
        headers={
            "Origin": "https://help.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://help.example.com"
    simple = cors.post("/api/v1/conversations", json={}, headers={"Origin": "https://help.example.com"})
    assert simple.headers["access-control-allow-origin"] == "https://help.example.com"


def test_cors_preflight_allows_the_idempotency_key_the_widget_sends(cors: TestClient) -> None:
    r = cors.options(
        "/api/v1/conversations/c1/messages",
        headers={
            "Origin": "https://help.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert r.status_code == 200, r.text
    assert "idempotency-key" in r.headers["access-control-allow-headers"].lower()


def test_cors_preflight_from_other_origin_is_refused_in_error_shape(cors: TestClient) -> None:
    r = cors.options(
        "/api/v1/conversations",
        headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
    )
    assert_error(r, 403, "cors_denied")
    assert "access-control-allow-origin" not in r.headers
    simple = cors.post("/api/v1/conversations", json={}, headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_with_empty_allow_list_refuses_every_cross_origin_preflight(client: TestClient) -> None:
    r = client.options(
        "/api/v1/conversations",
        headers={"Origin": "https://help.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert_error(r, 403, "cors_denied")


# ---------------------------------------------------------------- error shape


def test_error_shape_on_404_405_422(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    r = client.delete("/api/v1/conversations")
    assert_error(r, 405, "method_not_allowed")
    assert "allow" in r.headers
    assert_error(client.post("/api/v1/ask", json={"text": ""}), 422, "invalid_request")


def test_error_shape_on_500_hides_the_exception(
    tmp_path: Path, real_bot: Bot, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from web.chat import ChatService

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom: internal detail /srv/secret.db")

    monkeypatch.setattr(ChatService, "handle", explode)
    with app_client(tmp_path, real_bot, clock, raise_server_exceptions=False) as c:
        conv = start(c)
        r = c.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": "hi"}, headers=conv["auth"])
        assert_error(r, 500, "internal")
        assert "boom" not in r.text and "secret.db" not in r.text
    assert any("unhandled error" in rec.getMessage() for rec in caplog.records)


def test_admin_and_agent_keys_compare_by_digest() -> None:
    assert key_matches("abc", "abc") and not key_matches("abc", "abd") and not key_matches("", "abc")


# ---------------------------------------------------------------- redaction end to end


@pytest.mark.sqlite_only("reads the database files' bytes")
def test_pasted_seed_phrase_never_reaches_disk_nor_agent_transcript(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    out = say(client, conv, f"my wallet is empty, my seed is {SEED} please help")
    assert SEED not in out["message"]["text"] and "[redacted" in out["message"]["text"]
    assert out["conversation"]["status"] == "waiting" and out["conversation"]["priority"] == "urgent"
    # Then the user pastes it again while waiting for a person.
    out = say(client, conv, f"here it is again: {SEED}")
    assert SEED not in out["message"]["text"]
    _, agent = new_agent(db_path(client))
    transcript = client.get(f"/api/v1/agent/conversations/{cid}", headers=agent)
    assert transcript.status_code == 200
    assert "abandon abandon abandon" not in transcript.text
    assert "seed_phrase" in transcript.text  # the agent is told what kind of secret was removed
    client.post(f"/api/v1/agent/conversations/{cid}/claim", headers=agent)
    raw = b"".join(p.read_bytes() for p in db_path(client).parent.glob("supportbot.db*"))
    assert b"abandon abandon" not in raw
