"""Staff accounts, roles and API tokens: the service layer."""
from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.auth import services
from dealer.auth.models import ApiToken, User
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.helpers import NOW, actor, audit_entries

GOOD_PASSWORD = "a-long-enough-secret"


# --- authenticate ---------------------------------------------------------------------------------

def test_authenticate_returns_the_user_and_records_the_sign_in(ctx, staff):
    user = services.authenticate("service_advisor-sz", PASSWORD, now=NOW)

    assert user.id == staff["service_advisor"].id
    assert db.session.get(User, user.id).last_login_at == NOW


def test_authenticate_ignores_spaces_around_the_username(ctx, staff):
    assert services.authenticate("  cashier-sz ", PASSWORD, now=NOW).id == staff["cashier"].id


@pytest.mark.parametrize("username, password", [
    ("service_advisor-sz", "wrong-password"),
    ("service_advisor-sz", ""),
    ("SERVICE_ADVISOR-SZ", PASSWORD),
    ("nobody-here", PASSWORD),
])
def test_authenticate_wrong_password_or_unknown_user_is_invalid_credentials(ctx, staff, username, password):
    with pytest.raises(services.InvalidCredentials) as caught:
        services.authenticate(username, password, now=NOW)

    assert caught.value.code == "auth.invalid_credentials"
    assert caught.value.status == 401
    assert db.session.get(User, staff["service_advisor"].id).last_login_at is None


def test_authenticate_disabled_account_is_invalid_credentials(ctx, staff):
    user = staff["technician"]
    user.active = False
    db.session.flush()

    with pytest.raises(services.InvalidCredentials) as caught:
        services.authenticate(user.username, PASSWORD, now=NOW)

    assert caught.value.code == "auth.invalid_credentials"


def test_authenticate_unknown_user_still_checks_a_password_hash(ctx, staff, monkeypatch):
    # Refusing an unknown username without hashing would tell an attacker, by timing, which names exist.
    checked = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda *args: checked.append(args) or real_check(*args))

    with pytest.raises(services.InvalidCredentials):
        services.authenticate("nobody-here", PASSWORD, now=NOW)

    assert len(checked) == 1


# --- create_user ----------------------------------------------------------------------------------

def test_create_user_stores_a_scrypt_hash_and_audits(ctx, store, group_admin):
    user = services.create_user("  wang.advisor ", password=GOOD_PASSWORD,
                                roles=["service_advisor", "cashier"], store_id=store.id,
                                actor=actor(group_admin), full_name="王强")

    assert user.username == "wang.advisor"
    assert user.role_names == {"service_advisor", "cashier"}
    assert user.password_hash.startswith("scrypt:")
    assert GOOD_PASSWORD not in user.password_hash
    assert user.check_password(GOOD_PASSWORD)
    [entry] = audit_entries("user_created")
    assert (entry.actor_id, entry.store_id, entry.entity_id) == (group_admin.id, store.id, user.id)
    assert entry.changes == {"username": "wang.advisor", "roles": ["cashier", "service_advisor"]}


@pytest.mark.parametrize("roles", [[], ["pilot"], ["service_advisor", "pilot"]])
def test_create_user_with_no_or_unknown_roles_is_refused(ctx, store, roles):
    with pytest.raises(services.InvalidRoles) as caught:
        services.create_user("new-user", password=GOOD_PASSWORD, roles=roles, store_id=store.id, actor=SYSTEM)

    assert caught.value.code == "auth.invalid_roles"
    assert db.session.scalar(sa.select(User).where(User.username == "new-user")) is None


@pytest.mark.parametrize("roles", [["technician"], ["manager", "service_advisor"], ["cs_supervisor"]])
def test_create_user_group_level_other_than_admin_or_manager_is_refused(ctx, roles):
    with pytest.raises(services.InvalidRoles) as caught:
        services.create_user("group-person", password=GOOD_PASSWORD, roles=roles, store_id=None, actor=SYSTEM)

    assert caught.value.code == "auth.invalid_roles"
    assert caught.value.field == "store"


