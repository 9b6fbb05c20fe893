"""Two desks at once, on PostgreSQL: the database settles the race, each thread on its own connection."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.customers import services
from dealer.customers.models import Customer, Vehicle, VehicleOwnership
from dealer.customers.services import CustomerInput, VehicleInput
from dealer.customers.validators import InvalidValue
from dealer.extensions import db
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW, actor, count

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def desks(shared_db):
    """A committed store with two service advisors."""
    store = StoreFactory(code="SZ01")
    first = UserFactory(username="advisor-1", roles=["service_advisor"], store=store)
    second = UserFactory(username="advisor-2", roles=["service_advisor"], store=store)
    db.session.commit()
    return store.id, actor(first), actor(second)


def test_create_customer_same_mobile_at_two_desks_at_once_one_wins(app, desks):
    store_id, first, second = desks

    def open_file(who, name):
        return lambda: services.create_customer(CustomerInput(name=name, mobile="13812345678"),
                                                store_id=store_id, actor=who, now=NOW).id

    results = at_once(app, open_file(first, "张伟"), open_file(second, "张伟（重复）"))

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, services.MobileTaken)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "customers.mobile_taken"
    assert count(Customer, Customer.mobile == "13812345678") == 1


def test_add_vehicle_same_plate_at_two_desks_at_once_one_wins(app, desks):
    store_id, first, second = desks
    with app.test_request_context():
        owner_id = services.create_customer(CustomerInput(name="张伟", mobile="13812345678"), store_id=store_id,
                                            actor=first, now=NOW).id
        db.session.remove()

    def register(who, vin):
        return lambda: services.add_vehicle(owner_id, VehicleInput(plate="粤B12345", vin=vin, odometer_km=100),
                                            actor=who, now=NOW).id

    results = at_once(app, register(first, "LFV3A23C9J3012345"), register(second, "1M8GDM9AXKP042788"))

    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, services.PlateTaken) for r in results) == 1, results
    assert count(Vehicle) == 1
    assert count(VehicleOwnership) == 1


def test_transfer_vehicle_reads_the_owner_after_taking_the_lock(app, desks):
    """Desk 1 has the vehicle open while desk 2 completes the same change of owner."""
    store_id, first, second = desks
    with app.test_request_context():
        seller = services.create_customer(CustomerInput(name="张伟", mobile="13812345678"), store_id=store_id,
                                          actor=first, now=NOW).id
        buyer = services.create_customer(CustomerInput(name="李娜", mobile="13900001111"), store_id=store_id,
                                         actor=first, now=NOW).id
        vehicle_id = services.add_vehicle(seller, VehicleInput(plate="粤B12345", vin="LFV3A23C9J3012345"),
                                          actor=first, now=NOW).id
        db.session.remove()

    with app.test_request_context():
        # Desk 1 looks the vehicle up (as the transfer view does) before desk 2's change is committed,
        # and holds on to it (the session's identity map keeps only what is referenced).
        opened = services.get_vehicle(vehicle_id, actor=first)
        assert opened.owner_id == seller
        [done] = at_once(app, lambda: services.transfer_vehicle(vehicle_id, new_owner_id=buyer, actor=second,
                                                                now=NOW + timedelta(hours=1)).owner_id)
        assert done == buyer
        with pytest.raises(InvalidValue) as caught:
            services.transfer_vehicle(vehicle_id, new_owner_id=buyer, actor=first,
                                      now=NOW + timedelta(hours=2))
        assert caught.value.field == "new_owner_id"
        db.session.rollback()

    history = db.session.scalars(sa.select(VehicleOwnership).order_by(VehicleOwnership.id)).all()
    assert [(o.customer_id, o.ended_at is None) for o in history] == [(seller, False), (buyer, True)]
