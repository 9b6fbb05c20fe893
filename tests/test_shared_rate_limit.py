"""Several app servers behind one load balancer share the login lockout through Redis (REDIS_URL).

And when Redis cannot be reached, signing in still works and guesses are still counted, in each process.

Two gunicorn processes serve one database with one REDIS_URL. Failed sign-ins spread over both
servers add up: with a limit of 3, the fourth attempt is refused by either server. With the memory
storage each process would count alone and the fourth attempt would pass, so this test fails if the
counters are not in Redis.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from flask_migrate import upgrade

from dealer import attempts, create_app
from dealer.auth.models import User, UserRole
from dealer.extensions import db
from tests.config import base_config, missing
from tests.factories import PASSWORD, PASSWORD_HASH
from tests.pgcluster import _free_port
from tests.redisserver import RedisServer, find_redis_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_server():
    executable = find_redis_server()
    if executable is None:
        missing("Redis server (Debian package 'redis-server')")
    server = RedisServer(executable).start()
    yield server
    server.stop()


def _migrated_sqlite(folder: Path) -> str:
    url = f"sqlite:///{folder / 'shared.sqlite3'}"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _start_gunicorn(folder: Path, env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    with open(folder / f"gunicorn-{port}.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                                    "1", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, port


def _wait_until_serving(folder: Path, process: subprocess.Popen, port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/login", timeout=5).status_code == 200:
                return base
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker still booting
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((folder / f"gunicorn-{port}.log").read_text())
        time.sleep(0.1)


@pytest.fixture(scope="module")
def two_servers(redis_server, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("two-servers")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEALER_", "DATABASE_URL"))}
    env.update(DATABASE_URL=_migrated_sqlite(tmp_path), REDIS_URL=redis_server.url, SECRET_KEY="shared-by-both",
               DEALER_LOGIN_RATE_LIMIT="3 per minute", DEALER_UPLOAD_FOLDER=str(tmp_path / "uploads"),
               SMS_BACKEND="local", SMS_LOCAL_LOG=str(tmp_path / "sms.jsonl"))
    started = [_start_gunicorn(tmp_path, env) for _ in range(2)]  # both boot at once
    yield [_wait_until_serving(tmp_path, process, port) for process, port in started]
    for process, _ in started:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(autouse=True)
def empty_redis(redis_server):
    redis.Redis.from_url(redis_server.url).flushdb()


def _fail_sign_in(browser: requests.Session, base: str, username: str) -> requests.Response:
    page = browser.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the login form carries a CSRF token"
    return browser.post(base + "/login", data={"csrf_token": token.group(1), "username": username,
                                               "password": "wrong-password"}, timeout=10, allow_redirects=False)


def test_failed_sign_ins_on_two_app_servers_share_one_lockout(two_servers, redis_server):
    first, second = two_servers
    browser = requests.Session()  # one browser, sent to either server as a load balancer would

    for base in (first, first, second):
        response = _fail_sign_in(browser, base, "ghost")
        assert response.status_code == 200, response.text[:500]  # wrong password: the form again

    for base in (second, first):
        locked = _fail_sign_in(browser, base, "ghost")
        assert locked.status_code == 429, base
        assert int(locked.headers["Retry-After"]) > 0

    keys = redis.Redis.from_url(redis_server.url).keys("*")
    assert any(b"login:ghost" in key for key in keys), keys  # the per-username counter lives in Redis


def test_the_lockout_ends_when_its_counters_in_redis_expire(two_servers, redis_server):
    first, second = two_servers
    browser = requests.Session()
    for base in (first, second, first):
        _fail_sign_in(browser, base, "ghost-2")
    assert _fail_sign_in(browser, second, "ghost-2").status_code == 429

    redis.Redis.from_url(redis_server.url).flushdb()  # what expiry does after the window

    assert _fail_sign_in(browser, second, "ghost-2").status_code == 200
    assert _fail_sign_in(browser, first, "ghost-2").status_code == 200


def test_the_api_and_the_form_on_two_app_servers_share_one_account_lockout(two_servers):
    first, second = two_servers
    for base in (first, second):  # each from its own browser, as from two addresses behind a balancer
        _fail_sign_in(requests.Session(), base, "ghost-3")
    refused = requests.post(second + "/api/v1/auth/token", json={"username": "ghost-3", "password": "x"},
                            timeout=10)
    assert refused.status_code == 401  # the third failure, through the API

    locked_api = requests.post(first + "/api/v1/auth/token", json={"username": "ghost-3", "password": "x"},
                               timeout=10)
    locked_form = _fail_sign_in(requests.Session(), second, "ghost-3")

    assert locked_api.status_code == 429
    assert int(locked_api.headers["Retry-After"]) > 0
    assert locked_form.status_code == 429


def test_production_with_several_workers_and_no_shared_store_refuses_to_start(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DEALER_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DEALER_ENV="production", SECRET_KEY="a-production-secret", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
               DEALER_UPLOAD_FOLDER=str(tmp_path / "uploads"))
    port = _free_port()

    result = subprocess.run([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    assert "REDIS_URL" in result.stdout + result.stderr


# --- Redis down: sign-in still works, and guesses are still limited ------------------------------------------

@pytest.fixture()
def app_on_a_redis_that_dies(tmp_path, tmp_path_factory, monkeypatch):
    executable = find_redis_server()
    if executable is None:
        missing("Redis server (Debian package 'redis-server')")
    server = RedisServer(executable).start()
    monkeypatch.setattr(attempts, "RETRY_SECONDS", 0)  # try the shared storage on every attempt
    attempts.reset_fallback()
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=_migrated_sqlite(tmp_path),
                                 RATELIMIT_STORAGE_URI=server.url, LOGIN_RATE_LIMIT="3 per minute"))
    with app.app_context():
        user = User(username="li.na", full_name="李娜", password_hash=PASSWORD_HASH)
        user.roles.append(UserRole(role="admin"))
        db.session.add(user)
        db.session.commit()
    yield app, server
    server.stop()
    attempts.reset_fallback()
    with app.app_context():
        db.engine.dispose()


def _sign_in(app, password: str):
    return app.test_client().post("/login", data={"username": "li.na", "password": password})


def test_with_redis_down_staff_still_sign_in_and_guesses_are_counted_in_memory(app_on_a_redis_that_dies,
                                                                                 caplog):
    app, server = app_on_a_redis_that_dies
    assert _sign_in(app, "wrong-password").status_code == 200  # counted in Redis while it runs
    server.process.terminate()
    server.process.wait(timeout=30)

    assert _sign_in(app, PASSWORD).status_code == 302  # signed in, no server error
    for _ in range(3):
        assert _sign_in(app, "wrong-password").status_code == 200
    locked = _sign_in(app, "wrong-password")
    slots = app.test_client().get("/api/v1/booking/slots?store=999&service=maintenance&date=2026-12-10")

    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0  # the memory counted 3
    assert slots.status_code == 404  # the booking API's own limits fall back too, instead of a 500
    assert "Rate-limit storage unreachable" in caplog.text


def test_when_redis_answers_again_the_counting_goes_back_to_it(app_on_a_redis_that_dies):
    app, server = app_on_a_redis_that_dies
    server.process.terminate()
    server.process.wait(timeout=30)
    assert _sign_in(app, "wrong-password").status_code == 200  # counted in memory

    server.start()  # the same port, empty
    assert _sign_in(app, "wrong-password").status_code == 200

    keys = redis.Redis.from_url(server.url).keys("*")
    assert any(b"login:li.na" in key for key in keys), keys