@pytest.mark.parametrize("roles", [["admin"], ["manager"], ["admin", "manager"]])
def test_create_user_group_level_admin_or_manager(ctx, roles):
    user = services.create_user("group-person", password=GOOD_PASSWORD, roles=roles, store_id=None,
                                actor=SYSTEM)

    assert user.store_id is None
    assert user.as_actor().is_group_level


@pytest.mark.parametrize("password", ["", "short", "1234567"])
def test_create_user_weak_password_is_refused(ctx, store, password):
    with pytest.raises(services.WeakPassword) as caught:
        services.create_user("new-user", password=password, roles=["cashier"], store_id=store.id,
                             actor=SYSTEM)

    assert caught.value.code == "auth.weak_password"
    assert caught.value.field == "password"


def test_create_user_username_taken_is_refused(ctx, staff, store):
    with pytest.raises(services.UsernameTaken) as caught:
        services.create_user(" cashier-sz", password=GOOD_PASSWORD, roles=["cashier"], store_id=store.id,
                             actor=SYSTEM)

    assert caught.value.code == "auth.username_taken"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.username == "cashier-sz")) == 1


def test_create_user_at_an_unknown_store_is_refused(ctx):
    with pytest.raises(services.UnknownStore) as caught:
        services.create_user("new-user", password=GOOD_PASSWORD, roles=["cashier"], store_id=999999,
                             actor=SYSTEM)

    assert caught.value.code == "auth.unknown_store"


def test_create_user_by_a_non_admin_is_forbidden(ctx, staff, store, group_manager):
    for who in (staff["manager"], group_manager):
        with pytest.raises(DomainError) as caught:
            services.create_user("new-user", password=GOOD_PASSWORD, roles=["cashier"], store_id=store.id,
                                 actor=actor(who))
        assert caught.value.code == "forbidden"


def test_store_admin_creates_only_in_their_own_store(ctx, staff, store, other_store):
    store_admin = actor(staff["admin"])

    services.create_user("own-store", password=GOOD_PASSWORD, roles=["cashier"], store_id=store.id,
                         actor=store_admin)
    for store_id, roles in ((other_store.id, ["cashier"]), (None, ["manager"])):
        with pytest.raises(DomainError) as caught:
            services.create_user("elsewhere", password=GOOD_PASSWORD, roles=roles, store_id=store_id,
                                 actor=store_admin)
        assert caught.value.code == "forbidden"


def test_find_store_by_code_lists_the_known_codes(ctx, store, other_store):
    with pytest.raises(services.UnknownStore) as caught:
        services.find_store_by_code("NOPE")

    assert "GZ01, SZ01" in str(caught.value.message)


# --- update_user ----------------------------------------------------------------------------------

def test_update_user_records_the_roles_diff_in_the_audit_log(ctx, staff, store):
    admin, advisor = staff["admin"], staff["service_advisor"]
    old_name = advisor.full_name
    new_name = "李娜" if old_name != "李娜" else "王芳"  # the factory's names are random: make it a real change

    services.update_user(advisor.id, actor=actor(admin), roles=["service_advisor", "cashier"],
                         store_id=store.id, full_name=new_name, mobile="", active=True)

    assert db.session.get(User, advisor.id).role_names == {"service_advisor", "cashier"}
    [entry] = audit_entries("user_updated")
    assert (entry.actor_id, entry.entity_type, entry.entity_id, entry.store_id) == (
        admin.id, "users", advisor.id, store.id)
    assert entry.changes["roles"] == [["service_advisor"], ["cashier", "service_advisor"]]
    assert entry.changes["full_name"] == [old_name, new_name]


