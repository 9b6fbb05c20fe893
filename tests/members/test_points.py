"""Points (积分): earned on the customer-paid total of a settled order once, redeemed as money off at
settlement from the soonest-expiring lots, expired nightly, reversed with the order (红冲)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import ledger, services
from dealer.members.errors import MembershipError, NotAMember, NotEnoughPoints
from dealer.members.models import EARN, Member, PointsEntry, PointsLot
from dealer.repair import services as repair
from dealer.repair.queries import display_totals
from dealer.repair.services import PaymentInput
from tests.helpers import NOW, assert_error, bearer, count
from tests.repair.builders import add_labor, by_phone, finished_order, open_order, pay

BILL = 36600  # the builders' order: oil service labor 60 yuan + 4.5 l of oil 306 yuan


def settle(shop, *, points_fen=0, payments=None, now=NOW):
    order = finished_order(shop, now=now)
    payments = payments or pay(order, (BILL - points_fen, "cash"))
    return repair.settle(order.id, payments, actor=shop.cashier, now=now, points_fen=points_fen)


def entries(member) -> list[tuple[str, int]]:
    return [(e.kind, e.points) for e in db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.member_id == member.id).order_by(PointsEntry.id))]


def balance(member) -> int:
    return db.session.scalar(sa.select(Member.points_balance).where(Member.id == member.id))


def give(shop, member, points, *, now=NOW):
    return services.adjust_points(member.id, points, reason="开业赠送", actor=shop.manager, now=now)


def test_settle_earns_one_point_per_yuan_paid_once_with_its_expiry(shop, member):
    order = settle(shop)
    assert entries(member) == [("earn", 366)]
    lot = db.session.scalar(sa.select(PointsLot).where(PointsLot.order_id == order.id))
    assert (lot.earned, lot.remaining, lot.expires_on) == (366, 366, date(2027, 12, 31))
    assert balance(member) == 366


def test_an_order_earns_its_points_once_whatever_tries_twice(shop, member):
    order = settle(shop)
    locked = services.lock_member(member.id)
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            ledger.open_lot(locked, EARN, 366, today=date(2026, 11, 23), actor_id=None, now=NOW, order_id=order.id)


def test_points_follow_the_tier_rate_and_never_count_warranty_lines(shop, member):
    gold = services.tiers_of(shop.store.id)[2]
    services.override_tier(member.id, gold.id, reason="VIP客户", until=date(2027, 1, 1), actor=shop.manager, now=NOW)
    order = open_order(shop, "保养")
    add_labor(shop, order.jobs[0])  # 60 yuan, customer
    add_labor(shop, order.jobs[0], operation=shop.brakes, payer="warranty")  # the maker pays: no points
    repair.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    repair.approve_estimate(order.id, by_phone(), actor=shop.advisor, now=NOW)
    _finish(shop, order)
    total = repair.get_order(order.id, actor=shop.cashier)
    owed = display_totals(total).total_fen
    assert owed == 6000 - 600  # 金卡: 10% off labor, the warranty line not billed to the owner
    repair.settle(order.id, pay(order, (owed, "cash")), actor=shop.cashier, now=NOW)
    assert entries(member) == [("earn", 54 * 15 // 10)]  # 54 yuan x 1.5


def _finish(shop, order):
    job = order.jobs[0]
    repair.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    repair.dispatch(order.id, actor=shop.advisor, now=NOW)
    repair.mark_job_done(job.id, actor=shop.technician, now=NOW)
    repair.request_quality_check(order.id, actor=shop.technician, now=NOW)
    repair.record_quality_check(order.id, repair.QualityCheckInput(passed=True, checklist=dict.fromkeys(
        repair.QC_ITEMS, True)), actor=shop.advisor, now=NOW)


def test_points_pay_money_off_from_the_soonest_expiring_lot_first(shop, member):
    give(shop, member, 500, now=NOW - timedelta(days=400))  # a lot of 2025: expires end of 2026
    give(shop, member, 500)  # expires end of 2027
    order = settle(shop, points_fen=600)
    assert order.points_fen == 600 and order.customer_total_fen == BILL - 600
    lots = db.session.scalars(sa.select(PointsLot).where(PointsLot.member_id == member.id, PointsLot.order_id.is_(None))
                              .order_by(PointsLot.expires_on)).all()
    assert [(lot.expires_on.year, lot.remaining) for lot in lots] == [(2026, 0), (2027, 400)]
    assert entries(member)[2:] == [("redeem", -500), ("redeem", -100), ("earn", 360)]


def test_redeeming_more_points_than_the_balance_is_refused_with_the_balance(shop, member):
    give(shop, member, 100)
    with pytest.raises(NotEnoughPoints) as refused:
        settle(shop, points_fen=200)
    assert "100" in str(refused.value.message) and refused.value.field == "points_fen"


def test_points_pay_at_most_the_stores_share_of_the_bill(shop, member):
    give(shop, member, 40_000)
    with pytest.raises(NotEnoughPoints) as refused:
        settle(shop, points_fen=BILL // 2 + 100)
    assert "183.00" in str(refused.value.message)


def test_a_customer_who_is_not_a_member_pays_no_points_nor_card(shop):
    with pytest.raises(NotAMember):
        settle(shop, points_fen=100)
    order = finished_order(shop)
    with pytest.raises(NotAMember):
        repair.settle(order.id, [PaymentInput("stored_value", BILL)], actor=shop.cashier, now=NOW)


def test_nightly_expiry_takes_what_is_left_of_lots_past_their_date(shop, member):
    give(shop, member, 300, now=NOW - timedelta(days=400))
    give(shop, member, 200)
    expired = services.expire_points(now=NOW, day=date(2027, 1, 1), store_ids=[shop.store.id])
    assert expired == 300 and balance(member) == 200
    assert entries(member)[-1] == ("expire", -300)
    assert services.expire_points(now=NOW, day=date(2027, 1, 1), store_ids=[shop.store.id]) == 0


def test_reversal_takes_the_earned_points_off_and_gives_the_redeemed_back(shop, member):
    give(shop, member, 1000)
    order = settle(shop, points_fen=600)
    assert balance(member) == 400 + 360
    repair.reverse(order.id, reason="开错", refunds=pay(order, (BILL - 600, "cash")), actor=shop.manager, now=NOW)
    assert balance(member) == 1000
    assert services.ledger_drift(store_ids=[shop.store.id]) == []


def test_reversal_of_spent_points_goes_below_zero_only_through_a_recorded_clawback(shop, member):
    first = settle(shop)  # earns 366
    settle(shop, points_fen=366)  # spends them; earns 362 (on 362.34 yuan paid)
    assert balance(member) == 362
    repair.reverse(first.id, reason="开错", refunds=pay(first, (BILL, "cash")), actor=shop.manager, now=NOW)
    assert balance(member) == -4
    kinds = entries(member)
    assert ("clawback", -4) in kinds and kinds.count(("reverse", -362)) == 1
    give(shop, member, 10)
    assert balance(member) == 6
    assert db.session.scalar(sa.select(sa.func.sum(PointsLot.remaining)).where(PointsLot.member_id == member.id)) == 6


def test_a_points_correction_below_the_balance_is_refused_a_clawback_is_not(shop, member):
    give(shop, member, 50)
    with pytest.raises(MembershipError):
        give(shop, member, -60)
    services.claw_back_points(member.id, 60, reason="误发积分", actor=shop.manager, now=NOW)
    assert balance(member) == -10
    with pytest.raises(MembershipError):
        services.claw_back_points(member.id, 5, reason=" ", actor=shop.manager, now=NOW)


def test_ledger_check_finds_a_balance_changed_behind_the_ledgers_back(shop, member):
    give(shop, member, 50)
    assert services.ledger_drift(store_ids=[shop.store.id]) == []
    db.session.execute(sa.update(Member).where(Member.id == member.id).values(points_balance=70))
    assert services.ledger_drift(store_ids=[shop.store.id]) == [(member.id, "points", 70, 50)]
    assert services.check_ledgers(now=NOW, store_ids=[shop.store.id]) == 1


def test_the_api_refuses_points_for_a_non_member_with_the_field(client, shop, staff, ctx):
    order = finished_order(shop)
    headers = bearer(staff["cashier"])
    db.session.commit()
    response = client.post(f"/api/v1/repair-orders/{order.id}/transitions", headers=headers, json={
        "action": "settle", "points_fen": 100, "payments": [{"method": "cash", "amount_fen": BILL - 100}]})
    assert_error(response, 409, "members.not_a_member", fields=["points_fen"])
    assert count(PointsEntry) == 0


def test_points_past_their_expiry_are_not_spent_even_before_the_nightly_run(shop, member):
    give(shop, member, 300, now=NOW - timedelta(days=400))  # expires at the end of 2026
    with pytest.raises(NotEnoughPoints):
        settle(shop, points_fen=300, now=NOW + timedelta(days=40))  # 2027: the lot has expired
    db.session.rollback()  # as the error handler does: the refused settlement changed nothing
    give(shop, member, 300)  # a lot of 2026, good until the end of 2027
    settle(shop, points_fen=300, now=NOW + timedelta(days=40))
    assert [kind for kind, _points in entries(member)][-3:] == ["expire", "redeem", "earn"]


def test_points_pay_only_whole_multiples_of_what_one_point_is_worth(shop, member):
    services.save_settings(shop.store.id, points_per_yuan=50, max_points_share_bp=5000, actor=shop.manager, now=NOW)
    give(shop, member, 1000)
    with pytest.raises(NotEnoughPoints) as refused:
        settle(shop, points_fen=1001)  # at 50 points a yuan one point is 2 fen
    assert refused.value.field == "points_fen"
    settle(shop, points_fen=1000)
    assert entries(member)[1] == ("redeem", -500)
