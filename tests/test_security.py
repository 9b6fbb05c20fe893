"""CSRF, security headers, cookies, secrets, the login rate limit and password hashing.

Some tests build their own app (CSRF on, a low rate limit, production settings) on the same
database as the session's app; `db_session` keeps their requests inside the test's transaction.
"""
from __future__ import annotations

import os
import re
import stat
import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from limits import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from dealer import create_app
from dealer.access import public
from dealer.auth import services
from dealer.auth.models import ApiToken, User
from dealer.config import ConfigError, _instance_secret_key, check_rate_limit_storage, load_config
from dealer.errors import DomainError, Forbidden, NotFound
from dealer.extensions import db
from tests.config import base_config
from tests.factories import PASSWORD
from tests.helpers import actor, login, signed_in
from tests.isolation import isolated_client

LOCKOUT_MESSAGE = "登录尝试次数过多，请等待几分钟后再试。"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ("SECRET_KEY", "DEALER_ENV", "DEALER_FORCE_HTTPS", "DATABASE_URL", "DEALER_LOGIN_RATE_LIMIT",
                 "DEALER_LOGIN_ACCOUNT_RATE_LIMIT", "DEALER_LOGIN_ADDRESS_RATE_LIMIT", "REDIS_URL",
                 "DEALER_RATELIMIT_STORAGE_URI", "DEALER_SINGLE_PROCESS"):
        monkeypatch.delenv(name, raising=False)


def _app(database_url, tmp_path_factory, **settings) -> Flask:
    return create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=database_url, **settings))


@pytest.fixture()
def csrf_client(database_url, tmp_path_factory, db_session):
    return isolated_client(_app(database_url, tmp_path_factory, WTF_CSRF_ENABLED=True))


@pytest.fixture()
def production_client(database_url, tmp_path_factory, db_session):
    # One process: production needs a shared rate-limit store (Redis) or the explicit single-process setting.
    app = _app(database_url, tmp_path_factory, ENV="production", SECRET_KEY="a-secret-from-the-environment",
               SINGLE_PROCESS=True)
    return isolated_client(app)


def _csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _cookie_header(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return header


# --- CSRF -----------------------------------------------------------------------------------------

def test_csrf_login_post_without_token_is_refused_and_changes_nothing(csrf_client, staff):
    response = csrf_client.post("/login", data={"username": "manager-sz", "password": PASSWORD})

    assert response.status_code == 400
    assert not signed_in(csrf_client)
    db.session.expire_all()
    assert db.session.get(User, staff["manager"].id).last_login_at is None


def test_csrf_login_post_with_a_wrong_token_is_refused(csrf_client, staff):
    _csrf_token(csrf_client)

    response = csrf_client.post("/login", data={"username": "manager-sz", "password": PASSWORD,
                                                "csrf_token": "forged"})

    assert response.status_code == 400
    assert not signed_in(csrf_client)


def test_csrf_login_post_with_the_pages_token_signs_in(csrf_client, staff):
    token = _csrf_token(csrf_client)

    response = csrf_client.post("/login", data={"username": "manager-sz", "password": PASSWORD,
                                                "csrf_token": token})

    assert response.status_code == 302
    assert signed_in(csrf_client)


def test_csrf_signed_in_form_post_without_token_is_refused(csrf_client, staff):
    csrf_client.post("/login", data={"username": "technician-sz", "password": PASSWORD,
                                     "csrf_token": _csrf_token(csrf_client)})

    response = csrf_client.post("/account/password", data={"password": "taken-over-123",
                                                           "confirm": "taken-over-123"})
    signed_out = csrf_client.post("/logout")

    assert response.status_code == 400
    assert signed_out.status_code == 400  # a forged sign-out link does not work either
    db.session.expire_all()
    assert db.session.get(User, staff["technician"].id).check_password(PASSWORD)
    assert signed_in(csrf_client)


def test_csrf_does_not_apply_to_the_bearer_token_api(csrf_client, staff):
    response = csrf_client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD})

    assert response.status_code == 201


