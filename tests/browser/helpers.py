"""Helpers of the browser tests: signing in through the login page, where screenshots go."""
from __future__ import annotations

import os

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


def sign_in(page, username: str, password: str = "demo-2026") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
