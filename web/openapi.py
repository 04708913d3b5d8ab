"""The OpenAPI document, completed with what FastAPI cannot see: every 4xx in the one error shape.

FastAPI documents only the 422 of its own validator, with its own body. Clients, SDK generators and
fuzzers need the truth: every operation may answer any 4xx with ``{"error": {"code", "message"}}``
and ``code`` is one of a closed list of stable codes, gathered here from the error classes themselves
(so a new error class is documented the moment it exists). Text-length limits come from the request
models, which declare them with ``max_length``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from handoff import HandoffError
from retrieval.errors import RetrievalError
from web.errors import BotError

ERROR_SCHEMA = "ErrorOut"
# Codes raised outside the error classes: the validation handler, HTTP errors and the edge middleware.
EDGE_CODES = (
    "invalid_request",
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "request_too_large",
    "unsupported_media_type",
    "http_error",
    "cors_denied",
)
METHODS = ("get", "put", "post", "delete", "patch", "options", "head")
# Request models whose ``text`` is a chat message: its limit is a setting, checked by the chat service
# (413 ``message_too_long``), so the document states it here rather than in the model.
MESSAGE_MODELS = ("AskRequest", "SendMessageIn", "AgentMessageIn")


def _subclasses(base: type) -> Iterable[type]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def client_error_codes() -> list[str]:
    """Every stable ``error.code`` a 4xx response may carry, sorted."""
    codes = set(EDGE_CODES)
    for base in (BotError, HandoffError, RetrievalError):
        for cls in (base, *_subclasses(base)):
            if 400 <= int(getattr(cls, "status_code", 500)) < 500:
                codes.add(str(getattr(cls, "code", cls.__name__)))
    return sorted(codes)


def error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "enum": client_error_codes()},
                    "message": {"type": "string"},
                    "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            }
        },
    }


def complete(spec: dict[str, Any], *, max_message_chars: int) -> dict[str, Any]:
    """Put the error shape on every operation (422 replaced, every other 4xx as the ``4XX`` range)
    and the message-length limit on the message models."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in MESSAGE_MODELS:
        text = components.get(name, {}).get("properties", {}).get("text")
        if text is not None:
            text["maxLength"] = max_message_chars
    components[ERROR_SCHEMA] = error_schema()
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for item in spec.get("paths", {}).values():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            content = {"application/json": {"schema": ref}}
            responses["422"] = {"description": "The request is not valid (`invalid_request`).", "content": content}
            responses["4XX"] = {
                "description": "Refused: the body's `error.code` says why (stable codes, see the schema).",
                "content": content,
            }
    return spec


def install(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
            app.openapi_schema = complete(spec, max_message_chars=app.state.settings.max_message_chars)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
