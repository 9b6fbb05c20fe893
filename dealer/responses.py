"""The API's one error shape: {"error": {"code", "message", "fields"}} (handlers and access checks build it here)."""
from __future__ import annotations

from flask import jsonify, request


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def json_error(code: str, message, status: int, fields: dict | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response
