"""End-to-end tests in Debian's headless Chromium, driven by Playwright, against the app on 127.0.0.1.

The server runs in a thread on a SQLite file built by the migrations and filled by `seed-demo`, with
CSRF and everything else as in production (but plain HTTP).
"""
from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from dealer import create_app
from dealer.extensions import db
from dealer.sms.outbox import settings_for
from dealer.stores.models import Store
from tests.browser.helpers import ARTIFACTS, chromium_path, watch_console
from tests.config import missing

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_folder(tmp_path_factory):
    """The live server's folder: its database, uploads and the SMS stand-in's log (sms.jsonl, what owners got)."""
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def live_server(live_folder):
    """Serve the app with demo data on a free port of 127.0.0.1; yield its base URL."""
    folder = live_folder
    app = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "LOGIN_RATE_LIMIT": "1000 per minute",
                      "SMS_BACKEND": "local", "SMS_LOCAL_LOG": str(folder / "sms.jsonl")})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", "300"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        # No quiet hours in this deployment: the reminders the scan queues go out at once whatever the
        # time of day the tests run (quiet hours themselves are tested in tests/sms).
        for store_id in db.session.scalars(sa.select(Store.id)):
            settings = settings_for(store_id)
            settings.quiet_start = settings.quiet_end = "00:00"
            db.session.add(settings)
        db.session.commit()
    for command in (["reminders", "scan"], ["sms", "send"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        missing("Chromium (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright (Python package 'playwright')")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture()
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    watch_console(page, errors)
    yield page
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"errors in the browser console: {errors}"