def test_update_user_removing_a_role_is_audited(ctx, staff, store):
    admin = staff["admin"]
    person = UserFactory(username="two-hats", roles=["cashier", "parts_clerk"], store=store)

    services.update_user(person.id, actor=actor(admin), roles=["parts_clerk"], store_id=store.id,
                         full_name=person.full_name, mobile="", active=True)

    assert db.session.get(User, person.id).role_names == {"parts_clerk"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("user_roles"))
                             .where(sa.column("user_id") == person.id)) == 1
    [entry] = audit_entries("user_updated")
    assert entry.changes == {"roles": [["cashier", "parts_clerk"], ["parts_clerk"]]}


def test_update_user_without_changes_writes_no_audit_entry(ctx, staff, store):
    advisor = staff["service_advisor"]

    services.update_user(advisor.id, actor=actor(staff["admin"]), roles=["service_advisor"],
                         store_id=store.id, full_name=advisor.full_name, mobile=advisor.mobile, active=True)

    assert audit_entries("user_updated") == []


@pytest.mark.parametrize("roles, active", [(["manager"], True), (["admin"], False)])
def test_admin_cannot_drop_their_own_admin_role_or_disable_themselves(ctx, staff, store, roles, active):
    admin = staff["admin"]

    with pytest.raises(services.InvalidRoles) as caught:
        services.update_user(admin.id, actor=actor(admin), roles=roles, store_id=store.id,
                             full_name=admin.full_name, mobile="", active=active)

    assert caught.value.code == "auth.invalid_roles"
    db.session.expire_all()
    assert db.session.get(User, admin.id).role_names == {"admin"}
    assert db.session.get(User, admin.id).active


def test_store_admin_cannot_manage_another_stores_user(ctx, staff, store, other_store):
    elsewhere = UserFactory(username="gz-advisor", roles=["service_advisor"], store=other_store)
    store_admin = actor(staff["admin"])

    with pytest.raises(DomainError) as caught:
        services.update_user(elsewhere.id, actor=store_admin, roles=["cashier"], store_id=other_store.id,
                             full_name="", mobile="", active=False)
    assert caught.value.code == "forbidden"
    with pytest.raises(DomainError) as caught:
        services.set_password(elsewhere.id, password=GOOD_PASSWORD, actor=store_admin)
    assert caught.value.code == "forbidden"
    with pytest.raises(DomainError) as caught:
        services.get_user(elsewhere.id, actor=store_admin)
    assert caught.value.code == "not_found"
    db.session.expire_all()
    assert db.session.get(User, elsewhere.id).active
    assert db.session.get(User, elsewhere.id).check_password(PASSWORD)


def test_store_admin_cannot_move_their_user_to_another_store(ctx, staff, other_store):
    advisor = staff["service_advisor"]

    with pytest.raises(DomainError) as caught:
        services.update_user(advisor.id, actor=actor(staff["admin"]), roles=["service_advisor"],
                             store_id=other_store.id, full_name="", mobile="", active=True)

    assert caught.value.code == "forbidden"


def test_group_admin_moves_a_user_between_stores(ctx, staff, store, other_store, group_admin):
    advisor = staff["service_advisor"]

    services.update_user(advisor.id, actor=actor(group_admin), roles=["service_advisor"],
                         store_id=other_store.id, full_name=advisor.full_name, mobile="", active=True)

    assert db.session.get(User, advisor.id).store_id == other_store.id
    [entry] = audit_entries("user_updated")
    assert entry.changes == {"store_id": [store.id, other_store.id]}


def test_update_user_to_an_unknown_store_is_refused(ctx, staff, group_admin):
    manager = staff["manager"]

    with pytest.raises(services.UnknownStore):
        services.update_user(manager.id, actor=actor(group_admin), roles=["manager"], store_id=999999,
                             full_name="", mobile="", active=True)


def test_update_user_to_group_level_keeps_the_group_role_rule(ctx, staff, group_admin):
    with pytest.raises(services.InvalidRoles):
        services.update_user(staff["technician"].id, actor=actor(group_admin), roles=["technician"],
                             store_id=None, full_name="", mobile="", active=True)


