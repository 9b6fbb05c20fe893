"""Shared fixtures and helpers: stores, staff of each role, signing in, reading pages and API errors.

Loaded as a pytest plugin by tests/conftest.py (its fixtures are available to every test); test modules
import its plain functions (`from tests.helpers import count, login`).
"""
from __future__ import annotations

from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

from dealer.actors import ROLES
from dealer.audit.models import AuditEntry
from dealer.auth.services import create_api_token
from dealer.extensions import db
from tests.factories import PASSWORD, StoreFactory, UserFactory

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


# -- stores and staff ----------------------------------------------------------------------------


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


@pytest.fixture()
def advisor(staff):
    """The store's service advisor, as an Actor."""
    return actor(staff["service_advisor"])


@pytest.fixture()
def manager(staff):
    """The store's manager, as an Actor."""
    return actor(staff["manager"])


@pytest.fixture()
def group(group_manager):
    """The group manager (no store), as an Actor."""
    return actor(group_manager)


# -- signing in ----------------------------------------------------------------------------------

def login(client, user, password: str = PASSWORD):
    """Sign in through the login form; return the response."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def actor(user):
    return user.as_actor()


def signed_in(client, **kwargs) -> bool:
    """Whether the client's session is signed in: the home page does not send it to the login page."""
    response = client.get("/", **kwargs)
    return not (response.status_code == 302 and response.headers["Location"].startswith("/login"))


@pytest.fixture()
def advisor_client(client, staff):
    login(client, staff["service_advisor"])
    return client


@pytest.fixture()
def manager_client(client, staff):
    persist()
    login(client, staff["manager"])
    return client


def bearer(user) -> dict:
    """Authorization headers with a new API token of `user` (committed, so an error response keeps it)."""
    _token, secret = create_api_token(actor=actor(user), name="tests", now=NOW)
    persist()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def advisor_headers(ctx, staff):
    return bearer(staff["service_advisor"])


# -- reading responses ---------------------------------------------------------------------------


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def page_text(response) -> str:
    """The body of a page that loaded (200 OK), as text."""
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


class _Inputs(HTMLParser):
    """The form fields (input, select, textarea) of a page by name, with their attributes."""

    def __init__(self):
        super().__init__()
        self.inputs = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and "name" in attrs:
            self.inputs[attrs["name"]] = attrs


def inputs(response) -> dict:
    """The page's form fields by name: {name: {attribute: value}}."""
    parser = _Inputs()
    parser.feed(response.get_data(as_text=True))
    return parser.inputs


def field_has_error(response, name: str) -> bool:
    """Whether the form field `name` is marked invalid on the page."""
    return "is-invalid" in inputs(response)[name].get("class", "")


def assert_error(response, status: int, code: str, fields=()):
    """Assert the API's one error shape with this status, code and fields; return the error."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert sorted(body["error"]["fields"]) == sorted(fields)
    return body["error"]


# -- the database --------------------------------------------------------------------------------

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


def audit_entries(action: str) -> list[AuditEntry]:
    """The audit log's entries of `action`, oldest first."""
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def loaded(obj, *relationships: str):
    """Read `obj` again with the named relationships loaded ("vehicles", or a path: "job.order.vehicle").

    Relationships never load lazily by themselves (lazy="raise_on_sql"): a test that built a row with the
    factories says what it will read of it, as the app's queries do.
    """
    model = type(obj)
    options = []
    for path in relationships:
        option, owner = None, model
        for name in path.split("."):
            attribute = getattr(owner, name)
            option = sa.orm.selectinload(attribute) if option is None else option.selectinload(attribute)
            owner = attribute.property.mapper.class_
        options.append(option)
    return db.session.scalars(sa.select(model).where(model.id == obj.id).options(*options)
                              .execution_options(populate_existing=True)).one()
