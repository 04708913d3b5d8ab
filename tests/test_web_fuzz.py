"""schemathesis against the app's own OpenAPI document: no 5xx, and every response as documented.

Each operation gets a bounded number of generated requests (valid and invalid), sent in-process to
the real app with the real bot. Widget routes carry a real conversation token and a real
conversation id, agent routes a real agent key, admin and metrics routes their keys, so the
generated bodies reach the handlers instead of stopping at authentication.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.turn import Bot
from config.settings import Settings
from tests.web_support import Clock, make_settings, new_agent, real_bot
from web.app import create_app
from web.events import StreamTiming
from web.openapi import client_error_codes

__all__ = ["real_bot"]

ADMIN_KEY = "adm-" + "f" * 40
METRICS_KEY = "met-" + "f" * 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Streams end at once, so a generated request to an SSE route returns instead of holding the test.
SHORT_STREAMS = StreamTiming(poll_s=0.01, queue_poll_s=0.01, keepalive_s=0.02, max_s=0.05, retry_ms=1000)


class Credentials:
    def __init__(self, conversation_id: str, token: str, agent_key: str) -> None:
        self.conversation_id = conversation_id
        self.token = token
        self.agent_key = agent_key

    def headers_for(self, path: str) -> dict[str, str]:
        if path.startswith("/api/v1/agent"):
            return {"Authorization": f"Bearer {self.agent_key}"}
        if path.startswith("/api/v1/admin"):
            return {"Authorization": f"Bearer {ADMIN_KEY}"}
        if path == "/metrics":
            return {"Authorization": f"Bearer {METRICS_KEY}"}
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, real_bot: Bot) -> Iterator[tuple[FastAPI, Credentials]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        make_settings(tmp, admin_key=ADMIN_KEY, metrics_key=METRICS_KEY, rate_limit_per_minute=100_000),
        bot=real_bot,
        clock=Clock(),
        streams=SHORT_STREAMS,
    )
    with TestClient(app) as client:
        conv = client.post("/api/v1/conversations", json={"locale": "en"}).json()
        db = Path(app.state.settings.db_path)
        _, agent_auth = new_agent(db, name="Fuzz agent")
        creds = Credentials(conv["conversation_id"], conv["token"], agent_auth["Authorization"].split()[1])
        yield app, creds


# The document does not depend on the bot or the data directory: read it from an app never started.
schema = schemathesis.openapi.from_dict(create_app(Settings(_env_file=None)).openapi())


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
def test_no_5xx_and_every_response_as_documented(case: Any, fuzz_app: tuple[FastAPI, Credentials]) -> None:
    app, creds = fuzz_app
    if "conversation_id" in (case.path_parameters or {}):
        case.path_parameters["conversation_id"] = creds.conversation_id
    # A generous timeout: the machine running the suite may be busy; a slow answer is not what this checks.
    case.call_and_validate(app=app, headers=creds.headers_for(case.operation.path), checks=CHECKS, timeout=120)


def test_every_operation_documents_the_error_shape(fuzz_app: tuple[FastAPI, Credentials]) -> None:
    app, _ = fuzz_app
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status in ("422", "4XX"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorOut", (method, path, status)


def test_error_codes_are_the_raised_ones() -> None:
    codes = client_error_codes()
    for code in ("invalid_token", "rate_limited", "conversation_not_found", "invalid_request", "request_too_large"):
        assert code in codes
    assert "internal" not in codes and "handoff_error" not in codes  # 5xx codes are not a client's to handle


def test_message_length_limit_is_in_the_document(fuzz_app: tuple[FastAPI, Credentials]) -> None:
    app, _ = fuzz_app
    schemas = app.openapi()["components"]["schemas"]
    text = schemas["SendMessageIn"]["properties"]["text"]
    assert text.get("maxLength") == app.state.settings.max_message_chars
