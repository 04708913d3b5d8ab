"""Every free-text field goes through the one redaction function before it is stored or logged.

A scripted conversation per secret family plants that secret in every field the HTTP API takes as
free text (user name and e-mail, the message, a helpful-vote comment, the CSAT comment, the contact
address, an agent's reply); then the SQLite file, its WAL and the captured logs are searched for it.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.redaction import redact_text
from tests.web_support import client, clock, db_path, new_agent, real_bot, say, start

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]

# One secret per family, with words that make it one (as a user would type it).
SECRETS = {
    "seed_phrase": ("my seed is {}", "legal winner thank year wave sausage worth useful legal winner thank yellow"),
    "private_key": ("private key {}", "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"),
    "extended_private_key": (
        "backup {}",
        "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
    ),
    "api_secret": ("API key: {}", "kQ7vX2pL9mR4tY8wZ3nB6cF1hJ5sD0gA"),
    "password": ("my password is {}", "Tr0ub4dor&3xyz"),
    "one_time_code": ("my 2FA code is {}", "482913"),
    "card_number": ("card {}", "4111 1111 1111 1111"),
}


def forms(secret: str) -> list[bytes]:
    """The planted value as it could appear on disk or in a log (a card also without its spaces)."""
    values = {secret, secret.replace(" ", "")}
    return [v.encode() for v in values] + [v.encode("utf-16-le") for v in values]


def conv_path(conv: dict[str, Any], tail: str) -> str:
    return f"/api/v1/conversations/{conv['conversation_id']}{tail}"


def test_redact_text_is_the_one_function_for_optional_fields() -> None:
    assert redact_text(None) is None
    assert redact_text("plain words") == "plain words"
    assert redact_text("my password is Tr0ub4dor&3xyz") == "my password is [redacted: password]"


@pytest.mark.sqlite_only("reads the database file and its WAL")
def test_no_planted_secret_reaches_the_database_the_wal_or_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, agent = new_agent(db_path(client), capacity=20)
    # An idle reader keeps the WAL file in place: SQLite folds it into the database and deletes it
    # when the last connection closes, and the point is to search what was written there too.
    reader = sqlite3.connect(db_path(client))
    reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
    for family, (context, secret) in SECRETS.items():
        planted = context.format(secret)
        conv = start(client, locale="en", user={"id": f"user-{family}", "name": planted, "email": planted})
        greeting_id = conv["messages"][0]["id"]
        say(client, conv, planted)
        r = client.post(conv_path(conv, "/feedback"), json={"message_id": greeting_id, "helpful": False,
                                                           "comment": planted}, headers=conv["auth"])
        assert r.status_code == 201, r.text
        r = client.post(conv_path(conv, "/contact"), json={"contact": f"{planted} mia@example.com"}, headers=conv["auth"])
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_contact"
        client.post(conv_path(conv, "/handoff"), headers=conv["auth"])  # 409 when the secret already handed off
        cid = conv["conversation_id"]
        assert client.post(f"/api/v1/agent/conversations/{cid}/claim", headers=agent).status_code == 200
        r = client.post(f"/api/v1/agent/conversations/{cid}/messages", json={"text": planted}, headers=agent)
        assert r.status_code == 201, r.text
        assert secret not in r.json()["text"]
        assert client.post(f"/api/v1/agent/conversations/{cid}/resolve", json={}, headers=agent).status_code == 200
        r = client.post(conv_path(conv, "/feedback"), json={"rating": 2, "comment": planted}, headers=conv["auth"])
        assert r.status_code == 201, r.text
        transcript = client.get(f"/api/v1/agent/conversations/{cid}", headers=agent).text
        assert secret not in transcript and secret.replace(" ", "") not in transcript
    path = db_path(client)
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 0  # the WAL is where fresh writes sit before a checkpoint
    stored = path.read_bytes() + wal.read_bytes()
    reader.close()
    logged = caplog.text.encode()
    for family, (_, secret) in SECRETS.items():
        for form in forms(secret):
            assert form not in stored, f"{family} found in the database"
            assert form not in logged, f"{family} found in the logs"
