"""Twenty settlements spending the same points or the same card balance at once: exactly one succeeds
(PostgreSQL, each desk in its own thread and connection)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.actors import ROLES
from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import NotEnoughPoints, NotEnoughStoredValue
from dealer.members.models import Member, PointsEntry, StoredValueEntry
from dealer.repair import services as repair
from dealer.repair.models import RepairOrder
from dealer.repair.services import PaymentInput
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW
from tests.repair.builders import build_shop, finished_order

pytestmark = pytest.mark.postgres_only

DESKS = 20
BILL = 36600


@pytest.fixture()
def committed_member(shared_db):
    store = StoreFactory(code="SZ01")
    staff = {role: UserFactory(username=f"{role}-1", roles=[role], store=store) for role in ROLES}
    shop = build_shop(store, staff)
    for part in (shop.oil, shop.filter):
        part.on_hand = 200_000
    db.session.commit()
    member = services.join(shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
    orders = [finished_order(shop).id for _ in range(DESKS)]
    return shop, member.id, orders


def _outcome(results, refused):
    assert all(isinstance(r, (str, refused)) for r in results), results
    return sum(isinstance(r, str) for r in results)


def test_twenty_settlements_spending_the_same_points_at_once_one_succeeds(app, committed_member):
    shop, member_id, orders = committed_member
    services.adjust_points(member_id, 10_000, reason="开业赠送", actor=shop.manager, now=NOW)

    def settle(order_id):
        return lambda: repair.settle(order_id, [PaymentInput("cash", BILL - 10_000)], actor=shop.cashier, now=NOW,
                                     points_fen=10_000).state

    assert _outcome(at_once(app, *(settle(order_id) for order_id in orders)), NotEnoughPoints) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(RepairOrder.state == "settled")) == 1
    balance = db.session.scalar(sa.select(Member.points_balance).where(Member.id == member_id))
    assert balance == db.session.scalar(sa.select(sa.func.sum(PointsEntry.points)))
    assert balance == (BILL - 10_000) // 100  # the 10,000 spent once, the one order's points earned


def test_twenty_settlements_spending_the_same_card_balance_at_once_one_succeeds(app, committed_member):
    shop, member_id, orders = committed_member
    services.top_up(member_id, paid_fen=BILL, method="cash", actor=shop.cashier, now=NOW)

    def settle(order_id):
        return lambda: repair.settle(order_id, [PaymentInput("stored_value", BILL)], actor=shop.cashier,
                                     now=NOW).state

    assert _outcome(at_once(app, *(settle(order_id) for order_id in orders)), NotEnoughStoredValue) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Member.card_paid_fen).where(Member.id == member_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(StoredValueEntry.kind == "pay")) == 1