# --- headers and cookies --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_are_set(client, path):
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin",
                                                   "no-referrer"}
    header = response.headers["Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy.get("script-src", "'self'")
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_pages_load_no_script_or_style_from_another_site(client, staff):
    login(client, staff["manager"])

    page = client.get("/desk").get_data(as_text=True)

    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources
    assert [s for s in sources if not s.startswith("/")] == []
    assert "<script>" not in page  # inline scripts would be blocked by the CSP


def test_session_cookie_is_httponly_and_samesite_lax(client, staff):
    response = login(client, staff["manager"])

    cookie = _cookie_header(response, "session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http


def test_production_cookies_are_secure(production_client, staff):
    response = production_client.post("/login", base_url="https://localhost",
                                      data={"username": "manager-sz", "password": PASSWORD, "remember": "y"})

    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie_header(response, name)
        assert "Secure" in cookie, cookie
        assert "HttpOnly" in cookie, cookie
        assert "SameSite=Lax" in cookie, cookie


def test_production_sends_plain_http_to_https_with_hsts(production_client):
    response = production_client.get("/login")

    assert response.status_code in (301, 302)
    assert response.headers["Location"].startswith("https://localhost/login")
    secure = production_client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


# --- how a refusal reaches a page ------------------------------------------------------------------

@pytest.fixture()
def refusing_client(tmp_path_factory):
    """An app with public pages that raise DomainErrors, to see how the one handler answers pages."""

    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI="sqlite://"))
    for name, error in (("conflict", DomainError("售价已被他人修改。")), ("missing", NotFound()),
                        ("forbidden", Forbidden())):
        def refuse(error=error):
            raise error
        app.add_url_rule(f"/refuse/{name}", f"refuse_{name}", public(refuse), methods=["GET", "POST"])
    return app.test_client()


