"""Sign-in, sign-out, the `next` parameter, the language switch and the account pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from dealer.auth import services
from dealer.auth.models import ApiToken, User
from dealer.database import utcnow
from dealer.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.helpers import actor, login, signed_in

ROOT = Path(__file__).resolve().parents[2]
CHINESE_CATALOG = ROOT / "dealer" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"


def _heading(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S).group(1).strip()


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


# --- sign in and out ------------------------------------------------------------------------------

def test_login_page_shows_the_form(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert 'name="username"' in response.get_data(as_text=True)
    assert 'name="password"' in response.get_data(as_text=True)


def test_login_with_good_credentials_signs_in_and_goes_home(client, staff):
    response = client.post("/login", data={"username": "service_advisor-sz", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200  # the advisor's day: the search box on top, then the workshop's cars
    page = home.get_data(as_text=True)
    assert page.index('data-testid="home-search"') < page.index('data-testid="home-workshop"')
    assert client.get("/desk").status_code == 200


def test_login_of_an_admin_goes_to_the_staff_list(client, staff):
    login(client, staff["admin"])

    assert client.get("/").headers["Location"] == "/users"


def test_login_of_a_parts_clerk_shows_the_home_page(client, staff):
    login(client, staff["parts_clerk"])

    response = client.get("/")
    assert response.status_code == 200
    assert staff["parts_clerk"].full_name in _heading(response)


@pytest.mark.parametrize("username, password", [("service_advisor-sz", "wrong-password"),
                                                ("nobody", PASSWORD)])
def test_login_with_bad_credentials_shows_an_error_and_stays_signed_out(client, staff, username, password):
    response = client.post("/login", data={"username": username, "password": password})

    assert response.status_code == 200
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_login_with_empty_fields_shows_field_errors(client):
    response = client.post("/login", data={"username": "", "password": ""})

    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_login_of_a_disabled_account_is_refused(client, staff):
    staff["cashier"].active = False
    db.session.flush()

    response = client.post("/login", data={"username": "cashier-sz", "password": PASSWORD})

    assert response.status_code == 200
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_disabling_an_account_ends_its_open_session(client, staff):
    login(client, staff["cashier"])
    assert signed_in(client)

    services.update_user(staff["cashier"].id, actor=actor(staff["admin"]), roles=["cashier"],
                         store_id=staff["cashier"].store_id, full_name="", mobile="", active=False)

    assert not signed_in(client)


def test_logout_signs_out(client, staff):
    login(client, staff["manager"])

    response = client.post("/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_logout_is_a_post_only(client, staff):
    login(client, staff["manager"])

    assert client.get("/logout").status_code == 405
    assert signed_in(client)


# --- next: only ever inside the site ------------------------------------------------------------------

def test_protected_page_sends_to_login_and_back(client, staff):
    response = client.get("/customers?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/customers?page%3D2"

    response = client.post(response.headers["Location"],
                           data={"username": "manager-sz", "password": PASSWORD})

    assert response.headers["Location"] == "/customers?page=2"


@pytest.mark.parametrize("target", ["/customers", "/customers?page=2", "/customers/12"])
def test_login_next_inside_the_site_is_followed(client, staff, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": "manager-sz", "password": PASSWORD})

    assert response.headers["Location"] == target


BAD_TARGETS = [
    "https://evil.example",
    "https://evil.example/customers",
    "http:evil.example",
    "//evil.example",
    "//evil.example/customers",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "customers",
    "/customers\r\nSet-Cookie: x=1",
]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_login_next_outside_the_site_goes_home_instead(client, staff, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": "manager-sz", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_login_page_when_signed_in_never_leaves_the_site(client, staff, target):
    login(client, staff["manager"])

    response = client.get("/login", query_string={"next": target})

    assert response.headers["Location"] == "/"


# --- language ---------------------------------------------------------------------------------------

def test_default_language_is_simplified_chinese(client):
    assert _html_lang(client.get("/login")) == "zh-CN"


def test_default_login_page_is_written_in_chinese(client):
    assert CHINESE_CATALOG.exists(), "compile the catalogs first: make translations"
    page = client.get("/login")

    assert _heading(page) == "员工登录"
    assert 'value="登录"' in page.get_data(as_text=True)


def test_language_switch_to_english(client):
    response = client.post("/language/en", data={"next": "/login"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert _html_lang(page) == "en"
    assert _heading(page) == "Staff sign-in"
    assert "Sign in" in page.get_data(as_text=True)


def test_language_switch_back_to_chinese(client):
    client.post("/language/en", data={"next": "/login"})
    client.post("/language/zh_Hans_CN", data={"next": "/login"})

    assert _html_lang(client.get("/login")) == "zh-CN"


def test_language_switch_to_an_unknown_language_changes_nothing(client):
    client.post("/language/xx", data={"next": "/login"})

    assert _html_lang(client.get("/login")) == "zh-CN"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_language_switch_next_never_leaves_the_site(client, target):
    response = client.post("/language/en", data={"next": target})

    assert response.headers["Location"] == "/"


def test_a_users_saved_language_applies_after_sign_in(client, store):
    user = UserFactory(username="english-speaker", roles=["parts_clerk"], store=store, locale="en")
    assert _html_lang(client.get("/login")) == "zh-CN"

    login(client, user)

    assert _html_lang(client.get("/")) == "en"


# --- one's own account ------------------------------------------------------------------------------

def test_change_password_needs_the_same_password_twice(client, staff):
    login(client, staff["technician"])

    response = client.post("/account/password",
                           data={"password": "new-secret-123", "confirm": "other-123456"})

    assert response.status_code == 200
    assert "两次输入的密码不一致。" in response.get_data(as_text=True)
    assert db.session.get(User, staff["technician"].id).check_password(PASSWORD)


def test_change_password_too_short_shows_the_field_error(client, staff):
    login(client, staff["technician"])

    response = client.post("/account/password", data={"current_password": PASSWORD, "password": "short",
                                                      "confirm": "short"})

    assert response.status_code == 200
    assert "密码至少需要8个字符。" in response.get_data(as_text=True)


def test_change_password(client, staff):
    login(client, staff["technician"])

    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "password": "new-secret-123", "confirm": "new-secret-123"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff["technician"].id).check_password("new-secret-123")


def test_api_token_page_shows_the_new_secret_once_and_revokes(client, staff):
    user = staff["cashier"]
    login(client, user)

    page = client.post("/account/tokens", data={"name": "Till sync"}).get_data(as_text=True)

    secret = re.search(r'data-testid="new-token">([^<]+)<', page).group(1)
    assert services.user_for_token(secret).id == user.id
    assert "Till sync" in page
    assert 'data-testid="new-token"' not in client.get("/account/tokens").get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    db.session.expire_all()
    assert services.user_for_token(secret) is None


def test_revoking_someone_elses_token_from_the_page_changes_nothing(client, staff):
    token, secret = services.create_api_token(actor=actor(staff["cashier"]), name="till", now=utcnow())
    login(client, staff["technician"])

    response = client.post(f"/account/tokens/{token.id}/revoke", headers={"Referer": "/account/tokens"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/tokens"
    assert services.user_for_token(secret).id == staff["cashier"].id


# --- staff accounts (admin) -------------------------------------------------------------------------

def test_admin_creates_a_store_account(client, staff, store):
    login(client, staff["admin"])

    response = client.post("/users/new", data={
        "username": "zhao.tech", "full_name": "赵师傅", "store": store.id, "roles": ["technician"],
        "password": "long-enough-1", "active": "y"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/users"
    user = db.session.scalar(sa.select(User).where(User.username == "zhao.tech"))
    assert (user.store_id, user.role_names) == (store.id, {"technician"})
    assert "zhao.tech" in client.get("/users").get_data(as_text=True)


def test_admin_form_shows_the_group_level_rule_beside_the_store(client, group_admin):
    login(client, group_admin)

    response = client.post("/users/new", data={
        "username": "group.tech", "store": 0, "roles": ["technician"], "password": "long-enough-1"})

    assert response.status_code == 200
    assert "集团级账号（不属于任何门店）只能是系统管理员或服务经理。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.username == "group.tech")) is None


def test_store_admin_cannot_pick_another_store_in_the_form(client, staff, other_store):
    login(client, staff["admin"])

    response = client.post("/users/new", data={
        "username": "sneaky", "store": other_store.id, "roles": ["cashier"], "password": "long-enough-1"})

    assert response.status_code == 200
    assert db.session.scalar(sa.select(User).where(User.username == "sneaky")) is None


def test_store_admin_cannot_open_another_stores_account(client, staff, other_store):
    elsewhere = UserFactory(username="gz-cashier", roles=["cashier"], store=other_store)
    login(client, staff["admin"])

    response = client.get(f"/users/{elsewhere.id}")

    assert response.status_code == 404
    assert "gz-cashier" not in response.get_data(as_text=True)
    assert "gz-cashier" not in client.get("/users").get_data(as_text=True)


def test_admin_edits_roles_from_the_form(client, staff, store):
    login(client, staff["admin"])
    advisor = staff["service_advisor"]

    response = client.post(f"/users/{advisor.id}", data={
        "username": advisor.username, "store": store.id, "roles": ["service_advisor", "cashier"],
        "active": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, advisor.id).role_names == {"service_advisor", "cashier"}


def test_admin_edit_with_a_too_short_password_saves_nothing(client, staff, store):
    login(client, staff["admin"])
    advisor = staff["service_advisor"]

    response = client.post(f"/users/{advisor.id}", data={
        "username": advisor.username, "store": store.id, "roles": ["service_advisor", "cashier"],
        "active": "y", "password": "short"})

    assert response.status_code == 200
    assert "密码至少需要8个字符。" in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, advisor.id)
    assert user.role_names == {"service_advisor"}  # not half saved: the form said it failed
    assert user.check_password(PASSWORD)


def test_admin_edit_sets_a_new_password(client, staff, store):
    login(client, staff["admin"])
    advisor = staff["service_advisor"]

    response = client.post(f"/users/{advisor.id}", data={
        "username": advisor.username, "store": store.id, "roles": ["service_advisor"], "active": "y",
        "password": "brand-new-secret-7"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, advisor.id).check_password("brand-new-secret-7")


def test_group_admin_lists_every_stores_staff_with_the_stores_code(client, group_admin, store, other_store):
    UserFactory(username="sz-cashier", roles=["cashier"], store=store)
    UserFactory(username="gz-cashier", roles=["cashier"], store=other_store)
    login(client, group_admin)
    db.session.expunge_all()  # the request reads the users and their stores itself, as in production

    page = client.get("/users")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(word in text for word in ("sz-cashier", "SZ01", "gz-cashier", "GZ01"))
