"""Identity that binds: the widget's signed token (HS256 JWT) is the only source of a user's id, e-mail
and name when ``SUPPORTBOT_IDENTITY_SECRET`` is set; forged, missing, expired and tampered tokens are
each refused with a stable code."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bot.turn import Bot
from config.settings import Settings
from handoff import get_conversation
from tests.web_support import START, Clock, app_client, client, clock, db_path, real_bot, stored
from web.identity import mint_identity_token

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

SECRET = "s3cr3t-identity-key-of-32-bytes!"
EXP = int((START + timedelta(hours=1)).timestamp())
CLAIMS = {"sub": "user-42", "email": "mia@example.com", "name": "Mia", "exp": EXP}


@pytest.fixture
def verified(tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(tmp_path, real_bot, clock, identity_secret=SECRET) as c:
        yield c


@pytest.fixture
def required(tmp_path: Path, real_bot: Bot, clock: Clock) -> Iterator[TestClient]:
    with app_client(tmp_path, real_bot, clock, identity_secret=SECRET, identity_required=True) as c:
        yield c


def open_with(c: TestClient, **body: Any) -> Any:
    return c.post("/api/v1/conversations", json=body)


def assert_error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code


def user_columns(c: TestClient, cid: str) -> list[tuple[Any, ...]]:
    with stored(db_path(c)) as db:
        conv = get_conversation(db, cid)
    return [(conv.user_id, conv.user_email, conv.user_name)]


def test_valid_token_is_accepted_and_only_its_claims_are_stored(verified: TestClient) -> None:
    r = open_with(verified, identity_token=mint_identity_token(SECRET, CLAIMS), locale="en")
    assert r.status_code == 201, r.text
    assert user_columns(verified, r.json()["conversation_id"]) == [("user-42", "mia@example.com", "Mia")]


def test_user_fields_repeating_the_claims_are_accepted(verified: TestClient) -> None:
    user = {"id": "user-42", "email": "mia@example.com"}
    assert open_with(verified, identity_token=mint_identity_token(SECRET, CLAIMS), user=user).status_code == 201


def test_forged_token_is_identity_invalid(verified: TestClient) -> None:
    r = open_with(verified, identity_token=mint_identity_token("another-secret-of-32-bytes-long!", CLAIMS))
    assert_error(r, 403, "identity_invalid")


def test_claim_tampered_token_is_identity_invalid(verified: TestClient) -> None:
    header, payload, signature = mint_identity_token(SECRET, CLAIMS).split(".")
    claims = {**CLAIMS, "email": "boss@example.com"}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert forged != payload
    assert_error(open_with(verified, identity_token=f"{header}.{forged}.{signature}"), 403, "identity_invalid")


def test_user_fields_contradicting_a_valid_token_are_identity_mismatch(verified: TestClient) -> None:
    token = mint_identity_token(SECRET, CLAIMS)
    r = open_with(verified, identity_token=token, user={"id": "user-42", "email": "boss@example.com"})
    assert_error(r, 403, "identity_mismatch")
    assert_error(open_with(verified, identity_token=token, user={"id": "user-43"}), 403, "identity_mismatch")


def test_expired_token_is_identity_expired(verified: TestClient) -> None:
    past = int((START - timedelta(minutes=5)).timestamp())
    assert_error(open_with(verified, identity_token=mint_identity_token(SECRET, {**CLAIMS, "exp": past})),
                 401, "identity_expired")


def test_expiry_has_a_small_leeway(verified: TestClient) -> None:
    just = int((START - timedelta(seconds=5)).timestamp())
    assert open_with(verified, identity_token=mint_identity_token(SECRET, {**CLAIMS, "exp": just})).status_code == 201


def test_token_without_exp_or_sub_is_identity_invalid(verified: TestClient) -> None:
    no_exp = {k: v for k, v in CLAIMS.items() if k != "exp"}
    no_sub = {k: v for k, v in CLAIMS.items() if k != "sub"}
    assert_error(open_with(verified, identity_token=mint_identity_token(SECRET, no_exp)), 403, "identity_invalid")
    assert_error(open_with(verified, identity_token=mint_identity_token(SECRET, no_sub)), 403, "identity_invalid")


@pytest.mark.parametrize("algorithm", ["HS512", "none"])
def test_other_algorithms_are_identity_invalid(verified: TestClient, algorithm: str) -> None:
    key = SECRET if algorithm != "none" else None
    token = jwt.encode(CLAIMS, key, algorithm=algorithm)
    assert_error(open_with(verified, identity_token=token), 403, "identity_invalid")


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "ü" * 20])
def test_malformed_token_is_identity_invalid(verified: TestClient, token: str) -> None:
    assert_error(open_with(verified, identity_token=token), 403, "identity_invalid")


def test_wrongly_typed_claims_are_identity_invalid(verified: TestClient) -> None:
    for claims in ({**CLAIMS, "sub": 42}, {**CLAIMS, "email": ["a@b.c"]}, {**CLAIMS, "name": "x" * 201}):
        assert_error(open_with(verified, identity_token=mint_identity_token(SECRET, claims)), 403, "identity_invalid")


def test_user_fields_without_a_token_are_identity_required(verified: TestClient) -> None:
    r = open_with(verified, user={"id": "user-42", "email": "mia@example.com"})
    assert_error(r, 401, "identity_required")


def test_anonymous_is_allowed_unless_identity_is_required(verified: TestClient, required: TestClient) -> None:
    assert open_with(verified, locale="en").status_code == 201
    assert_error(open_with(required, locale="en"), 401, "identity_required")
    assert_error(required.post("/api/v1/conversations"), 401, "identity_required")
    assert open_with(required, identity_token=mint_identity_token(SECRET, CLAIMS)).status_code == 201


def test_without_a_secret_user_fields_are_kept_unverified_and_tokens_refused(client: TestClient) -> None:
    r = open_with(client, user={"id": "u1", "name": "Ann"})
    assert r.status_code == 201
    assert user_columns(client, r.json()["conversation_id"]) == [("u1", None, "Ann")]
    assert_error(open_with(client, identity_token=mint_identity_token(SECRET, CLAIMS)), 422, "identity_not_configured")


def test_the_old_user_hash_field_is_gone(client: TestClient) -> None:
    r = open_with(client, user={"id": "u1", "hash": "00" * 32})
    assert r.status_code == 422


def test_identity_required_needs_a_secret() -> None:
    with pytest.raises(ValidationError, match="identity_secret"):
        Settings(_env_file=None, identity_required=True)


def test_verified_claims_are_stored_redacted(verified: TestClient) -> None:
    claims = {**CLAIMS, "name": "Mia, my password is Tr0ub4dor&3xyz"}
    r = open_with(verified, identity_token=mint_identity_token(SECRET, claims))
    assert r.status_code == 201, r.text
    (row,) = user_columns(verified, r.json()["conversation_id"])
    assert row[2] == "Mia, my password is [redacted: password]"
