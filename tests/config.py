"""The configuration of the app under test, and what a test does when a real dependency is missing."""
from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("DEALER_REQUIRE_ALL") == "1"


def missing(what: str) -> None:
    """Skip a test whose real dependency is absent; in CI (DEALER_REQUIRE_ALL=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required (DEALER_REQUIRE_ALL=1) but missing", pytrace=False)
    pytest.skip(f"{what} missing")


def base_config(tmp_path_factory, **extra) -> dict:
    instance = tmp_path_factory.mktemp("instance")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "UPLOAD_FOLDER": str(instance / "uploads"),
    }
    config.update(extra)
    return config
