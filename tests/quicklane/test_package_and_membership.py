"""One rule for a package and a member's discount: on the package's lines the owner pays the lower of the package
price and those lines at the member's discount, never both; lines outside the package get the member's discount.

The package: oil 306.00 + filter 45.60 (parts) + labor 60.00 = 411.60 at list, 399.00 as the package.
"""
from __future__ import annotations

from dealer.extensions import db
from dealer.members import services as members
from dealer.members.models import Member, MemberTier
from dealer.repair import services as repair
from tests.helpers import NOW
from tests.quicklane.builders import new_car, take_key


def _member_car(shop, *, labor_bp, parts_bp):
    car = new_car(shop)
    member = members.join(car.owner_id, actor=shop.advisor, now=NOW)
    tier = db.session.get(MemberTier, db.session.get(Member, member.id).tier_id)
    tier.labor_discount_bp, tier.parts_discount_bp = labor_bp, parts_bp
    db.session.flush()
    return car


def _total(shop, lane):
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    return repair.price(order), order


def test_a_member_whose_discount_is_smaller_pays_the_package_price_never_both(shop, package):
    # 20% off labor alone: the lines cost 411.60 - 12.00 = 399.60 as a member, more than the package's 399.00.
    # Largest-per-line used to give the labor line the member's 12.00 and the parts their package shares: 388.83.
    car = _member_car(shop, labor_bp=2000, parts_bp=0)
    totals, order = _total(shop, take_key(shop, package, car))
    assert totals.total_fen == 39_900
    assert {line.discount_source for line in totals.lines} == {"package"}
    assert order.approved_total_fen == 39_900


def test_a_member_whose_discount_is_larger_pays_the_member_prices_never_both(shop, package):
    # 30% off labor, 10% off parts: 411.60 - 18.00 - 30.60 - 4.56 = 358.44, less than the package price.
    car = _member_car(shop, labor_bp=3000, parts_bp=1000)
    totals, _ = _total(shop, take_key(shop, package, car))
    assert totals.total_fen == 35_844
    assert {line.discount_source for line in totals.lines} == {"member"}


def test_lines_outside_the_package_get_the_members_discount(shop, package):
    car = _member_car(shop, labor_bp=2000, parts_bp=0)
    lane = take_key(shop, package, car)
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    job = repair.add_job(order.id, concern="换前刹车片", actor=shop.advisor, now=NOW)
    repair.add_line(job.id, repair.LineInput(kind="labor", operation_id=shop.brakes.id), actor=shop.advisor,
                    now=NOW)
    repair.approve_extra_work(order.id, [job.id], repair.ApprovalInput(
        method="phone", approver_name="车主", phone="13800000000"), actor=shop.advisor, now=NOW)
    totals, _ = _total(shop, lane)
    assert totals.total_fen == 39_900 + 14_400 - 2_880  # the brakes' labor at 20% off
