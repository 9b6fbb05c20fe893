"""Signed-in browsers: the "remember me" cookie, signing out, a password change and a disabled account.

Flask-Login's id for a signed-in browser is the token of its session row, so the session cookie and
the remember cookie die when that row is ended: at sign-out of that browser, at a password change
(every other browser), when an admin disables the account.
"""
from __future__ import annotations

import pytest

from dealer.auth import services
from dealer.auth.models import User
from dealer.extensions import db
from tests.factories import PASSWORD
from tests.helpers import NOW, actor, audit_entries, signed_in
from tests.isolation import isolated_client

NEW_PASSWORD = "a-new-secret-2026"


def _sign_in(app, user, *, remember: bool = True):
    """A new browser signed in as `user` through the form."""
    browser = isolated_client(app)
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = browser.post("/login", data=data)
    assert response.status_code == 302, response.data[:500]
    return browser


def _copy(app, browser, *names: str):
    """Another browser holding only these cookies of `browser` (a stolen or restored cookie)."""
    other = isolated_client(app)
    for name in names:
        cookie = browser.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value)
    return other


def _change_password(browser, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return browser.post("/account/password", data={"current_password": current, "password": new,
                                                   "confirm": new})


# --- the remember cookie keeps a returning user signed in -------------------------------------------------

def test_remember_cookie_keeps_a_returning_user_signed_in(app, staff):
    first_visit = _sign_in(app, staff["cashier"])

    returning = _copy(app, first_visit, "remember_token")  # the browser was closed: no session cookie

    assert signed_in(returning)
    assert signed_in(returning)  # and the next request too
    assert returning.get("/desk").status_code == 200
    assert returning.get_cookie("remember_token") is not None


def test_without_remember_me_no_remember_cookie_is_set(app, staff):
    browser = _sign_in(app, staff["cashier"], remember=False)

    assert browser.get_cookie("remember_token") is None
    assert signed_in(browser)


def test_remember_cookie_differs_at_every_sign_in(app, staff):
    one = _sign_in(app, staff["cashier"])
    two = _sign_in(app, staff["cashier"])

    assert one.get_cookie("remember_token").value != two.get_cookie("remember_token").value
    assert one.get_cookie("session").value != two.get_cookie("session").value


def test_remember_cookie_does_not_carry_the_plain_user_id(app, staff):
    browser = _sign_in(app, staff["cashier"])

    value = browser.get_cookie("remember_token").value
    assert value.split("|")[0] != str(staff["cashier"].id)


# --- signing out ends that browser's cookies, and only that browser's ------------------------------------

def test_remember_cookie_stops_working_after_signing_out_on_that_device(app, staff):
    device = _sign_in(app, staff["cashier"])
    stolen = _copy(app, device, "remember_token")
    other_device = _sign_in(app, staff["cashier"])

    assert device.post("/logout").status_code == 302

    assert device.get_cookie("remember_token") is None  # the browser deletes it
    assert not signed_in(stolen)  # and a copy taken before no longer works
    assert not signed_in(device)
    assert signed_in(other_device)  # signing out on one device leaves the others signed in


def test_session_cookie_stops_working_after_signing_out(app, staff):
    device = _sign_in(app, staff["technician"], remember=False)
    copied = _copy(app, device, "session")
    assert signed_in(copied)

    device.post("/logout")

    assert not signed_in(copied)


# --- a password change ends every other browser ----------------------------------------------------------

def test_password_change_ends_the_other_sessions_and_remember_cookies(app, staff):
    user = staff["service_advisor"]
    here = _sign_in(app, user)
    elsewhere = _sign_in(app, user)
    remembered_elsewhere = _copy(app, elsewhere, "remember_token")

    response = _change_password(here)

    assert response.status_code == 302
    assert not signed_in(elsewhere)
    assert not signed_in(remembered_elsewhere)
    assert signed_in(here)  # the browser that proved the current password stays signed in
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    [entry] = audit_entries("password_changed")
    assert (entry.actor_id, entry.entity_id) == (user.id, user.id)


def test_password_change_tells_the_user_their_api_tokens_were_revoked(app, staff):
    user = staff["parts_clerk"]
    browser = _sign_in(app, user)
    for name in ("DMS", "till"):
        services.create_api_token(actor=actor(user), name=name, now=NOW)

    page = browser.get(_change_password(browser).headers["Location"]).get_data(as_text=True)

    assert "2 个 API 令牌已随旧密码作废" in page
    assert "API 令牌已随旧密码作废" not in browser.get("/").get_data(as_text=True)  # said once


def test_password_change_needs_the_current_password(app, staff):
    user = staff["technician"]
    browser = _sign_in(app, user)

    response = _change_password(browser, current="not-my-password")

    assert response.status_code == 200
    assert "当前密码不正确。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)
    assert audit_entries("password_changed") == []


def test_password_change_without_the_current_password_changes_nothing(app, staff):
    user = staff["technician"]
    browser = _sign_in(app, user)

    response = browser.post("/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_password_page_asks_for_the_current_password(app, staff):
    browser = _sign_in(app, staff["technician"])

    page = browser.get("/account/password").get_data(as_text=True)

    assert 'name="current_password"' in page
    assert 'autocomplete="current-password"' in page


def test_password_reset_by_an_admin_ends_every_session_of_the_account(app, staff):
    user = staff["cashier"]
    browser = _sign_in(app, user)
    remembered = _copy(app, browser, "remember_token")

    services.set_password(user.id, password=NEW_PASSWORD, actor=actor(staff["admin"]))

    assert not signed_in(browser)
    assert not signed_in(remembered)


# --- a disabled account ------------------------------------------------------------------------------------

def _set_active(staff, user, active: bool) -> None:
    services.update_user(user.id, actor=actor(staff["admin"]), roles=sorted(user.role_names),
                         store_id=user.store_id, full_name=user.full_name, mobile="", active=active)


def test_disabling_an_account_ends_its_remember_cookies_for_good(app, staff):
    user = staff["cashier"]
    browser = _sign_in(app, user)
    remembered = _copy(app, browser, "remember_token")

    _set_active(staff, user, False)
    _set_active(staff, user, True)  # enabled again: the account signs in anew, old cookies stay dead

    assert not signed_in(remembered)
    assert not signed_in(browser)
    assert signed_in(_sign_in(app, user))


@pytest.mark.parametrize("remember", [True, False])
def test_signing_in_again_after_signing_out_works(app, staff, remember):
    browser = _sign_in(app, staff["manager"], remember=remember)
    browser.post("/logout")

    again = browser.post("/login", data={"username": "manager-sz", "password": PASSWORD})

    assert again.status_code == 302
    assert signed_in(browser)
