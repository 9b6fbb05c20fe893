"""Fixtures for repair orders: the shop (tests/repair/builders.py) and the API called as each role."""
from __future__ import annotations

import pytest

from dealer.extensions import db
from tests.helpers import bearer
from tests.repair.builders import Shop, build_shop


@pytest.fixture()
def shop(db_session, store, staff) -> Shop:
    return build_shop(store, staff)


# -- the API as each role ------------------------------------------------------------------------

@pytest.fixture()
def tokens(shop, staff, ctx):
    made = {role: bearer(user) for role, user in staff.items()}
    db.session.commit()  # keep the shop when an error response rolls the session back
    return made


@pytest.fixture()
def api(client, tokens):
    """Call the API as a role: api("post", url, "service_advisor", json=...)."""
    def call(method, url, role="service_advisor", **kwargs):
        return client.open(url, method=method.upper(), headers=tokens[role], **kwargs)
    return call