def test_update_user_with_a_password_sets_it_and_audits(ctx, staff, store):
    advisor = staff["service_advisor"]

    services.update_user(advisor.id, actor=actor(staff["admin"]), roles=["service_advisor"],
                         store_id=store.id, full_name=advisor.full_name, mobile="", active=True,
                         password="reset-by-admin-1")

    assert db.session.get(User, advisor.id).check_password("reset-by-admin-1")
    assert [e.entity_id for e in audit_entries("password_changed")] == [advisor.id]
    assert audit_entries("user_updated") == []


def test_update_user_with_a_weak_password_changes_nothing(ctx, staff, store):
    advisor = staff["service_advisor"]

    with pytest.raises(services.WeakPassword):
        services.update_user(advisor.id, actor=actor(staff["admin"]), roles=["cashier"], store_id=store.id,
                             full_name="改了", mobile="", active=True, password="short")

    db.session.expire_all()
    user = db.session.get(User, advisor.id)
    assert (user.role_names, user.full_name) == ({"service_advisor"}, advisor.full_name)
    assert user.check_password(PASSWORD)
    assert audit_entries("user_updated") == [] and audit_entries("password_changed") == []


def test_set_password_own_or_by_admin_is_hashed_and_audited(ctx, staff):
    cashier = staff["cashier"]

    services.set_password(cashier.id, password="my-new-secret-1", actor=actor(cashier))
    services.set_password(cashier.id, password="reset-by-admin-2", actor=actor(staff["admin"]))

    user = db.session.get(User, cashier.id)
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("reset-by-admin-2")
    assert [e.actor_id for e in audit_entries("password_changed")] == [cashier.id, staff["admin"].id]


def test_set_password_of_a_colleague_by_a_non_admin_is_forbidden(ctx, staff):
    with pytest.raises(DomainError) as caught:
        services.set_password(staff["cashier"].id, password=GOOD_PASSWORD, actor=actor(staff["manager"]))

    assert caught.value.code == "forbidden"


def test_set_password_weak_is_refused(ctx, staff):
    with pytest.raises(services.WeakPassword):
        services.set_password(staff["cashier"].id, password="short", actor=actor(staff["cashier"]))


def test_list_users_store_admin_sees_only_their_store(ctx, staff, other_store, group_admin):
    UserFactory(username="gz-advisor", roles=["service_advisor"], store=other_store)

    mine = {u.username for u in services.list_users(actor=actor(staff["admin"]))}
    everyone = {u.username for u in services.list_users(actor=actor(group_admin))}

    assert mine == {u.username for u in staff.values()}
    assert everyone == mine | {"gz-advisor", "group-admin"}


# --- API tokens -----------------------------------------------------------------------------------

def test_created_api_token_authenticates_its_user(ctx, staff):
    user = staff["service_advisor"]

    token, secret = services.create_api_token(actor=actor(user), name="DMS sync", now=utcnow())

    assert secret.startswith(services.TOKEN_PREFIX)
    assert token.prefix == secret[:10]
    assert services.user_for_token(secret).id == user.id
    assert services.user_for_token(secret + "x") is None
    assert [t.id for t in services.list_api_tokens(actor=actor(user))] == [token.id]
    assert [e.entity_id for e in audit_entries("api_token_created")] == [token.id]


def test_api_token_only_its_sha256_is_stored(ctx, staff):
    token, secret = services.create_api_token(actor=actor(staff["cashier"]), name="till", now=utcnow())

    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    rows = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
    rows += db.session.execute(sa.text("SELECT * FROM audit_log")).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert token.token_hash in stored
    assert secret not in stored
    assert secret[len(services.TOKEN_PREFIX):] not in stored


def test_revoked_api_token_no_longer_authenticates(ctx, staff):
    user = staff["cashier"]
    token, secret = services.create_api_token(actor=actor(user), name="till", now=utcnow())

    revoked = services.revoke_api_token(token.id, actor=actor(user), now=NOW)

    assert revoked.revoked_at == NOW
    assert services.user_for_token(secret) is None
    assert [e.entity_id for e in audit_entries("api_token_revoked")] == [token.id]


