"""Fixtures for customer satisfaction: the repair shop (tests/repair/builders.py), CS staff, delivered orders."""
from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.helpers import actor
from tests.repair.builders import Shop, build_shop


@pytest.fixture()
def shop(db_session, store, staff) -> Shop:
    return build_shop(store, staff)


@pytest.fixture()
def cs(staff):
    """The store's CS supervisor (监督部), as an Actor."""
    return actor(staff["cs_supervisor"])


@pytest.fixture()
def cs2(db_session, store):
    """A second CS colleague of the store, as an Actor (the verifier of forms the first one recorded)."""
    return actor(UserFactory(username="cs2-sz", roles=["cs_supervisor"], store=store))
