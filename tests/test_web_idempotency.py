"""``Idempotency-Key`` on the widget's message POST: a retry returns the first result and stores nothing new."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff import Sender, find_key, list_messages
from handoff.db import open_db
from handoff.idempotency import claim_key, request_fingerprint
from tests.web_support import START, client, clock, db_path, real_bot, start, stored

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]  # fixtures used by name


def post(client: TestClient, conv: dict[str, Any], text: str, key: str | None) -> Any:
    headers = dict(conv["auth"])
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/conversations/{conv['conversation_id']}/messages", json={"text": text}, headers=headers)


def user_rows(client: TestClient, cid: str) -> list[tuple[Any, ...]]:
    with stored(db_path(client)) as db:
        return [(m.text,) for m in list_messages(db, cid) if m.sender == Sender.USER]


def all_rows(client: TestClient, cid: str) -> int:
    with stored(db_path(client)) as db:
        return len(list_messages(db, cid))


def assert_error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_repeat_with_same_key_returns_first_result_and_stores_nothing_new(client: TestClient) -> None:
    conv = start(client)
    key = str(uuid.uuid4())
    first = post(client, conv, "How do I reset my password?", key)
    assert first.status_code == 201, first.text
    stored = all_rows(client, conv["conversation_id"])
    again = post(client, conv, "How do I reset my password?", key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert user_rows(client, conv["conversation_id"]) == [("How do I reset my password?",)]
    assert all_rows(client, conv["conversation_id"]) == stored


def test_without_a_key_each_post_is_a_new_message(client: TestClient) -> None:
    conv = start(client)
    post(client, conv, "hello", None)
    post(client, conv, "hello", None)
    assert len(user_rows(client, conv["conversation_id"])) == 2


def test_a_new_key_is_a_new_message(client: TestClient) -> None:
    conv = start(client)
    post(client, conv, "hello", "k-1")
    post(client, conv, "hello", "k-2")
    assert len(user_rows(client, conv["conversation_id"])) == 2


def test_same_key_with_another_body_is_refused(client: TestClient) -> None:
    conv = start(client)
    assert post(client, conv, "hello", "k-1").status_code == 201
    assert_error(post(client, conv, "something else", "k-1"), 422, "idempotency_key_mismatch")
    assert user_rows(client, conv["conversation_id"]) == [("hello",)]


def test_keys_are_scoped_to_their_conversation(client: TestClient) -> None:
    a, b = start(client), start(client)
    assert post(client, a, "hello", "shared").status_code == 201
    assert post(client, b, "hello", "shared").status_code == 201
    assert len(user_rows(client, b["conversation_id"])) == 1


@pytest.mark.parametrize("key", [b"", b"x" * 201, "naïve".encode(), b"tab\there"])
def test_malformed_key_is_422(client: TestClient, key: bytes) -> None:
    conv = start(client)
    headers: dict[str, str | bytes] = {**conv["auth"], "Idempotency-Key": key}
    r = client.post(
        f"/api/v1/conversations/{conv['conversation_id']}/messages",
        content=(b'{"text": "hello"}'), headers={**headers, "Content-Type": "application/json"},
    )
    assert_error(r, 422, "invalid_idempotency_key")
    assert user_rows(client, conv["conversation_id"]) == []


def test_longest_printable_key_is_accepted(client: TestClient) -> None:
    conv = start(client)
    assert post(client, conv, "hello", "~" * 200).status_code == 201


def test_key_without_saved_response_is_rebuilt_from_its_messages(client: TestClient) -> None:
    """The process died after the message committed and before the response was saved."""
    conv = start(client)
    cid = conv["conversation_id"]
    with stored(db_path(client)) as reader:
        greeting_id = list_messages(reader, cid)[0].id
    db = open_db(db_path(client))
    try:
        claim_key(
            db, cid, "lost", request_hash=request_fingerprint({"text": "hello"}), message_ids=[greeting_id],
            status_code=201, now=START,
        )
    finally:
        db.close()
    r = post(client, conv, "hello", "lost")
    assert r.status_code == 201
    assert r.json()["message"]["id"] == greeting_id and r.json()["replies"] == []
    assert user_rows(client, cid) == []
    assert post(client, conv, "hello", "lost").json() == r.json()


def test_key_is_stored_with_the_message_and_unique_per_conversation(client: TestClient) -> None:
    conv = start(client)
    post(client, conv, "hello", "k-1")
    with stored(db_path(client)) as reader:
        key = find_key(reader, conv["conversation_id"], "k-1")
    assert key is not None and key.status_code == 201 and len(key.message_ids) >= 2
    db = open_db(db_path(client))
    try:
        from handoff.idempotency import KeyAlreadyUsed

        with pytest.raises(KeyAlreadyUsed):
            claim_key(db, conv["conversation_id"], "k-1", request_hash="x", message_ids=[], status_code=201, now=START)
    finally:
        db.close()


def test_keys_are_forgotten_after_a_day(client: TestClient, clock: Any) -> None:
    conv = start(client)
    post(client, conv, "hello", "old")
    clock.advance(25 * 3600)
    post(client, conv, "hello again", "new")  # saving this response sweeps the day-old key
    with stored(db_path(client)) as reader:
        assert find_key(reader, conv["conversation_id"], "old") is None
        assert find_key(reader, conv["conversation_id"], "new") is not None