def test_expired_api_token_no_longer_authenticates(ctx, staff):
    user = staff["cashier"]
    two_days_ago = utcnow() - timedelta(days=2)
    _token, secret = services.create_api_token(actor=actor(user), name="old", now=two_days_ago, days=1)
    _token, fresh = services.create_api_token(actor=actor(user), name="new", now=utcnow(), days=1)

    assert services.user_for_token(secret) is None
    assert services.user_for_token(fresh).id == user.id


def test_api_token_of_a_disabled_user_no_longer_authenticates(ctx, staff):
    user = staff["cashier"]
    _token, secret = services.create_api_token(actor=actor(user), name="till", now=utcnow())

    services.update_user(user.id, actor=actor(staff["admin"]), roles=["cashier"], store_id=user.store_id,
                         full_name=user.full_name, mobile="", active=False)

    assert services.user_for_token(secret) is None


def test_a_new_password_revokes_every_api_token_of_the_account_only(ctx, staff):
    user, other = staff["cashier"], staff["service_advisor"]
    here = services.sign_in(user.username, PASSWORD, address=None, now=NOW).get_id()
    secrets_ = [services.create_api_token(actor=actor(user), name=name, now=utcnow())[1] for name in ("a", "b")]
    _token, others = services.create_api_token(actor=actor(other), name="theirs", now=utcnow())
    already, gone = services.create_api_token(actor=actor(user), name="old", now=utcnow())
    services.revoke_api_token(already.id, actor=actor(user), now=NOW)

    revoked = services.change_password(user.id, current_password=PASSWORD, new_password=GOOD_PASSWORD,
                                       keep_session=here, address=None, actor=actor(user), now=NOW + timedelta(1))

    assert revoked == 2
    assert [services.user_for_token(secret) for secret in secrets_] == [None, None]
    assert services.user_for_token(others).id == other.id
    db.session.expire_all()
    assert db.session.get(ApiToken, already.id).revoked_at == NOW  # the earlier revocation is kept as it was
    [entry] = audit_entries("password_changed")
    assert entry.changes == {"other_sessions_ended": 0, "api_tokens_revoked": 2}


@pytest.mark.parametrize("how", ["reset", "update", "disable"])
def test_an_admins_reset_or_disabling_revokes_the_api_tokens_for_good(ctx, staff, how):
    user, admin = staff["cashier"], staff["admin"]
    _token, secret = services.create_api_token(actor=actor(user), name="till", now=utcnow())
    edit = {"actor": actor(admin), "roles": ["cashier"], "store_id": user.store_id, "full_name": user.full_name,
            "mobile": ""}

    if how == "reset":
        services.set_password(user.id, password=GOOD_PASSWORD, actor=actor(admin), now=NOW)
    elif how == "update":
        services.update_user(user.id, **edit, active=True, password=GOOD_PASSWORD, now=NOW)
    else:
        services.update_user(user.id, **edit, active=False, now=NOW)
        services.update_user(user.id, **edit, active=True, now=NOW)  # enabled again: the token stays revoked

    assert services.user_for_token(secret) is None
    assert db.session.scalar(sa.select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)) == NOW


def test_revoking_someone_elses_api_token_is_not_found(ctx, staff):
    token, secret = services.create_api_token(actor=actor(staff["cashier"]), name="till", now=utcnow())

    for who in (staff["technician"], staff["admin"]):
        with pytest.raises(DomainError) as caught:
            services.revoke_api_token(token.id, actor=actor(who), now=NOW)
        assert caught.value.code == "not_found"
    with pytest.raises(DomainError) as caught:
        services.revoke_api_token(999999, actor=actor(staff["cashier"]), now=NOW)
    assert caught.value.code == "not_found"
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert services.user_for_token(secret).id == staff["cashier"].id
    assert services.list_api_tokens(actor=actor(staff["technician"])) == []



# --- signed-in browsers (Flask-Login's alternative id) ------------------------------------------------------

