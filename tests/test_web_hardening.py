"""Hostile input at the HTTP edge: clear 4xx in the one error shape, never a 500; headers on pages;
``/metrics`` closed to other machines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.turn import Bot
from handoff import Sender, list_messages
from tests.web_support import Clock, app_client, clock, db_path, real_bot, start, stored
from web.schemas import clean_text

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["clock", "real_bot"]

ADMIN_KEY = "adm-" + "x" * 40
METRICS_KEY = "met-" + "y" * 40


@pytest.fixture
def hard(tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(
        tmp_path, real_bot, clock, raise_server_exceptions=False, admin_key=ADMIN_KEY, metrics_key=METRICS_KEY
    ) as c:
        yield c


def _post_raw(c: TestClient, url: str, body: str, token: str | None = None) -> object:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return c.post(url, content=body.encode("utf-8"), headers=headers)


def test_clean_text_replaces_lone_surrogates_and_drops_controls() -> None:
    assert clean_text("ok \ud83d") == "ok \ufffd"
    assert clean_text("a\x00b\x07c\td\ne") == "abc\td\ne"
    assert clean_text("😀 fine") == "😀 fine"


def test_lone_surrogate_in_a_message_is_replaced_and_stored(hard: TestClient) -> None:
    conv = start(hard)
    # The JSON escape reaches the server as a lone surrogate, as a browser sends half a cut emoji.
    r = _post_raw(
        hard, f"/api/v1/conversations/{conv['conversation']['id']}/messages",
        '{"text": "my deposit \\ud83d is missing"}', conv["token"],
    )
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    with stored(db_path(hard)) as db:
        texts = [m.text for m in list_messages(db, conv["conversation"]["id"]) if m.sender == Sender.USER]
    assert texts == ["my deposit \ufffd is missing"]


def test_lone_surrogate_on_ask_and_agent_routes_is_not_a_500(hard: TestClient) -> None:
    r = _post_raw(hard, "/api/v1/ask", '{"text": "\\ud800"}')
    assert r.status_code in (200, 422), r.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["\u0000", "\u0000\u0000 \u0007", " \t\n"])
def test_message_of_only_controls_is_refused_with_the_error_shape(hard: TestClient, text: str) -> None:
    conv = start(hard)
    r = _post_raw(
        hard, f"/api/v1/conversations/{conv['conversation']['id']}/messages", json.dumps({"text": text}),
        conv["token"],
    )
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert r.json()["error"]["code"] == "invalid_request"  # type: ignore[attr-defined]
    with stored(db_path(hard)) as db:
        assert [m for m in list_messages(db, conv["conversation"]["id"]) if m.sender == Sender.USER] == []


def test_admin_metrics_since_before_year_one_in_utc_is_a_422(hard: TestClient) -> None:
    r = hard.get(
        "/api/v1/admin/metrics", params={"since": "0001-01-01T00:00:00+01:00"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_period"


def test_admin_metrics_with_an_offset_is_converted_to_utc(hard: TestClient) -> None:
    r = hard.get(
        "/api/v1/admin/metrics", params={"since": "2025-01-01T00:00:00+09:00"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert r.status_code == 200
    assert r.json()["since"].startswith("2024-12-31T15:00:00")


@pytest.mark.parametrize("path", ["/", "/console"])
def test_pages_send_csp_no_framing_and_nosniff(hard: TestClient, path: str) -> None:
    r = hard.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_api_responses_are_nosniff_without_a_page_policy(hard: TestClient) -> None:
    r = hard.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers


def test_demo_page_has_no_inline_script_the_policy_would_block(hard: TestClient) -> None:
    html = hard.get("/").text
    assert "<script>" not in html and " onclick=" not in html


def test_metrics_needs_the_metrics_key(hard: TestClient) -> None:
    assert hard.get("/metrics").status_code == 403
    assert hard.get("/metrics", headers={"Authorization": "Bearer wrong"}).json()["error"]["code"] == (
        "metrics_forbidden"
    )
    assert hard.get("/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"}).status_code == 200


def test_metrics_without_a_key_answers_only_this_machine(tmp_path: Path, real_bot: Bot, clock: Clock) -> None:
    with app_client(tmp_path, real_bot, clock) as c:
        assert c.get("/metrics").status_code == 403  # TestClient's peer is "testclient", not loopback
    with TestClient(c.app, client=("127.0.0.1", 50000)) as local:
        assert local.get("/metrics").status_code == 200


@pytest.mark.sqlite_only("holds SQLite's file lock")
def test_a_write_lock_held_past_the_busy_timeout_is_a_503_to_retry_and_writes_nothing(
    hard: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import handoff.db

    conv = start(hard)
    path = db_path(hard)
    monkeypatch.setattr(handoff.db, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        r = hard.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": "hello"}, headers=conv["auth"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert r.json()["error"]["code"] == "database_busy"
    with stored(path) as db:
        assert [m.text for m in list_messages(db, conv["conversation_id"]) if m.sender == Sender.USER] == []
    again = hard.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": "hello"}, headers=conv["auth"])
    assert again.status_code == 201
