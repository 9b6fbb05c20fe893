"""The API's one error shape: {"error": {"code", "message", "fields"}} (handlers and access checks build it here)."""
from __future__ import annotations

from collections.abc import Mapping

from flask import jsonify, request


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def flat_fields(messages, prefix: str = "") -> dict[str, list[str]]:
    """Return marshmallow's error messages as {dotted field path: [message, ...]}.

    A nested schema, a list's item or a dict's key reports its errors one level down
    (`{"payments": {0: {"amount_fen": ["..."]}}}`); the API names such a field by its path,
    `payments.0.amount_fen`, so `fields` is always a flat map of strings to lists of strings.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            for path, texts in flat_fields(value, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(path, []).extend(texts)
    elif isinstance(messages, (list, tuple)):
        for message in messages:
            for path, texts in flat_fields(message, prefix).items():
                flat.setdefault(path, []).extend(texts)
    else:
        flat.setdefault(prefix, []).append(str(messages))
    return flat


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": flat_fields(fields or {})}}


def json_error(code: str, message, status: int, fields: dict | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response
