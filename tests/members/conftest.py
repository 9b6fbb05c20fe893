"""Fixtures for membership: the repair shop (tests/repair/builders.py) and its car's owner as a member."""
from __future__ import annotations

import pytest

from dealer.members import services
from tests.helpers import NOW
from tests.repair.builders import Shop, build_shop


@pytest.fixture()
def shop(db_session, store, staff) -> Shop:
    return build_shop(store, staff)


@pytest.fixture()
def member(shop):
    return services.join(shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
