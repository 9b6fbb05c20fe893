"""`flask --app dealer create-user USERNAME --role ROLE [--role ...] [--store CODE] --password-stdin`.

The commands run as on a terminal: an app context (from `db_session`), no request context.
"""
from __future__ import annotations

import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.auth import services
from dealer.auth.models import User
from dealer.extensions import db
from dealer.stores.models import Store
from tests.helpers import NOW

SECRET = "first-admin-secret-1"


def _run(app, *args: str, password: str = SECRET):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", *args, "--password-stdin"], input=password + "\n")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_create_user_makes_the_first_admin_on_an_empty_database(app, db_session):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Store)) == 0

    result = _run(app, "boss", "--role", "admin")

    assert result.exit_code == 0, result.output
    assert "boss" in result.output and "group-level" in result.output
    user = _user("boss")
    assert (user.store_id, user.role_names, user.active) == (None, {"admin"}, True)
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user_created")).all()
    assert entry.actor_id is None and entry.entity_id == user.id


def test_create_user_reads_the_password_from_stdin(app, db_session):
    result = _run(app, "boss", "--role", "admin", password="typed-on-stdin-9")

    assert result.exit_code == 0, result.output
    assert "typed-on-stdin-9" not in result.output
    assert _user("boss").password_hash.startswith("scrypt:")
    assert services.authenticate("boss", "typed-on-stdin-9", now=NOW).username == "boss"


def test_create_user_needs_password_stdin(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "boss", "--role", "admin"], input=SECRET + "\n")

    assert result.exit_code != 0
    assert _user("boss") is None


def test_create_user_at_a_store_with_several_roles(app, db_session, store):
    result = _run(app, "li.advisor", "--role", "service_advisor", "--role", "cashier", "--store", "SZ01",
                  "--full-name", "李娜")

    assert result.exit_code == 0, result.output
    assert "SZ01" in result.output
    user = _user("li.advisor")
    assert (user.store_id, user.full_name) == (store.id, "李娜")
    assert user.role_names == {"service_advisor", "cashier"}


def test_create_user_refuses_an_unknown_store_listing_the_known_codes(app, db_session, store, other_store):
    result = _run(app, "lost", "--role", "technician", "--store", "XX99")

    assert result.exit_code == 1
    assert "XX99" in result.output
    assert "GZ01, SZ01" in result.output
    assert _user("lost") is None


def test_create_user_refuses_a_group_level_technician(app, db_session):
    result = _run(app, "floating.tech", "--role", "technician")

    assert result.exit_code == 1
    assert "集团级账号" in result.output  # the message, in the default language
    assert _user("floating.tech") is None


def test_create_user_refuses_an_unknown_role(app, db_session, store):
    result = _run(app, "pilot", "--role", "pilot", "--store", "SZ01")

    assert result.exit_code == 2
    assert "pilot" in result.output
    assert _user("pilot") is None


def test_create_user_refuses_a_weak_password(app, db_session):
    result = _run(app, "boss", "--role", "admin", password="short")

    assert result.exit_code == 1
    assert _user("boss") is None


def test_create_user_refuses_a_taken_username(app, db_session):
    assert _run(app, "boss", "--role", "admin").exit_code == 0

    result = _run(app, "boss", "--role", "manager")

    assert result.exit_code == 1
    assert _user("boss").role_names == {"admin"}
