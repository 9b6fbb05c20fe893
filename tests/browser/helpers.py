"""Helpers of the browser tests: signing in, where screenshots go, and the console every test keeps clean."""
from __future__ import annotations

import os
import shutil

from flask_migrate import upgrade

from dealer import create_app

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
# The screens the daily pages are used on: the desk's monitor, the workshop's tablet (touch), the phone
# (WeChat's in-app browser on Android, as the owners and the staff on the move open links).
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
             "MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI "
             "Language/zh_CN ABI/arm64")
DEVICES = {
    "desk": {"viewport": {"width": 1366, "height": 768}},
    "tablet": {"viewport": {"width": 820, "height": 1180}, "has_touch": True, "is_mobile": True,
               "device_scale_factor": 2},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
              "device_scale_factor": 3, "user_agent": WECHAT_UA},
}
TOUCH_MIN = 44  # px: the smallest touch target (Apple HIG, WCAG 2.5.5)


class Device:
    """A browser context on one device, signed in as one person; it records console errors."""

    def __init__(self, browser, base_url: str, device: str, username: str | None = None):
        self.name = device
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", **DEVICES[device])
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        watch_console(self.page, self.errors, device)
        if username:
            sign_in(self.page, username)

    def fits(self) -> None:
        """Fail when the page scrolls sideways (something wider than the screen)."""
        width, client = self.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= client, f"{self.name}: {self.page.url} is {width} px wide on a {client} px screen"

    def close(self, name: str) -> None:
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(ARTIFACTS, f"{name}-{self.name}.png"), full_page=True)
        self.context.close()
        assert not self.errors, f"errors in the browser console: {self.errors}"


def box(locator) -> dict:
    """The element's box on the screen (x, y, width, height), after scrolling it into view."""
    locator.scroll_into_view_if_needed()
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not on the screen"
    return found


def demo_app(folder, *, vehicles: int, **config):
    """An app on its own SQLite file in `folder`, migrated and filled by `seed-demo` (SMS to a local log)."""
    app = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "LOGIN_RATE_LIMIT": "1000 per minute",
                      "SMS_BACKEND": "local", "SMS_LOCAL_LOG": str(folder / "sms.jsonl"), **config})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", str(vehicles)])
    assert result.exit_code == 0, result.output
    return app


def open_desks(browser, base_url: str, test_name: str):
    """A fixture body: yields `open_desk(username)`, a signed-in page in a browser context of its own (own
    cookies) on a front-desk monitor; afterwards screenshots every page and fails the test on a console error."""
    contexts, errors = [], []

    def open_desk(username: str):
        context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        watch_console(page, errors, username)
        contexts.append((username, context, page))
        sign_in(page, username)
        return page

    yield open_desk
    os.makedirs(ARTIFACTS, exist_ok=True)
    for username, context, page in contexts:
        page.screenshot(path=os.path.join(ARTIFACTS, f"{test_name}-{username}.png"), full_page=True)
        context.close()
    assert not errors, f"errors in the browser console: {errors}"
