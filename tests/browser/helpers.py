"""Helpers of the browser tests: signing in, where screenshots go, and the console every test keeps clean."""
from __future__ import annotations

import os
import shutil

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


def chromium_path() -> str | None:
    """Debian's Chromium (or CHROMIUM_PATH), or None."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def sign_in(page, username: str, password: str = "demo-2026") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def watch_console(page, errors: list[str], who: str = "") -> None:
    """Collect every console error and uncaught exception of the page into `errors`, with the page's URL.

    The fixtures fail the test on any: a script error, a file that did not load, an inline style or script
    the Content-Security-Policy refused.
    """
    prefix = f"{who}: " if who else ""
    page.on("pageerror", lambda error: errors.append(f"{prefix}{page.url}: {error}"))
    page.on("console", lambda message: errors.append(f"{prefix}{page.url}: {message.text}")
            if message.type == "error" else None)
