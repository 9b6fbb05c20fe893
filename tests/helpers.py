"""Shared fixtures and helpers: stores, staff of each role, signing in through the real login form."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from dealer.actors import ROLES
from dealer.extensions import db
from tests.factories import PASSWORD, StoreFactory, UserFactory

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def store(db_session):
    return StoreFactory(code="SZ01", name="深圳宝安一汽-大众4S店")


@pytest.fixture()
def other_store(db_session):
    return StoreFactory(code="GZ01", name="广州天河一汽-大众4S店")


@pytest.fixture()
def staff(db_session, store):
    """One account per role at `store` (admin and manager too), keyed by role."""
    return {role: UserFactory(username=f"{role}-sz", roles=[role], store=store) for role in ROLES}


@pytest.fixture()
def group_manager(db_session):
    return UserFactory(username="group-manager", roles=["manager"], store=None)


@pytest.fixture()
def group_admin(db_session):
    return UserFactory(username="group-admin", roles=["admin"], store=None)


def login(client, user, password: str = PASSWORD):
    """Sign in through the login form; return the response."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def actor(user):
    return user.as_actor()


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    """How many rows of `model` match `where`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def fresh(model, ident):
    """Read a row as the database has it now (a request may have changed it in its own session)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def persist():
    """Release the factories' rows into the test's transaction, so an error response's rollback keeps them."""
    db.session.commit()
