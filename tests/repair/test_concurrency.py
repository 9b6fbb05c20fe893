"""Two desks at once on one store's repair orders, on PostgreSQL: numbers never repeat, money is taken once."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import ROLES
from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import Payment, RepairOrder
from dealer.repair.services import IllegalTransition, OrderInput, PaymentInput
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor
from tests.repair.builders import build_shop, finished_order

pytestmark = pytest.mark.postgres_only



@pytest.fixture()
def committed_shop(shared_db):
    store = StoreFactory(code="SZ01")
    staff = {role: UserFactory(username=f"{role}-1", roles=[role], store=store) for role in ROLES}
    shop = build_shop(store, staff)
    db.session.commit()
    return shop


def test_two_desks_opening_orders_at_once_get_different_numbers(app, committed_shop):
    shop = committed_shop
    second_vehicle = VehicleFactory(owner__store=shop.store, store=shop.store)
    other_advisor = actor(UserFactory(username="advisor-2", roles=["service_advisor"], store=shop.store))
    db.session.commit()
    vehicle_ids = [shop.vehicle.id, second_vehicle.id]

    def opener(vehicle_id, who):
        return lambda: services.open_order(vehicle_id, OrderInput(concerns=["保养"], promised_at=NOW + timedelta(hours=3)),
                                           actor=who, now=NOW).number

    numbers = at_once(app, *(opener(vid, who) for vid, who in zip(vehicle_ids, [shop.advisor, other_advisor])))
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(n[-4:] for n in numbers) == ["0001", "0002"]


def test_two_cashiers_settling_one_order_at_once_take_the_money_once(app, committed_shop):
    shop = committed_shop
    order_id = finished_order(shop).id
    cashier_2 = actor(UserFactory(username="cashier-2", roles=["cashier"], store=shop.store))
    db.session.commit()

    def settle(who, method, reference):
        return lambda: services.settle(order_id, [PaymentInput(method, 36600, reference)], actor=who, now=NOW).state

    results = at_once(app, settle(shop.cashier, "cash", ""), settle(cashier_2, "alipay", "ALI-1"))
    assert sorted(map(type, results), key=str) == sorted([str, IllegalTransition], key=str), results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment).where(Payment.order_id == order_id)) == 1
    assert db.session.get(RepairOrder, order_id).customer_total_fen == 36600