REMEMBER = timedelta(days=30)


def test_sign_in_opens_a_session_whose_token_finds_the_user(ctx, staff):
    user = services.sign_in("cashier-sz", PASSWORD, address="10.1.1.1", now=NOW)

    token = user.get_id()
    assert token and str(user.id) not in token.split(":")
    assert services.user_for_session(token, now=NOW, max_age=REMEMBER).id == user.id
    assert services.user_for_session(token + "x", now=NOW, max_age=REMEMBER) is None
    assert services.user_for_session(str(user.id), now=NOW, max_age=REMEMBER) is None  # the old plain id
    assert db.session.get(User, user.id).last_login_at == NOW
    assert token not in " ".join(str(v) for row in db.session.execute(sa.text("SELECT * FROM user_sessions"))
                                 for v in row)  # only its SHA-256 is stored


def test_every_sign_in_gets_its_own_token(ctx, staff):
    one = services.sign_in("cashier-sz", PASSWORD, address=None, now=NOW).get_id()
    two = services.sign_in("cashier-sz", PASSWORD, address=None, now=NOW).get_id()

    assert one != two


def test_sign_out_ends_only_that_session(ctx, staff):
    one = services.sign_in("cashier-sz", PASSWORD, address=None, now=NOW).get_id()
    two = services.sign_in("cashier-sz", PASSWORD, address=None, now=NOW).get_id()

    services.sign_out(one, now=NOW)

    assert services.user_for_session(one, now=NOW, max_age=REMEMBER) is None
    assert services.user_for_session(two, now=NOW, max_age=REMEMBER).id == staff["cashier"].id


def test_a_session_older_than_the_remember_duration_no_longer_finds_its_user(ctx, staff):
    token = services.sign_in("cashier-sz", PASSWORD, address=None, now=NOW).get_id()

    assert services.user_for_session(token, now=NOW + REMEMBER - timedelta(minutes=1), max_age=REMEMBER)
    assert services.user_for_session(token, now=NOW + REMEMBER, max_age=REMEMBER) is None


def test_a_session_of_a_disabled_account_finds_nobody(ctx, staff):
    user = staff["cashier"]
    token = services.sign_in(user.username, PASSWORD, address=None, now=NOW).get_id()

    services.update_user(user.id, actor=actor(staff["admin"]), roles=["cashier"], store_id=user.store_id,
                         full_name=user.full_name, mobile="", active=False)
    services.update_user(user.id, actor=actor(staff["admin"]), roles=["cashier"], store_id=user.store_id,
                         full_name=user.full_name, mobile="", active=True)

    assert services.user_for_session(token, now=NOW, max_age=REMEMBER) is None


# --- one check of a password for every door, with its failures counted -------------------------------------

