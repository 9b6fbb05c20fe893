"""What a reversed order (红冲) used for free is given back, once: a member's free item to the year's allowance, a
car's free check package (the car may have it free again)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.members import handlers, services
from dealer.members.errors import MembershipError
from dealer.members.models import CampaignFreeCheck, FreeItemAllowance, FreeItemUse, MemberSettings
from dealer.repair import services as repair
from tests.factories import CustomerFactory
from tests.helpers import NOW, audit_entries, count
from tests.repair.builders import finished_order, pay

BILL = 36600


def _settled(shop, due_fen=BILL):
    order = finished_order(shop)
    return repair.settle(order.id, pay(order, (due_fen, "cash")), actor=shop.cashier, now=NOW)


def _reverse(shop, order):
    return repair.reverse(order.id, reason="开错", refunds=pay(order, (order.customer_total_fen, "cash")),
                          actor=shop.manager, now=NOW)


def test_a_reversal_gives_the_free_item_used_on_its_order_back_once(shop, member):
    services.tiers_of(shop.store.id)[0].free_items_per_year = 2  # the member's tier: 2 washes a year, no discount
    db.session.flush()
    order = _settled(shop)
    services.use_free_item(member.id, note="洗车", order_number=order.number, actor=shop.advisor, now=NOW)
    services.use_free_item(member.id, note="洗车", actor=shop.advisor, now=NOW)  # not on an order: stays used
    assert db.session.scalar(sa.select(FreeItemAllowance.used)) == 2
    reversal = _reverse(shop, order)
    assert db.session.scalar(sa.select(FreeItemAllowance.used)) == 1
    use = db.session.scalar(sa.select(FreeItemUse).where(FreeItemUse.order_id == order.id))
    assert use.given_back_by_id == reversal.id
    assert [e.changes for e in audit_entries("member_free_item_given_back")] == [{"order": order.number}]
    # once: the give-back run again (a repeated event) changes nothing
    assert handlers.give_back_free_uses(shop.store.id, order.id, reversal_id=reversal.id, order_number=order.number,
                                        actor=shop.manager) == (0, 0)
    assert db.session.scalar(sa.select(FreeItemAllowance.used)) == 1
    services.use_free_item(member.id, note="洗车", actor=shop.advisor, now=NOW)  # the item given back is usable
    assert db.session.scalar(sa.select(FreeItemAllowance.used)) == 2


def test_a_free_item_on_another_owners_order_is_refused(shop, member):
    stranger = CustomerFactory(store=shop.store)
    db.session.flush()
    other = services.join(stranger.id, actor=shop.advisor, now=NOW)
    order = _settled(shop)
    with pytest.raises(MembershipError) as refused:
        services.use_free_item(other.id, note="洗车", order_number=order.number, actor=shop.advisor, now=NOW)
    assert refused.value.field == "order_number"
    assert count(FreeItemUse) == 0


def test_a_reversal_gives_the_free_check_package_back_once(shop):
    db.session.merge(MemberSettings(store_id=shop.store.id, points_per_yuan=100, max_points_share_bp=5000,
                                    holdout_bp=0, marketing_per_month=9, at_risk_months=6, lost_months=12))
    db.session.execute(sa.update(Customer).where(Customer.id == shop.vehicle.owner_id).values(marketing_consent=True))
    draft = services.create_campaign(shop.store.id, services.CampaignInput(
        name="春季空调检测", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31),
        free_operations=["MAINT-OIL"]), actor=shop.manager, now=NOW)
    services.launch_campaign(draft.id, actor=shop.manager, now=NOW, seed=1)
    first = _settled(shop, BILL - 6000)  # the check free
    assert count(CampaignFreeCheck) == 1
    assert _settled(shop).customer_total_fen == BILL  # once per car
    reversal = _reverse(shop, first)
    assert count(CampaignFreeCheck) == 0
    assert [e.changes for e in audit_entries("member_free_check_given_back")] == [{"order": first.number}]
    assert handlers.give_back_free_uses(shop.store.id, first.id, reversal_id=reversal.id, order_number=first.number,
                                        actor=shop.manager) == (0, 0)
    again = _settled(shop, BILL - 6000)  # the car has it free again, once
    assert again.customer_total_fen == BILL - 6000
    assert db.session.execute(sa.select(CampaignFreeCheck.order_id)).scalars().all() == [again.id]
