"""Two tablets at once, on PostgreSQL: the database settles the lane's races, one connection per thread."""
from __future__ import annotations

import pytest

from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.errors import BayTaken, StaleStage
from dealer.quicklane.models import LaneOrder
from tests.concurrency import at_once, shared_db  # noqa: F401  (the fixture)
from tests.factories import StoreFactory, UserFactory
from tests.helpers import actor
from tests.quicklane.builders import build_package, minutes, on_shift, take_key
from tests.repair.builders import build_shop

pytestmark = pytest.mark.postgres_only
ROLES = ("manager", "service_advisor", "technician", "parts_clerk", "cashier")


@pytest.fixture()
def lane(shared_db):  # noqa: F811
    """A committed store with two cars waiting, two technicians on shift and two bays."""
    store = StoreFactory(code="SZ01")
    staff = {role: UserFactory(username=f"{role}-lane", roles=[role], store=store) for role in ROLES}
    second = UserFactory(username="technician-2", roles=["technician"], store=store)
    shop = build_shop(store, staff)
    db.session.commit()
    on_shift(shop, shop.technician_user, second)
    package = build_package(shop)
    cars = [take_key(shop, package, key_tag=tag).id for tag in ("A", "B")]
    db.session.commit()
    ids = {"technicians": (shop.technician_user.id, second.id), "cars": cars,
           "actors": (shop.technician, actor(second))}
    db.session.remove()
    return ids


def test_two_taps_on_one_car_at_once_apply_once(app, lane):
    car = lane["cars"][0]
    (one, two), (first, second) = lane["technicians"], lane["actors"]

    def tap(who, technician, bay):
        return lambda: services.move(car, to_stage="in_bay", version=1, bay=bay, technician_id=technician,
                                     actor=who, now=minutes(5)).version

    results = at_once(app, tap(first, one, 1), tap(second, two, 2))

    assert sorted(type(r).__name__ for r in results) == ["StaleStage", "int"], results
    assert any(isinstance(r, StaleStage) for r in results)
    moved = db.session.get(LaneOrder, car)
    assert (moved.stage, moved.version) == ("in_bay", 2)


def test_two_cars_into_one_bay_at_once_one_gets_it(app, lane):
    (one, two), (first, second) = lane["technicians"], lane["actors"]

    def tap(who, car, technician):
        return lambda: services.move(car, to_stage="in_bay", version=1, bay=1, technician_id=technician,
                                     actor=who, now=minutes(5)).bay

    results = at_once(app, tap(first, lane["cars"][0], one), tap(second, lane["cars"][1], two))

    assert sorted(map(str, (type(r).__name__ for r in results))) == ["BayTaken", "int"], results
    assert any(isinstance(r, BayTaken) for r in results)
    assert db.session.query(LaneOrder).filter_by(stage="in_bay").count() == 1


def test_two_cars_moved_at_once_into_two_bays_both_move(app, lane):
    """Each change recomputes every car's estimate: two at once must not deadlock on each other's rows."""
    (one, two), (first, second) = lane["technicians"], lane["actors"]

    def tap(who, car, technician, bay):
        return lambda: services.move(car, to_stage="in_bay", version=1, bay=bay, technician_id=technician,
                                     actor=who, now=minutes(5)).bay

    results = at_once(app, tap(first, lane["cars"][0], one, 1), tap(second, lane["cars"][1], two, 2))

    assert sorted(results) == [1, 2], results