def test_refusal_goes_back_to_the_referring_page_of_this_site_with_the_message(refusing_client):
    response = refusing_client.post("/refuse/conflict", headers={"Referer": "http://localhost/desk?q=1234"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/desk?q=1234"
    assert "售价已被他人修改。" in refusing_client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("referrer", [None, "https://evil.example/phish", "//evil.example/x",
                                      "http://evil.example/desk", "javascript:alert(1)"])
def test_refusal_never_goes_back_to_another_site(refusing_client, referrer):
    headers = {"Referer": referrer} if referrer else {}

    response = refusing_client.post("/refuse/conflict", headers=headers)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_refusal_goes_back_to_a_relative_referrer_of_this_site(refusing_client):
    response = refusing_client.post("/refuse/conflict", headers={"Referer": "/vehicles/7"})

    assert response.headers["Location"] == "/vehicles/7"


@pytest.mark.parametrize("name, status", [("missing", 404), ("forbidden", 403)])
def test_not_found_or_forbidden_page_answers_its_status(refusing_client, name, status):
    response = refusing_client.get(f"/refuse/{name}", headers={"Referer": "http://localhost/desk"})

    assert response.status_code == status
    assert 'data-testid="error-message"' in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["missing", "forbidden"])
def test_not_found_or_forbidden_after_a_form_goes_back_with_the_message(refusing_client, name):
    response = refusing_client.post(f"/refuse/{name}", headers={"Referer": "http://localhost/desk"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/desk"


# --- secrets --------------------------------------------------------------------------------------

def test_production_without_secret_key_refuses_to_start():
    with pytest.raises(ConfigError):
        create_app({"ENV": "production"})


def test_production_from_the_environment_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.setenv("DEALER_ENV", "production")

    with pytest.raises(ConfigError):
        create_app({})


def test_secret_key_is_taken_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = Flask("dealer_test", instance_path=str(tmp_path / "instance"))

    load_config(app, {"ENV": "production"})

    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_development_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    first, second = (Flask("dealer_test", instance_path=str(instance)) for _ in range(2))

    load_config(first, {})
    load_config(second, {})

    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_development_secret_key_is_one_key_when_workers_start_together(tmp_path):
    for trial in range(20):
        instance = tmp_path / f"instance{trial}"
        start, keys = threading.Barrier(8), []

        def worker():
            start.wait()
            keys.append(_instance_secret_key(str(instance)))

        workers = [threading.Thread(target=worker) for _ in range(8)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert len(set(keys)) == 1 and keys[0], keys
        assert [p.name for p in instance.iterdir()] == ["secret_key"]


def test_development_secret_keys_differ_between_instance_folders(tmp_path):
    one = Flask("a", instance_path=str(tmp_path / "one"))
    two = Flask("b", instance_path=str(tmp_path / "two"))

    load_config(one, {})
    load_config(two, {})

    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]


# --- login rate limit -----------------------------------------------------------------------------

@pytest.fixture()
def limited_app(database_url, tmp_path_factory, db_session):
    # The per-address ceiling (against password spraying) is its own, much higher setting; these tests
    # lower it to the per-account limit to see it lock an address.
    return _app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute",
                LOGIN_ADDRESS_RATE_LIMIT="3 per minute")


@pytest.fixture()
def nat_app(database_url, tmp_path_factory, db_session):
    """Per-account limit 3, the per-address ceiling left at its default: a store's staff behind one NAT."""
    return _app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute")


def _fail_form(client, username: str, address: str):
    return client.post("/login", data={"username": username, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": address})


def _fail_api(client, username: str, address: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": address})


def test_login_is_locked_for_a_username_after_three_failures(limited_app, staff):
    client = isolated_client(limited_app)
    for attempt in range(3):  # from different addresses: only the per-username limit can stop them
        response = client.post("/login", data={"username": "cashier-sz", "password": "guess-%d" % attempt},
                               environ_base={"REMOTE_ADDR": f"10.9.8.{attempt + 1}"})
        assert response.status_code == 200

    locked = client.post("/login", data={"username": "cashier-sz", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.9.8.99"})

    assert locked.status_code == 429
    assert LOCKOUT_MESSAGE in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    assert not signed_in(client, environ_base={"REMOTE_ADDR": "10.9.8.99"})
    other = isolated_client(limited_app).post("/login", data={"username": "manager-sz", "password": PASSWORD},
                                              environ_base={"REMOTE_ADDR": "10.9.8.100"})
    assert other.status_code == 302  # another account from another address is not locked


def test_login_is_locked_for_an_address_after_three_failures(limited_app, staff):
    client = isolated_client(limited_app)
    address = {"REMOTE_ADDR": "10.9.9.9"}
    for name in ("guess-a", "guess-b", "guess-c"):  # a different username each time
        response = client.post("/login", data={"username": name, "password": "x"}, environ_base=address)
        assert response.status_code == 200

    locked = client.post("/login", data={"username": "manager-sz", "password": PASSWORD},
                         environ_base=address)

    assert locked.status_code == 429
    assert LOCKOUT_MESSAGE in locked.get_data(as_text=True)
    assert client.get("/login", environ_base=address).status_code == 200  # the page itself stays readable


def test_successful_sign_ins_do_not_count_towards_the_lockout(limited_app, staff):
    # A store's staff sign in from one address at the start of a shift; only failures count.
    address = {"REMOTE_ADDR": "10.9.6.6"}
    for role in ("service_advisor", "technician", "cashier", "manager", "service_advisor"):
        client = isolated_client(limited_app)
        response = client.post("/login", data={"username": f"{role}-sz", "password": PASSWORD},
                               environ_base=address)
        assert response.status_code == 302, role

    client = isolated_client(limited_app)
    for _ in range(3):
        client.post("/login", data={"username": "parts_clerk-sz", "password": "x"}, environ_base=address)
    assert client.post("/login", data={"username": "parts_clerk-sz", "password": PASSWORD},
                       environ_base=address).status_code == 429


def test_api_token_endpoint_is_rate_limited_with_the_json_error(limited_app, staff):
    client = isolated_client(limited_app)
    address = {"REMOTE_ADDR": "10.9.7.7"}
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": "x"},
                               environ_base=address)
        assert response.status_code == 401

    locked = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD},
                         environ_base=address)

    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    assert locked.get_json()["error"]["message"]


def test_api_tokens_handed_out_do_not_count_towards_the_lockout(limited_app, staff):
    client = isolated_client(limited_app)
    address = {"REMOTE_ADDR": "10.9.5.5"}
    for _ in range(4):
        response = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD},
                               environ_base=address)
        assert response.status_code == 201


def test_api_token_is_refused_for_an_account_the_sign_in_form_locked(limited_app, staff):
    client = isolated_client(limited_app)
    for attempt in range(3):
        assert _fail_form(client, "cashier-sz", f"10.8.1.{attempt + 1}").status_code == 200

    locked = client.post("/api/v1/auth/token", json={"username": "cashier-sz", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.8.1.99"})

    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_api_token_failures_from_many_addresses_lock_the_account_everywhere(limited_app, staff):
    client = isolated_client(limited_app)
    for attempt in range(3):  # one address per attempt: a per-address limit alone would never stop them
        assert _fail_api(client, "manager-sz", f"10.8.2.{attempt + 1}").status_code == 401

    by_api = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.8.2.98"})
    by_form = client.post("/login", data={"username": "manager-sz", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.8.2.99"})

    assert by_api.status_code == 429
    assert by_form.status_code == 429
    assert LOCKOUT_MESSAGE in by_form.get_data(as_text=True)
    assert not signed_in(client, environ_base={"REMOTE_ADDR": "10.8.2.99"})


def test_made_up_usernames_from_one_address_do_not_lock_out_a_real_user(nat_app, staff):
    client = isolated_client(nat_app)
    for attempt in range(11):
        assert _fail_form(client, f"made-up-{attempt}", "10.8.3.3").status_code == 200
    assert _fail_api(client, "made-up-api", "10.8.3.3").status_code == 401

    by_form = client.post("/login", data={"username": "cashier-sz", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.8.3.3"})
    by_api = client.post("/api/v1/auth/token", json={"username": "manager-sz", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.8.3.3"})

    assert by_form.status_code == 302
    assert by_api.status_code == 201


def test_a_colleague_failing_behind_the_same_address_does_not_lock_out_another_account(nat_app, staff):
    client = isolated_client(nat_app)
    for _ in range(4):
        _fail_form(client, "cashier-sz", "10.8.4.4")
    assert _fail_form(client, "cashier-sz", "10.8.4.4").status_code == 429

    response = isolated_client(nat_app).post("/login", data={"username": "technician-sz", "password": PASSWORD},
                                             environ_base={"REMOTE_ADDR": "10.8.4.4"})

    assert response.status_code == 302


def test_failures_for_an_account_from_one_address_lock_that_address_for_it(database_url, tmp_path_factory,
                                                                          db_session, staff):
    # The account's own limit set higher than the per-(address, account) one: the address that guessed is
    # locked out of the account, the account still signs in from elsewhere.
    app = _app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute",
               LOGIN_ACCOUNT_RATE_LIMIT="10 per minute")
    client = isolated_client(app)
    for _ in range(3):
        assert _fail_form(client, "cashier-sz", "10.8.5.5").status_code == 200

    there = client.post("/login", data={"username": "cashier-sz", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.8.5.5"})
    elsewhere = isolated_client(app).post("/login", data={"username": "cashier-sz", "password": PASSWORD},
                                          environ_base={"REMOTE_ADDR": "10.8.5.6"})

    assert there.status_code == 429
    assert elsewhere.status_code == 302


def test_password_spraying_from_one_address_meets_the_address_ceiling(database_url, tmp_path_factory,
                                                                     db_session, staff):
    app = _app(database_url, tmp_path_factory, LOGIN_RATE_LIMIT="3 per minute",
               LOGIN_ADDRESS_RATE_LIMIT="6 per minute")
    client = isolated_client(app)
    for attempt in range(6):  # one guess per account: the per-account limits never see more than one
        assert _fail_form(client, f"sprayed-{attempt}", "10.8.6.6").status_code == 200

    sprayed = _fail_api(client, "sprayed-api", "10.8.6.6")
    from_elsewhere = isolated_client(app).post("/login", data={"username": "cashier-sz", "password": PASSWORD},
                                               environ_base={"REMOTE_ADDR": "10.8.6.7"})

    assert sprayed.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_default_address_ceiling_is_far_above_the_account_limit():
    app = Flask("dealer_test")
    load_config(app, {})

    account = parse(app.config["LOGIN_RATE_LIMIT"])
    address = parse(app.config["LOGIN_ADDRESS_RATE_LIMIT"])
    assert address.get_expiry() == account.get_expiry()
    assert address.amount >= 10 * account.amount


# --- a shared rate-limit store in production ---------------------------------------------------------

def test_production_without_a_shared_rate_limit_store_refuses_to_start(tmp_path_factory):
    with pytest.raises(ConfigError) as caught:
        create_app(base_config(tmp_path_factory, ENV="production", SQLALCHEMY_DATABASE_URI="sqlite://"))

    assert "REDIS_URL" in str(caught.value)


def _production_config(tmp_path) -> dict:
    """The configuration production starts with, checked as create_app checks it before binding the limiter.

    (Building the whole app would point the one shared limiter at a Redis that is not there.)
    """
    app = Flask("dealer_test", instance_path=str(tmp_path / "instance"))
    load_config(app, {"ENV": "production", "SECRET_KEY": "from-the-environment"})
    check_rate_limit_storage(app.config)
    return app.config


def test_production_keeps_the_rate_limit_counters_in_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/3")

    assert _production_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6399/3"


def test_production_may_use_another_shared_store_flask_limiter_supports(monkeypatch, tmp_path):
    monkeypatch.setenv("DEALER_RATELIMIT_STORAGE_URI", "memcached://127.0.0.1:11211")

    assert _production_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "memcached://127.0.0.1:11211"


def test_production_without_a_shared_store_fails_the_check(tmp_path):
    with pytest.raises(ConfigError):
        _production_config(tmp_path)


def test_production_in_one_declared_process_may_count_in_memory(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DEALER_SINGLE_PROCESS", "1")

    app = create_app(base_config(tmp_path_factory, ENV="production", SQLALCHEMY_DATABASE_URI="sqlite://"))

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_development_counts_in_memory_without_redis(tmp_path_factory):
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI="sqlite://"))

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# --- password hashing -----------------------------------------------------------------------------

def test_passwords_are_stored_with_scrypt(ctx, staff, store):
    admin = actor(staff["admin"])
    user = services.create_user("hash-check", password="plain-text-pw-1", roles=["cashier"],
                                store_id=store.id, actor=admin)

    assert user.password_hash.startswith("scrypt:")
    assert "plain-text-pw-1" not in user.password_hash
    other = services.create_user("hash-check-2", password="plain-text-pw-1", roles=["cashier"],
                                 store_id=store.id, actor=admin)
    assert other.password_hash != user.password_hash  # salted
    services.set_password(user.id, password="another-pw-22", actor=actor(user))
    assert db.session.get(User, user.id).password_hash.startswith("scrypt:")


def test_proxy_hops_make_the_client_address_come_from_x_forwarded_for(database_url, tmp_path_factory):
    app = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=database_url, PROXY_HOPS=1))
    assert isinstance(app.wsgi_app, ProxyFix)
    seen = {}
    inner = app.wsgi_app.app

    def capture(environ, start_response):
        seen.update(environ)
        return inner(environ, start_response)

    app.wsgi_app.app = capture
    app.test_client().get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen["REMOTE_ADDR"] == "203.0.113.7"
    assert seen["wsgi.url_scheme"] == "https"