@pytest.fixture()
def low_limits(app, monkeypatch):
    """Two failures per account; a user of its own, so no other test's counters are in the way."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", None)
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "50 per minute")


@pytest.fixture()
def own_user(ctx, store):
    return UserFactory(username="limits-" + uuid.uuid4().hex[:12], roles=["cashier"], store=store)


def test_failed_sign_ins_lock_the_account_for_the_api_too(low_limits, own_user):
    for address in ("10.2.0.1", "10.2.0.2"):
        with pytest.raises(services.InvalidCredentials):
            services.sign_in(own_user.username, "wrong-password", address=address, now=NOW)

    with pytest.raises(services.TooManyAttempts) as caught:
        services.authenticate(own_user.username, PASSWORD, address="10.2.0.3", now=NOW)

    assert caught.value.code == "rate_limited"
    assert caught.value.status == 429
    assert caught.value.retry_after > 0
    assert db.session.get(User, own_user.id).last_login_at is None


def test_failed_api_sign_ins_lock_the_account_for_the_form_too(low_limits, own_user):
    for _ in range(2):
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(own_user.username, "wrong-password", now=NOW)

    with pytest.raises(services.TooManyAttempts):
        services.sign_in(own_user.username, PASSWORD, address="10.2.1.1", now=NOW)


def test_the_account_lockout_ignores_the_case_and_spaces_of_the_username(low_limits, own_user):
    for name in (own_user.username.upper(), f"  {own_user.username} "):
        with pytest.raises(services.InvalidCredentials):
            services.sign_in(name, "wrong-password", address=None, now=NOW)

    with pytest.raises(services.TooManyAttempts):
        services.sign_in(own_user.username, PASSWORD, address=None, now=NOW)


def test_successful_sign_ins_are_not_counted(low_limits, own_user):
    for _ in range(5):
        services.sign_in(own_user.username, PASSWORD, address="10.2.2.2", now=NOW)

    assert services.authenticate(own_user.username, PASSWORD, address="10.2.2.2", now=NOW).id == own_user.id


# --- changing one's own password -------------------------------------------------------------------------

def test_change_password_with_the_current_one_ends_the_other_sessions_and_audits(ctx, staff):
    user = staff["service_advisor"]
    here = services.sign_in(user.username, PASSWORD, address=None, now=NOW).get_id()
    elsewhere = services.sign_in(user.username, PASSWORD, address=None, now=NOW).get_id()

    services.change_password(user.id, current_password=PASSWORD, new_password=GOOD_PASSWORD,
                             keep_session=here, address="10.3.3.3", actor=actor(user), now=NOW)

    assert db.session.get(User, user.id).check_password(GOOD_PASSWORD)
    assert services.user_for_session(here, now=NOW, max_age=REMEMBER).id == user.id
    assert services.user_for_session(elsewhere, now=NOW, max_age=REMEMBER) is None
    [entry] = audit_entries("password_changed")
    assert (entry.actor_id, entry.entity_id, entry.store_id) == (user.id, user.id, user.store_id)
    assert entry.changes == {"other_sessions_ended": 1, "api_tokens_revoked": 0}


def test_change_password_with_a_wrong_current_one_is_refused_and_counted(low_limits, own_user):
    token = services.sign_in(own_user.username, PASSWORD, address=None, now=NOW).get_id()
    for _ in range(2):
        with pytest.raises(services.WrongPassword) as caught:
            services.change_password(own_user.id, current_password="a-guess-123", new_password=GOOD_PASSWORD,
                                     keep_session=token, address="10.4.4.4", actor=actor(own_user), now=NOW)
        assert caught.value.field == "current_password"

    with pytest.raises(services.TooManyAttempts):  # guessing the current password counts like signing in
        services.sign_in(own_user.username, PASSWORD, address="10.4.4.5", now=NOW)
    db.session.expire_all()
    assert db.session.get(User, own_user.id).check_password(PASSWORD)
    assert audit_entries("password_changed") == []
    assert services.user_for_session(token, now=NOW, max_age=REMEMBER).id == own_user.id


def test_change_password_to_a_weak_one_is_refused(ctx, staff):
    user = staff["cashier"]

    with pytest.raises(services.WeakPassword):
        services.change_password(user.id, current_password=PASSWORD, new_password="short", keep_session=None,
                                 address=None, actor=actor(user), now=NOW)

    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_change_password_of_someone_else_is_forbidden(ctx, staff):
    with pytest.raises(DomainError) as caught:
        services.change_password(staff["cashier"].id, current_password=PASSWORD, new_password=GOOD_PASSWORD,
                                 keep_session=None, address=None, actor=actor(staff["admin"]), now=NOW)

    assert caught.value.code == "forbidden"
    assert db.session.get(User, staff["cashier"].id).check_password(PASSWORD)


def test_password_reset_by_an_admin_ends_every_session_of_the_account(ctx, staff):
    user = staff["cashier"]
    token = services.sign_in(user.username, PASSWORD, address=None, now=NOW).get_id()

    services.set_password(user.id, password=GOOD_PASSWORD, actor=actor(staff["admin"]))

    assert services.user_for_session(token, now=NOW, max_age=REMEMBER) is None
