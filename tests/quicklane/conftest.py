"""Fixtures of the quick lane: the shop of tests/repair/builders.py, a package and a technician on shift."""
from __future__ import annotations

import pytest

from tests.quicklane.builders import build_package, on_shift
from tests.repair.builders import Shop, build_shop


@pytest.fixture()
def shop(db_session, store, staff) -> Shop:
    return build_shop(store, staff)


@pytest.fixture()
def package(shop):
    on_shift(shop)
    return build_package(shop)
